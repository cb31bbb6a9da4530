/* SPDX-License-Identifier: MIT */
/*
 * cli: shared pieces of the `minike` command (initiate, respond, demo, keygen): exit codes and
 * the one-line failure format, option parsing (strongSwan proposal syntax, identities, traffic
 * selectors, PSK files), the timeline printer, and the responder daemon with its garage door.
 * CLI code may allocate and print; it reaches the network only through ref/io (mk_io).
 */
#ifndef MK_CLI_H
#define MK_CLI_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "inner.h"
#include "keysfile.h"
#include "minike_tools.h"
#include "mk_io.h"
#include "pcapw.h"
#include "peer.h"

/* Exit codes (documented in `minike --help` and harness/cli/README.md). */
enum {
    EX_OK = 0,       /* success */
    EX_INTERNAL = 1, /* internal error (a bug, out of memory, crypto library failure) */
    EX_USAGE = 2,    /* bad command line */
    EX_CONFIG = 3,   /* config or file problem: unreadable file, short PSK, unknown proposal */
    EX_NET = 4,      /* network: port in use, address unusable, peer unreachable (ICMP) */
    EX_TIMEOUT = 5,  /* no answer in time */
    EX_AUTH = 6,     /* authentication failed (ours rejected or theirs wrong) */
    EX_PROPOSAL = 7, /* no proposal chosen, child SA refused */
    EX_PEER = 8,     /* other error reported by or caused by the peer */
    EX_SIGNAL = 130, /* interrupted by SIGINT/SIGTERM: 128 + SIGINT, as shells report it */
};

/* Print `minike: <what>: <why> (<todo>)` on stderr; returns `code`. */
int cli_fail(int code, const char *what, const char *why, const char *todo);
/* The exit code and message for a failed IKE SA; last_exchange: the exchange type of the last
 * request we sent (for the message). */
int cli_fail_ike(const mk_ike *ike, const char *peer, uint8_t last_exchange);
/* The same for an error and counters from elsewhere (the template core, initiate_tiny.c);
 * cfg may be NULL (PSK). */
int cli_fail_err(mk_err e, const mk_stats *st, const mk_config *cfg, const char *peer,
                 uint8_t last_exchange);

/* ---- raw public keys (keys.c) ---- */
enum { CLI_MAX_PRIV = 2560 }; /* an RSA-4096 PKCS#8 DER private key is about 2.4 KB */
typedef struct cli_key {
    uint8_t type; /* MK_KEY_ED25519 / MK_KEY_RSA */
    size_t bits;
    uint8_t priv[CLI_MAX_PRIV]; /* mk_config.priv_key form: Ed25519 seed or RSA DER */
    size_t priv_len;
    uint8_t spki[MK_MAX_SPKI]; /* its public half, DER SubjectPublicKeyInfo */
    size_t spki_len;
} cli_key;

/* The imprint state of one `initiate` (or the demo's device, with path NULL: memory only). */
typedef struct cli_imprint {
    const char *path; /* state file, or NULL */
    char peer[80];    /* for the file's comment */
    bool have;        /* fp holds the imprinted key (from the file or just learned) */
    uint8_t fp[MK_FP_LEN];
    bool seen, imprinted, matched, changed;
    uint8_t seen_fp[MK_FP_LEN]; /* the key the responder presented, once its AUTH verified */
    int write_errno;            /* the state file could not be written (imprint refused) */
} cli_imprint;

/* Read keys: 0 or an exit code after the one-line message. Key files may be DER or PEM. */
int cli_load_private_key(const char *path, cli_key *k, const char *opt);
int cli_key_from_der(const uint8_t *der, size_t len, cli_key *k, const char *what);
int cli_load_public_key(const char *path, uint8_t *spki, size_t *spki_len, const char *opt);
int cli_spki_check(const uint8_t *spki, size_t len, const char *what);
int cli_parse_fp(const char *s, uint8_t fp[MK_FP_LEN], const char *opt);
void cli_format_fp(const uint8_t fp[MK_FP_LEN], char out[2 * MK_FP_LEN + 1]);
const char *cli_key_type_name(uint8_t type);
/* pki --print style lines (pubkey, keyid, subjkey) plus the SHA-256 fingerprint. */
void cli_print_key_info(FILE *out, const uint8_t *spki, size_t len);
/* A fresh key from rng (Ed25519 seed, or RSA of `bits` via mbedTLS); der: the private key file
 * contents (PKCS#8 for Ed25519, PKCS#1 for RSA). */
int cli_keygen_mem(uint8_t type, unsigned bits, void (*rng)(void *, uint8_t *, size_t),
                   void *rng_ctx, cli_key *k, uint8_t *der, size_t cap, size_t *der_len);
int cli_pem_encode(const char *label, const uint8_t *der, size_t len, char *out, size_t cap);
/* Write via a temporary file and rename (replace) or link (never replace an existing file). */
int cli_write_atomic(const char *path, const void *data, size_t len, unsigned mode, bool replace,
                     const char *what);
/* The file an atomic write really replaces: `path` if it is missing or a regular file, the
 * target of a symlink; a directory, device, FIFO or socket is refused (exit 3, message printed),
 * since rename() would replace the node itself (--pcap /dev/null as root). 0 or an exit code. */
int cli_output_path(const char *path, char *out, size_t cap, const char *what);
int cli_state_default(const mk_addr *peer, char *out, size_t cap);
int cli_state_read(cli_imprint *st);
int cli_state_reset(const char *path);
/* mk_config.imprint: remember the first verified key, then accept only that one. */
bool cli_imprint_cb(void *ctx, const uint8_t *spki, size_t len);

/* ---- options ---- */
typedef struct cli_common {
    uint8_t psk[MK_MAX_PSK];
    size_t psk_len;
    bool have_psk;
    mk_id id, remote_id;
    bool have_id;
    mk_ike_suite ike[MK_MAX_SUITES];
    size_t n_ike;
    mk_esp_suite esp[MK_MAX_SUITES];
    size_t n_esp;
    mk_ts tsi, tsr;
    bool have_tsi, have_tsr;
    const char *pcap, *keys;
    bool pcap_raw_ports;
    bool seeded;
    uint64_t seed;
    int verbose;
    /* raw public keys: --key, --peer-key, --peer-fp, --state, --send-cert */
    cli_key key;
    bool have_key;
    uint8_t peer_spki[MK_MAX_SPKI];
    size_t peer_spki_len;
    bool have_peer_key;
    uint8_t peer_fp[MK_FP_LEN];
    bool have_peer_fp;
    const char *state;
    bool send_cert;
    /* output files (outputs.c): --force replaces them; the files this run reads, which no
     * output may be (--psk-file, --key, --peer-key, --state) */
    bool force;
    const char *inputs[6], *input_opts[6];
    size_t n_inputs;
} cli_common;

/* Long-only option codes shared by the subcommands (getopt_long values above 255). */
enum {
    OPT_KEY = 0x100,
    OPT_PEER_KEY,
    OPT_PEER_FP,
    OPT_STATE,
    OPT_SEND_CERT,
    OPT_AUTH,
    OPT_NO_CERT,
    OPT_FORCE,
    OPT_CORE
};

/* ---- output files (outputs.c) ---- */
/* Remember a file the run reads (opt: "--psk-file"...), so no output may replace it. */
void cli_note_input(cli_common *c, const char *opt, const char *path);
/* Before anything is sent: an existing --pcap file or non-empty --keys directory without
 * --force, an output that is an input (device and inode), --pcap inside/equal to --keys.
 * 0 or an exit code (message printed). */
int cli_outputs_check(const cli_common *c);

/* Parsers: return 0 or an exit code after printing the one-line message. */
int cli_parse_ike(const char *s, mk_ike_suite *out, size_t *n);
int cli_parse_esp(const char *s, mk_esp_suite *out, size_t *n);
int cli_parse_id(const char *s, mk_id *out, const char *opt);
int cli_parse_ts(const char *s, mk_ts *out, const char *opt);
int cli_load_psk_file(const char *path, cli_common *c);
int cli_load_psk_env(cli_common *c);
int cli_parse_u64(const char *s, uint64_t max, uint64_t *out, const char *opt);
/* --delete: our own Delete is a build option (MK_DELETE, off in the minimal profile). Returns 0
 * when it is built in, else fails (EX_USAGE) with one line saying how to get it; the commands
 * call it while parsing, before any SA is built. */
int cli_check_delete(void);
int cli_parse_range(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *opt);
/* A responder address one can send to: not 0.0.0.0/::, multicast, broadcast, nor port 0. */
int cli_check_remote(const mk_addr *a, const char *opt, const char *s);
int cli_parse_addr(const char *s, uint16_t def_port, mk_addr *out, const char *opt);
/* Check every suite can be served by mk_suites_default(); 3 otherwise. */
int cli_check_suites(const cli_common *c);
void cli_format_ike(const mk_ike_suite *s, char *out, size_t cap);
void cli_format_esp(const mk_esp_suite *s, char *out, size_t cap);
void cli_format_id(const mk_id *id, char *out, size_t cap);
void cli_set_default_suites(cli_common *c);
bool cli_check_suites_quiet(const cli_common *c);
/* Options shared by the subcommands (psk-file, id, remote-id, ike, esp, tsi, tsr, pcap,
 * pcap-raw-ports, keys, seed, v). Returns 1 if handled, 0 if not a shared option, or
 * -(exit code) after printing the message. */
int cli_common_opt(cli_common *c, int opt, const char *arg);
/* The message for getopt's ':' (missing value) and '?' (unknown option). */
int cli_usage_error(char **argv, int opt, const char *cmd);
/* A stray non-option argument. */
int cli_unexpected_arg(const char *arg, const char *todo);

/* ---- timeline ---- */
typedef struct cli_show {
    FILE *out;
    uint64_t t0_ms;
    int verbose; /* 1: hex dumps in hexl_print style */
    bool quiet;
    pthread_mutex_t lock;
} cli_show;

void show_init(cli_show *s, int verbose);
/* After a failure line nothing more is printed on the timeline (a demo's door thread, the
 * responder's "stopped"): cli_fail() mutes the show registered here. */
extern cli_show *cli_active_show;
void show_line(cli_show *s, uint64_t now_ms, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* One IKE datagram (marker included or not): exchange, request/response, message ID, payload
 * list (SK contents decrypted when `keys` is given), size. */
void show_ike(cli_show *s, uint64_t now_ms, const char *who, bool tx, const uint8_t *p, size_t n,
              const mk_ike_keys *keys, const char *note);
/* The IDr inside a responder's SK payload, decrypted with `keys` (for messages only). */
bool show_find_idr(const uint8_t *p, size_t n, const mk_ike_keys *keys, mk_id *out);
/* The TSi and TSr lists (up to 4 each) of a responder's IKE_AUTH response, decrypted with
 * `keys`: the selectors the responder chose. Call it only for a response the core accepted
 * (the core checked each lies within what we proposed). */
bool show_find_ts(const uint8_t *p, size_t n, const mk_ike_keys *keys, mk_ts *tsi, size_t *n_tsi,
                  mk_ts *tsr, size_t *n_tsr);
/* "10.99.10.0/24", "10.0.0.1-10.0.0.9", "2001:db8::/64"; " udp/7777", " icmp" when narrowed. */
const char *cli_ts_str(const mk_ts *ts, char *buf, size_t cap);
/* RFC 4301 §5.2 for an opened inbound ESP packet: true if `v` comes from `src` and goes to
 * `dst` (mk_inner_ts_check); else false and a one-line reason naming the address and the
 * selector (src_name / dst_name: "TSi", "TSr") in `why`. */
bool cli_ts_inbound(const mk_inner *v, const mk_ts *src, size_t n_src, const char *src_name,
                    const mk_ts *dst, size_t n_dst, const char *dst_name, char *why, size_t cap);
/* The seed's hexl_print: a title line, then "0000: xx xx ... | ascii" lines. */
void show_hex(cli_show *s, const char *title, const uint8_t *p, size_t n);
/* Peer-supplied octets as text: printable ASCII as is, every other octet (and the backslash)
 * as \xNN; truncated to fit cap (NUL included). Returns the length written. */
size_t cli_escape(const uint8_t *p, size_t n, char *out, size_t cap);
/* Print a line with C0 controls and DEL shown as \xNN (no newline added): the last guard, so
 * nothing we print can move the cursor, clear the screen or start a forged second line. */
void cli_write_line(FILE *f, const char *line);
/* "127.0.0.1:500" */
const char *addr_str(const mk_addr *a, char *buf, size_t cap);

/* ---- capture and keys shared by every subcommand ---- */
typedef struct cli_capture {
    mk_pcapw *pcap;
    mk_keysw *keys;       /* opened on the first row (capture_keys), so an empty run writes none */
    const char *keys_dir; /* --keys */
    int keys_errno;       /* the directory could not be prepared */
    bool force;           /* --force: an existing --pcap may be replaced */
    char pcap_path[4096]; /* what --pcap really names (symlink followed) */
    bool raw_ports;
    pthread_mutex_t lock;
    /* byte counters (UDP payload octets and datagrams), for the demo summary */
    uint64_t ike_bytes, esp_bytes, ike_dgrams, esp_dgrams;
} cli_capture;

int capture_open(cli_capture *c, const cli_common *o);
/* the mk_io tap: records a datagram (ctx: cli_capture *) */
void capture_tap(void *ctx, bool tx, const mk_addr *src, const mk_addr *dst, const uint8_t *p,
                 size_t n);
/* Write outputs only when there is something to write: the capture if it holds a datagram, the
 * key tables if a row was added (each atomically). 0 or an exit code (message printed). */
int capture_close(cli_capture *c);
/* The key-table writer, opened on first use; NULL without --keys or when the directory cannot
 * be prepared (reported by capture_close). Call with c->lock not held. */
mk_keysw *capture_keys(cli_capture *c);

/* ---- the responder daemon (respond, and the demo's door) ---- */
enum { DOOR_PORT = 7777 };
typedef struct cli_server {
    mk_peer_config pcfg;
    mk_env env;
    mk_io_drbg drbg;
    mk_peer *peer;
    mk_io io;
    cli_capture *cap;
    cli_show *show;
    const char *who;    /* "door" or "responder" in the timeline */
    bool echo;          /* UDP: plain echo instead of the garage door */
    bool once;          /* exit after the first IKE SA ends */
    bool forge_inner;   /* --misbehave forge-inner: forged reply before each one */
    uint32_t travel_ms; /* door travel time */
    volatile sig_atomic_t *stop;
    /* ESP */
    mk_esp_sa sa;
    bool sa_ok;
    struct {
        mk_esp_sa sa;
        mk_ts ts_i, ts_r;
        bool ts_ok;
    } park[64]; /* the child SAs of the other initiators (respond.c use_sa) */
    size_t n_park;
    int esp_cls;
    mk_addr esp_peer;
    /* IKE reply routing per port class (0: 500 class, 1: 4500 class) */
    int route_cls[2];
    mk_addr route_to[2];
    bool route_ok[2];
    mk_ike_keys last_keys;
    bool have_keys;
    /* RFC 4301 §5.2: the child SA's selectors (mk_peer_child_ts), taken with the SA copy */
    mk_ts ts_i, ts_r;
    bool ts_ok;
    uint32_t ts_drops;      /* inbound ESP dropped: inner packet outside ts_i -> ts_r */
    uint32_t refusals_seen; /* mk_peer_refusals already logged */
    uint32_t sas_seen;
    bool ended_one;
    /* door */
    int door; /* 0 closed, 1 opening, 2 open, 3 closing */
    uint64_t move_start_ms, next_status_ms;
    uint8_t dev_ip[4], door_ip[4];
    uint16_t dev_port, door_port;
    uint16_t ip_id;
    uint64_t last_activity_ms;
    bool door_transport; /* the last command came in transport mode */
    bool show_dgrams;    /* timeline of every datagram (respond), not only the door */
    int last_pstate;     /* mk_peer_state after the last loop, for the "established" line */
} cli_server;

/* Bind, create the peer. Returns 0 or an exit code (message printed). */
int server_start(cli_server *s, const mk_addr *listen, uint16_t natt_port);
/* Loop until *stop, or (once) the first SA ended. Returns 0 or an exit code. */
int server_run(cli_server *s);
void server_stop(cli_server *s);
const char *door_state_name(int door);

/* ---- the device: one initiator session over mk_io (initiate, and the demo's remote) ---- */
typedef enum { APP_NONE, APP_PING, APP_SEND, APP_DOOR } app_mode;

/* ---- traffic inside the ESP SA, for either core (dev_shared.c) ---- */
/* A device's traffic through its child SA: what it sends, what came back. */
typedef struct cli_app {
    app_mode mode; /* APP_PING: ICMP echo; else UDP carrying text */
    uint8_t inner_src[4], inner_dst[4];
    uint16_t sport, dport, icmp_id, ip_id;
    const char *text;
    uint32_t count, sent, received, bad, quiet_ms;
    uint64_t next_send_ms, quiet_until_ms, first_send_ms;
    uint64_t send_ms[64];
    bool done, got_done;
    uint32_t led_blinks;
    uint32_t ts_drops; /* replies dropped outside the selectors (RFC 4301 §5.2) */
} cli_app;
/* The app's next request into pkt (tunnel: an inner IPv4 header; transport: none, local and
 * remote are the outer addresses for the UDP checksum), its next header and the timeline's
 * description; counts it as sent. Returns its length, 0 when it does not fit (not sent). */
size_t cli_app_request(cli_app *a, bool tunnel, const mk_addr *local, const mk_addr *remote,
                       uint64_t now, uint8_t *pkt, size_t cap, uint8_t *nh, char *what,
                       size_t wcap);
/* The garage-door press: cmd in UDP from 10.99.20.1:40000 to the door 10.99.10.1:DOOR_PORT. */
void cli_app_door(cli_app *a, const char *cmd, uint32_t quiet_ms);
/* After the traffic ran: echo requests unanswered, or no reply to the text (exit 5 with its
 * line), else 0. */
int cli_app_result(const cli_app *a);
/* An ESP packet the SA opened (g: the datagram, spi and seq read from it before; nh, in, il:
 * the inner packet): decoded, checked to come from the responder's selectors tsr to ours tsi
 * (RFC 4301 §5.2), shown, then acted on: an echo reply to one of our requests, or a text
 * reply (the door's STATUS counts a blink and keeps it awake door_ms; DONE sets got_done). */
void cli_app_esp(cli_app *a, cli_show *s, const char *who, uint64_t now, const mk_io_dgram *g,
                 uint32_t spi, uint32_t seq, uint8_t nh, const uint8_t *in, size_t il,
                 const mk_ts *tsr, size_t n_tsr, const mk_ts *tsi, size_t n_tsi, uint32_t door_ms);
/* An I/O failure with the peer during `what` ("IKE_SA_INIT", "ESP traffic"): signal, ICMP
 * unreachable, no answer, or a socket error (err: its errno). Returns the exit code. */
int cli_io_fail(mk_io_status st, int err, const char *what, const char *peer);
/* A device's sockets (ref/io): bind local (a local port 500 brings 4500 beside it), tap them
 * into cap, connect to the peer's IKE and NAT-T addresses (either may be NULL), stop on *stop.
 * 0 or the exit code after one line. */
int cli_io_open(mk_io *io, cli_capture *cap, volatile sig_atomic_t *stop, const mk_addr *local,
                const mk_addr *peer_ike, const mk_addr *peer_natt);
/* A device's randomness: the --seed DRBG when there is one, else the OS RNG. */
void cli_rng(mk_io_drbg *drbg, uint8_t *out, size_t n);
/* An ESP packet's SPI and sequence number for the timeline (0 when shorter than 8). */
void cli_esp_spi_seq(const uint8_t *p, size_t n, uint32_t *spi, uint32_t *seq);
/* The timeline's line for inbound ESP dropped (why: the SA's error or the selectors). */
void cli_esp_drop_line(cli_show *s, uint64_t now, const char *who, uint32_t spi, uint32_t seq,
                       size_t len, const char *why);

typedef struct cli_dev {
    /* set by the caller before dev_connect */
    mk_config cfg;
    mk_env env;
    cli_show *show;
    cli_capture *cap;
    const char *who; /* "device" / "minike" in the timeline */
    volatile sig_atomic_t *stop;
    bool seeded; /* env.rng draws from drbg (--seed), else the OS RNG */
    mk_io_drbg drbg;
    /* state */
    mk_io io;
    mk_ike ike;
    char peer_str[80];
    uint8_t last_exchange;
    mk_ike_keys keys;
    bool have_keys, keys_written;
    mk_esp_sa sa;
    bool sa_ok;
    /* RFC 4301 §5.2: inbound ESP must come from the responder's TSr (ts_peer) and go to our TSi
     * (ts_ours): the selectors of its IKE_AUTH response, else (ts_negotiated false) ours */
    mk_ts ts_ours[4], ts_peer[4];
    size_t n_ts_ours, n_ts_peer;
    bool ts_negotiated;
    /* traffic */
    cli_app app;
    uint32_t interval_ms, reply_wait_ms;
    int door_state_seen;
    /* per-session counters */
    uint32_t esp_tx, esp_rx, ike_round_trips;
    /* raw public keys: the imprint state (NULL when the responder is pinned or PSK is used) */
    cli_imprint *imprint;
    mk_id seen_idr; /* the IDr of the last IKE_AUTH response, for ID_MISMATCH */
    bool have_seen_idr;
    /* -v: the core's trace lines, held back until the datagram they belong to is shown, so
     * the timeline reads in cause-and-effect order */
    struct {
        uint64_t ms;
        char text[200];
    } trace_q[24];
    size_t n_trace;
} cli_dev;

/* Open sockets, connect to the peer and fill cfg.local/remote. Returns 0 or an exit code. */
int dev_connect(cli_dev *d, const mk_addr *local, const mk_addr *peer_ike,
                const mk_addr *peer_natt);
/* IKE_SA_INIT + IKE_AUTH until ESTABLISHED; prints the result. 0 or an exit code. */
int dev_establish(cli_dev *d, uint32_t timeout_ms);
/* How long the configured traffic's schedule lasts: (count - 1) sends apart, then the reply
 * wait (1 s per ping, --quiet-timeout after --send). */
uint64_t dev_traffic_ms(const cli_dev *d);
/* Run the configured traffic (mode) over the child SA: its schedule, then up to timeout_ms
 * more for late replies. 0 or an exit code. */
int dev_traffic(cli_dev *d, uint32_t timeout_ms);
/* Delete the IKE SA (RFC 7815 B.1) and wait for the answer. 0 or an exit code. */
int dev_delete(cli_dev *d, uint32_t timeout_ms);
/* Record keys (if --keys), wipe the SA and close the sockets. */
void dev_close(cli_dev *d);

/* ---- `minike initiate` options, for either core (initiate_opts.c) ---- */
typedef struct cli_initiate_opts {
    mk_addr peer, local, to, ping;
    bool have_peer, have_local, have_to, have_ping, have_src, have_count, have_quiet;
    bool no_natt, nat_port, transport, del, initial_contact;
    const char *send; /* --send TEXT */
    uint64_t count, timeout, quiet;
    uint8_t inner_src[4];
} cli_initiate_opts;
/* What a core adds to the shared parse; a NULL hook adds nothing. Each returns 0 or an exit
 * code after its one line. */
typedef struct cli_initiate_core {
    const char *help;                          /* what --help prints */
    int (*refuse)(int opt);                    /* an option the core lacks, before it is read */
    int (*check_options)(const cli_common *c); /* right after the stray-argument check */
    int (*check_traffic)(const cli_initiate_opts *o); /* right before the --no-natt check */
} cli_initiate_core;
/* Parse and check argv (then MINIKE_PSK when no --psk-file/--key): true to go on; false with *rc
 * the exit code (EX_OK after --help), c wiped. */
bool cli_initiate_parse(int argc, char **argv, const cli_initiate_core *core, cli_common *c,
                        cli_initiate_opts *o, int *rc);
/* Default --tsi/--tsr and --inner-src, then check tunnel traffic lies inside the selectors.
 * 0 or an exit code (c wiped). */
int cli_initiate_selectors(cli_common *c, cli_initiate_opts *o);
/* No --local: any address of --peer's family. */
void cli_initiate_local(cli_initiate_opts *o);
/* The end of a run: close the capture (its outputs written), wipe the secrets. Returns rc, or
 * when the run went well the capture's own result. */
int cli_initiate_finish(int rc, cli_capture *cap, cli_common *c);

/* ---- subcommands ---- */
int cmd_initiate(int argc, char **argv);
/* `initiate --core tiny`: the template core (initiate_tiny.c). cli_core_arg: 1 when argv asks
 * for --core tiny, 0 for the general core, -(exit code) after the message for another value. */
int cmd_initiate_tiny(int argc, char **argv);
int cli_core_arg(int argc, char **argv);
/* One press of `demo --core tiny`: wake, IKE SA with the door through the template core, the
 * command in ESP, ACK/STATUS/DONE, sleep (forget). drbg: the --seed stream (NULL: OS RNG),
 * carried on from press to press. 0 or an exit code (message printed). */
typedef struct tiny_press_out {
    uint32_t ike_rt, esp_tx, esp_rx, blinks;
} tiny_press_out;
/* demo --core tiny: refuse --auth rsa|ed25519, --delete and other suites (exit 2, one line),
 * set the one suite. 0 or an exit code. */
int tiny_demo_options(cli_common *c, bool rpk, bool del);
int tiny_demo_press(const cli_common *c, const mk_addr *local, const mk_addr *door,
                    const char *cmd, uint32_t travel_ms, uint32_t quiet_ms, cli_show *show,
                    cli_capture *cap, mk_io_drbg *drbg, tiny_press_out *out);
int cmd_respond(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_reset(int argc, char **argv);
/* Wipe the secrets of a cli_common (PSK, private key). */
void cli_common_wipe(cli_common *c);
/* Fill the raw-key part of an initiator config from the options; imprint: the state to use
 * when nothing is pinned. Returns 0 or an exit code. */
int cli_rpk_config(cli_common *c, mk_config *cfg, cli_imprint *imprint);
/* "Ed25519 key sha256:0123abcd..., responder pinned by key" and the like, for the timeline. */
void cli_rpk_describe(const cli_common *c, const cli_imprint *imprint, char *out, size_t cap);

extern volatile sig_atomic_t cli_stop_flag;
void cli_install_signals(void);

#endif
