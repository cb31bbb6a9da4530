/* SPDX-License-Identifier: MIT */
/*
 * chk: `minike check`, a conformance suite for any IKEv2 initiator. An adversarial responder
 * (chk_resp.c) plays one scripted case of the catalogue (chk_cases.c) against an initiator that
 * the engine (chk_run.c) starts per case or waits for, records every datagram both ways, and a
 * judge (chk_judge.c) turns what the initiator put on the wire into PASS / FAIL / INFO / N/A.
 * Outputs (progress, table, JSON, JUnit) live in chk_out.c.
 *
 * The responder is built on ref/'s codec and key schedule (msg, sk, keysched, suite), never on
 * the initiator state machine, so an initiator bug in ref/ cannot hide itself here.
 */
#ifndef MK_CHK_H
#define MK_CHK_H

#include <stdio.h>

#include "keysched_tools.h"
#include "minike_tools.h"
#include "msg_sa.h"
#include "msg_tools.h"
#include "sk.h"
#include "suite.h"

typedef enum { CHK_PASS, CHK_FAIL, CHK_INFO, CHK_NA, CHK_ERROR } chk_verdict;
const char *chk_verdict_name(chk_verdict v);

/* ---- the scripted responder ------------------------------------------------------------- */

/* What to do with the n-th IKE_SA_INIT request datagram (0-based; the last step repeats). */
enum {
    P_ANSWER = 0, /* the real answer (mutated if the case's mutation targets this answer) */
    P_SILENT,     /* as if lost */
    P_COOKIE,     /* N(COOKIE) with arg octets of cookie data */
    P_INVALID_KE, /* N(INVALID_KE_PAYLOAD) naming group arg (0: the group the initiator
                     offered in its first proposal but did not send a KE for, else 19) */
    P_NOTIFY,     /* an unprotected error notify of type arg instead of an answer */
};
typedef struct chk_step {
    uint8_t kind;
    uint16_t arg;
} chk_step;
enum { CHK_MAX_STEPS = 6 };

/* Mutations of the responder's behaviour; one case uses one (with an argument). The group a
 * mutation belongs to decides which exchange it changes. */
enum {
    M_NONE = 0,
    /* IKE_SA_INIT response: header */
    M_HDR_FLAG_I,       /* set the I flag in the response */
    M_HDR_NO_R,         /* clear the R flag */
    M_HDR_VERSION,      /* version octet = arg */
    M_HDR_MSGID,        /* Message ID = arg */
    M_HDR_SPII,         /* SPIi of another SA */
    M_HDR_SPIR_ZERO,    /* SPIr 0 */
    M_HDR_LEN_PLUS,     /* header Length = real + arg */
    M_HDR_EXCHANGE,     /* exchange type = arg */
    M_HDR_FLAG_V,       /* set the Version flag */
    M_HDR_RESERVED_FLAGS, /* set the reserved flag bits (0x07 | 0xc0) */
    M_HDR_MINOR,        /* minor version 1 (0x21) */
    M_TRAILING,         /* arg junk octets after the last payload (Length covers them) */
    M_TRUNCATE,         /* send only arg octets of the answer */
    /* IKE_SA_INIT response: SA */
    M_SA_SECOND,        /* choose the initiator's 2nd proposal (N/A if it offers one) */
    M_SA_REORDER,       /* transforms in reverse order */
    M_SA_KEYLEN_WRONG,  /* Key Length attribute = arg bits */
    M_SA_KEYLEN_DROP,   /* no Key Length attribute */
    M_SA_UNKNOWN_TYPE,  /* an extra transform of unknown type arg */
    M_SA_UNKNOWN_ID,    /* ENCR transform id arg (never offered) */
    M_SA_UNOFFERED_DH,  /* a DH group never offered (arg) */
    M_SA_UNOFFERED_PRF, /* a PRF never offered (arg) */
    M_SA_TWO_SAME_TYPE, /* two ENCR transforms */
    M_SA_TWO_PROPOSALS, /* two proposals in the answer */
    M_SA_PROPNUM,       /* Proposal Num = arg (not the offered one) */
    M_SA_SPI_SIZE,      /* SPI size arg with arg octets of SPI */
    M_SA_PROTO,         /* Protocol ID arg */
    M_SA_MISSING,       /* no SA payload */
    M_SA_INTEG_WITH_AEAD, /* an INTEG transform next to the AEAD cipher */
    /* KE */
    M_KE_LEN,           /* KE data length real + (int16)arg */
    M_KE_GROUP,         /* KE carries group arg (SA says the real one) */
    M_KE_ZERO,          /* all-zero X25519 public value */
    M_KE_SMALL_ORDER,   /* small-order X25519 point number arg (0..4) */
    M_KE_MISSING,
    /* Nonce */
    M_NONCE_LEN,        /* our nonce has arg octets (keys use it) */
    M_NONCE_MISSING,
    /* extra payloads in the IKE_SA_INIT response */
    M_INIT_UNKNOWN_NONCRIT, /* unknown payload type arg, critical bit clear */
    M_INIT_UNKNOWN_CRIT,    /* unknown payload type arg, critical bit set */
    M_INIT_VENDOR,          /* a Vendor ID payload */
    M_INIT_STATUS_NOTIFY,   /* an unknown status notify (type arg >= 16384) */
    M_INIT_CERTREQ,         /* CERTREQ encoding arg */
    M_INIT_ERROR_WITH_SA,   /* an error notify (arg) next to SA/KE/Nonce */
    M_INIT_NATD_WRONG,      /* NAT_DETECTION hashes that do not match (a NAT) */
    M_INIT_DUP_NONCE,       /* two Nonce payloads */
    /* around the IKE_SA_INIT answer: datagrams before/after it */
    M_PRE_JUNK,         /* arg random octets before the answer */
    M_PRE_TRUNC,        /* the answer truncated to arg octets, then the answer */
    M_PRE_FORGED,       /* an unprotected error notify (arg) before the answer */
    M_PRE_OTHER_SPI,    /* an answer for another SPIi first */
    M_PRE_NOT_IKE,      /* arg octets of non-IKE (e.g. 0xff keepalive) */
    M_DUP_INIT,         /* the answer sent twice */
    M_DELAY_INIT,       /* the answer delayed by arg ms */
    M_DUP_AUTH,         /* the IKE_AUTH answer sent twice */
    M_DELAY_AUTH,       /* the IKE_AUTH answer delayed by arg ms */
    M_REORDER_AUTH,     /* a stale IKE_SA_INIT answer copy after the IKE_AUTH answer */
    M_PRE_JUNK_AUTH,    /* arg octets of junk before the IKE_AUTH answer */
    M_PRE_FORGED_AUTH,  /* an unprotected IKE_AUTH N(AUTHENTICATION_FAILED) first */
    /* IKE_AUTH answer: SK */
    M_SK_BAD_ICV,
    M_SK_BAD_PAD,       /* Pad Length larger than the plaintext */
    M_SK_TRUNC,         /* SK body cut by arg octets (lengths patched) */
    M_SK_IV_SHORT,      /* IV shortened by arg octets (lengths patched) */
    M_SK_TRAILING,      /* arg octets after the SK payload (header Length covers them) */
    M_SK_NOT_LAST,      /* a payload after SK */
    M_SK_UNPROTECTED,   /* an IKE_AUTH answer without SK (IDr AUTH ... in clear) */
    M_SK_WRONG_KEY,     /* sealed with the initiator's key (SK_ei) */
    M_SK_EXTRA_PAD,     /* arg octets of padding (valid; receivers accept any) */
    /* IKE_AUTH answer: content */
    M_AUTH_WRONG,       /* AUTH over the wrong PSK */
    M_AUTH_MISSING,
    M_AUTH_METHOD,      /* correct PSK value, method arg */
    M_AUTH_TRUNC,       /* AUTH data shortened by arg */
    M_AUTH_OVER_INIT_REQ, /* AUTH computed over the initiator's own IKE_SA_INIT (reflection) */
    M_AUTH_FAILED,      /* N(AUTHENTICATION_FAILED) only */
    M_IDR_OTHER,        /* IDr of the configured type, other data */
    M_IDR_TYPE,         /* IDr of type arg, same data */
    M_IDR_MISSING,
    M_CHILD_NONE,       /* no SA/TS: IKE SA only */
    M_CHILD_NOTIFY,     /* child refused with error notify arg */
    M_CHILD_SPI_SIZE,   /* ESP SPI size arg */
    M_CHILD_SPI_ZERO,   /* ESP SPI 0 */
    M_CHILD_ESN,        /* ESN = 1 chosen (never offered) */
    M_CHILD_NO_ESN,     /* no ESN transform */
    M_CHILD_UNOFFERED,  /* ESP ENCR never offered */
    M_CHILD_PROTO_AH,   /* protocol AH */
    M_TS_NARROW,        /* TSr narrowed to one address */
    M_TS_WIDEN,         /* TSr wider than asked */
    M_TS_PORT_NARROW,   /* TSi narrowed to port arg */
    M_TS_MISSING,       /* SA but no TSi/TSr */
    M_AUTH_UNKNOWN_CRIT,    /* unknown critical payload inside SK */
    M_AUTH_UNKNOWN_NONCRIT, /* unknown non-critical payload inside SK */
    M_AUTH_STATUS_NOTIFY,   /* unknown status notify inside SK */
    M_AUTH_MSGID,       /* IKE_AUTH answer with Message ID arg */
    M_AUTH_SPIR,        /* IKE_AUTH answer with another SPIr */
    M_AUTH_TRANSPORT,   /* N(USE_TRANSPORT_MODE) though not asked */
    M_AUTH_DROP,        /* ignore the first arg IKE_AUTH requests */
    /* the responder's own requests after the IKE SA is up */
    M_REQ_LIVENESS,     /* INFORMATIONAL SK{} */
    M_REQ_UNKNOWN_CRIT, /* INFORMATIONAL with an unknown critical payload */
    M_REQ_UNKNOWN_NONCRIT,
    M_REQ_CREATE_CHILD, /* CREATE_CHILD_SA (rekey child) */
    M_REQ_DELETE_IKE,   /* Delete of the IKE SA */
    M_REQ_DELETE_CHILD, /* Delete of the child SA */
    M_REQ_MSGID_AHEAD,  /* request with Message ID arg (out of window) */
    M_REQ_RETRANSMIT,   /* liveness request sent twice (bitwise) */
    M_REQ_TWO,          /* two requests in a row (ids 0 and 1) */
    M_REQ_BAD_ICV,      /* liveness request with a bad ICV */
    M_REQ_STATUS_NOTIFY,/* INFORMATIONAL with an unknown status notify */
    M_REQ_FLAGS_R,      /* a "request" with the R flag set */
    M_REQ_EXCHANGE,     /* request with an unknown exchange type arg */
    /* raw public keys (--auth rpk, chk_rpk.c); every case below is N/A with a PSK initiator.
     * IKE_SA_INIT answer, applied to every answer (valid): */
    M_RPK_CERTREQ,      /* CERTREQ(15) asks for the initiator's raw key */
    M_RPK_HASHES_ONE,   /* SIGNATURE_HASH_ALGORITHMS: only the hash the initiator's key needs */
    M_RPK_HASHES_NONE,  /* SIGNATURE_HASH_ALGORITHMS: only hashes its key cannot use */
    M_RPK_NO_HASH_NOTIFY, /* no SIGNATURE_HASH_ALGORITHMS at all */
    /* IKE_AUTH answer, every time (the initiator must not accept it): */
    M_RPK_OTHER_KEY,    /* CERT(15) of another key, AUTH signed with that key */
    M_RPK_WRONG_OCTETS, /* AUTH signed with the right key over RealMessage2 | Nr | MACedIDForR */
    M_RPK_UNANNOUNCED_HASH, /* RSA method 14 with a hash the initiator did not announce */
    M_RPK_PSK_METHOD,   /* AUTH method 2: the PSK MAC, though raw keys are configured */
};

/* Judges: what a conforming initiator must put on the wire. */
enum {
    J_ESTABLISH = 0,   /* must establish (acceptance evidence) */
    J_NOT_ACT,         /* a bad IKE_SA_INIT answer (first answer only): must not act on it */
    J_NOT_PROCEED,     /* a bad IKE_SA_INIT answer to every request: no IKE_AUTH at all */
    J_NOT_ACCEPT,      /* a bad IKE_AUTH answer (every time): no acceptance evidence */
    J_DROP_ACCEPT,     /* a bad IKE_AUTH answer first, then good: accept only the good one */
    J_COOKIE,          /* retry with N(COOKIE) first and the rest unchanged, then establish */
    J_COOKIE_BAD,      /* a cookie out of 1..64: INFO either way, FAIL on a changed retry */
    J_KE_RETRY,        /* retry with a KE of the requested group */
    J_KE_UNOFFERED,    /* must not send a KE of a group it never offered */
    J_RETX_IDENTICAL,  /* retransmissions of request type arg bitwise identical, then establish */
    J_BACKOFF,         /* retransmission intervals grow */
    J_GIVE_UP,         /* stops retransmitting in bounded time */
    J_NO_RETX_ANSWERED,/* no retransmission of an answered request */
    J_ANSWER,          /* our request answered properly */
    J_NO_ANSWER,       /* our request must not be answered */
    J_HDR_INIT,        /* the IKE_SA_INIT request's header fields */
    J_HDR_AUTH,        /* the IKE_AUTH request's header fields */
    J_INIT_PAYLOADS,   /* IKE_SA_INIT request content (arg selects the check) */
    J_AUTH_PAYLOADS,   /* IKE_AUTH request content (arg selects the check) */
    J_INFO_EITHER,     /* INFO: report what it did */
    J_FORGED,          /* an unprotected error notify, then the real answer: establish */
    J_CHILD_REFUSE,    /* the child SA answer is unusable: no ESP on it */
    J_RPK,             /* raw keys: the initiator's announcement, AUTH method/hash, CERT (arg) */
};

typedef struct chk_case {
    uint16_t id;
    const char *cat;   /* category */
    const char *title;
    const char *rfc;   /* "RFC 7296 §2.6" */
    const char *quote; /* the sentence enforced */
    const char *ipv6;  /* IPv6 Ready IKEv2.EN.I.x.y.z, "" when none is known to correspond */
    chk_step plan[CHK_MAX_STEPS];
    uint8_t np;
    uint16_t mut;
    int32_t arg;
    uint8_t judge;
    int32_t jarg;
    const char *expect; /* what a conforming initiator does, one line */
    uint16_t window_ms; /* case length cap; 0: the default */
} chk_case;

extern const chk_case chk_cases[];
extern const size_t chk_n_cases;
const chk_case *chk_case_find(uint16_t id);

/* ---- one run ------------------------------------------------------------------------------- */

enum { CHK_MAX_EV = 96, CHK_EV_BUF = MK_MAX_MSG + 4 };

typedef struct chk_ev {
    uint32_t t_ms; /* since the case started */
    bool rx;       /* from the initiator */
    bool esp;
    bool good;     /* tx: an unmutated answer */
    uint16_t len;
    uint8_t *buf;  /* IKE message without marker (first CHK_EV_BUF octets) */
    char note[120];
} chk_ev;

/* The responder's IKE SA for one case. */
typedef struct chk_sa {
    bool have;
    uint8_t spi_i[8], spi_r[8];
    mk_ike_suite sel;
    uint16_t wire_bits;
    uint8_t prop_num;
    const mk_prf_class *prf;
    const mk_integ_class *integ;
    const mk_encr_class *encr;
    const mk_dh_class *dh;
    uint8_t priv[MK_MAX_DH_PRIV], pub[MK_MAX_DH_PUB];
    uint8_t ni[MK_MAX_NONCE], nr[320]; /* nr: out-of-range nonces are cases too */
    uint16_t ni_len, nr_len;
    bool keys_ok;
    mk_ike_sa_keys keys;
    uint8_t init_req[MK_MAX_MSG], init_resp[MK_MAX_MSG];
    uint16_t init_req_len, init_resp_len;
    uint8_t bad_resp[MK_MAX_MSG]; /* the mutated answer */
    uint16_t bad_resp_len;
    /* IKE_AUTH */
    bool auth_seen, auth_ok; /* the initiator's AUTH verified */
    uint8_t auth_req_hash[32];
    uint8_t auth_resp[MK_MAX_MSG], auth_bad[MK_MAX_MSG];
    uint16_t auth_resp_len, auth_bad_len;
    uint32_t child_spi_in, child_spi_out;
    bool child_ok;
    /* raw keys: what the initiator's IKE_SA_INIT request announced */
    bool ini_sha;        /* it sent N(SIGNATURE_HASH_ALGORITHMS) */
    uint8_t ini_hashes;  /* bit h: hash ID h (1..5) listed */
    bool ini_certreq;    /* CERTREQ(15) in its IKE_SA_INIT or IKE_AUTH request */
    /* requests of the initiator */
    uint32_t ini_next_msgid;
    uint8_t last_info_req_hash[32];
    uint8_t last_info_resp[MK_MAX_MSG];
    uint16_t last_info_resp_len;
    /* our requests */
    uint32_t my_msgid;
    uint8_t my_req[MK_MAX_MSG];
    uint16_t my_req_len;
    uint32_t my_req_msgid;
    bool my_req_out;
    uint8_t my_req_exchange;
} chk_sa;

enum { CHK_MAX_PRIV = 2560, CHK_MAX_SPKI = 600 }; /* RSA-4096 PKCS#8 DER; SPKI */

typedef struct chk_setup {
    const mk_suites *suites;
    mk_ike_suite ike[4]; /* what we accept, our preference order */
    size_t n_ike;
    mk_esp_suite esp[4];
    size_t n_esp;
    uint8_t psk[MK_MAX_PSK];
    size_t psk_len;
    mk_id idi, idr; /* idi len 0: any */
    mk_addr local;  /* our address and port (NAT-D hashes) */
    uint16_t refuse_child; /* nonzero: refuse every child SA with this notify (an initiator
                              that cannot install ESP keeps the IKE SA, RFC 7296 §2.21.2);
                              the child cases then show what it does with a refused child */
    /* Raw public keys (--auth rpk): both sides sign (RFC 7427 method 14, RFC 7670 CERT(15)).
     * The checker signs with key (mk_config.priv_key form) and trusts only ini_spki, the
     * initiator's key; `other` is an unrelated Ed25519 key for the wrong-key cases. */
    bool rpk;
    uint8_t key_type; /* MK_KEY_ED25519 / MK_KEY_RSA */
    uint8_t key[CHK_MAX_PRIV];
    size_t key_len;
    uint8_t spki[CHK_MAX_SPKI], ini_spki[CHK_MAX_SPKI];
    size_t spki_len, ini_spki_len;
    uint8_t other[32], other_spki[CHK_MAX_SPKI];
    size_t other_spki_len;
} chk_setup;

typedef struct chk_run chk_run;

/* Facts the judges read, kept by the responder as it goes. */
struct chk_facts {
    int init_reqs;           /* IKE_SA_INIT request datagrams */
    int init_answers;        /* answers (any kind) */
    int init_good_sent;      /* unmutated real answers sent */
    uint32_t first_good_init_ms, first_good_auth_ms;
    int auth_reqs, auth_answers, auth_good_sent;
    bool accepted;           /* acceptance evidence seen */
    uint32_t accepted_ms;
    const char *accepted_how;
    int accepted_before_good; /* evidence while only mutated AUTH answers had been sent */
    bool auth_before_good_init; /* IKE_AUTH while only mutated IKE_SA_INIT answers were sent */
    bool error_info;         /* the initiator sent INFORMATIONAL with an error notify */
    bool deleted_ike;        /* it sent a protected Delete of the IKE SA (not evidence) */
    uint16_t error_info_type;
    int esp_pkts;
    int req_answers;         /* answers to our requests */
    bool req_answer_ok;      /* flags/msgid/ICV right */
    char req_answer_desc[120];
    uint8_t req_answer_npl; /* payloads inside SK of the first answer */
    uint16_t req_answer_notify;
    int req_sent;
    int malformed_rx;        /* datagrams from the initiator that did not parse */
    bool first_seen;         /* the first IKE_SA_INIT: did it carry the non-ESP marker, from */
    bool first_marker;       /* which source port */
    uint16_t first_sport;
    int malformed_after_auth; /* of those, after an IKE_AUTH answer (ESP with SPI 0 reads so) */
    bool proc_exited;
    int proc_status;
    uint32_t proc_exit_ms;
    char note[200];          /* judge detail collected by the responder */
    /* raw keys: the initiator's first IKE_AUTH request */
    bool rpk_auth_seen;
    uint8_t rpk_method;      /* its AUTH method */
    uint8_t rpk_hash;        /* hash ID of its method-14 AlgorithmIdentifier; 0: none known */
    bool rpk_verified;       /* its AUTH verifies under its configured key */
    uint8_t rpk_cert;        /* 0: no CERT(15); 1: CERT(15) of its key; 2: of another key */
};

struct chk_run {
    const chk_case *c;
    const chk_setup *setup;
    mk_env env;
    chk_sa sa;
    struct chk_facts f;
    chk_ev ev[CHK_MAX_EV];
    size_t n_ev;
    uint64_t t0;
    /* datagrams the engine must send: filled by the responder */
    struct {
        uint8_t buf[MK_MAX_MSG + 4];
        uint16_t len;
        uint64_t at_ms; /* absolute time to send */
        bool good;
        uint8_t kind; /* for notes */
    } out[16];
    size_t n_out;
    uint64_t probe_at; /* absolute time of the acceptance probe, 0: none */
    uint64_t req_at;   /* absolute time of the scripted request, 0: none */
    bool req_done;
    bool held;          /* our answer to the initiator's request waits for our request */
    uint64_t release_at;
    int64_t probe_msgid; /* -1: no probe sent */
    uint8_t probe_buf[256]; /* the probe as sent, for its retransmission */
    uint16_t probe_len;
    uint32_t req_ids[4]; /* Message IDs of our scripted requests */
    size_t n_req_ids;
    uint16_t want_dh;   /* after a scripted INVALID_KE: the group asked for */
    bool pinned;        /* M_SA_SECOND: the suite chosen first, kept for retries */
    mk_ike_suite pin;
    bool marker;       /* IKE datagrams carry the non-ESP marker */
    bool na;           /* case not applicable to this initiator */
    char na_why[160];
    int verbose;
    FILE *log;
};

/* chk_resp.c: the responder. Feed one IKE message (marker stripped) or ESP packet. */
void chk_resp_rx(chk_run *r, const uint8_t *msg, size_t len, const mk_addr *from, bool marker,
                 uint64_t now);
void chk_resp_esp(chk_run *r, const uint8_t *pkt, size_t len, uint64_t now);
void chk_resp_timer(chk_run *r, uint64_t now); /* probes and scripted requests */
void chk_record(chk_run *r, bool rx, bool esp, bool good, const uint8_t *p, size_t n,
                uint64_t now);
void chk_describe(const uint8_t *p, size_t n, bool esp, char *out, size_t cap);

/* chk_rpk.c: raw public keys (RFC 7670, RFC 7427, RFC 8420) for the responder. */
bool chk_rpk_case(const chk_case *c); /* N/A unless the run uses --auth rpk */
/* The hash IDs we announce in this case's IKE_SA_INIT answer, as bits; 0 with no notify. */
uint8_t chk_rpk_our_hashes(const chk_run *r);
void chk_rpk_parse_init(chk_run *r, const mk_chain *c);
void chk_rpk_init_payloads(const chk_run *r, mk_wr *w, size_t *slot);
/* Verify the initiator's AUTH (and note its method, hash and CERT in r->f); true if it holds. */
bool chk_rpk_verify(chk_run *r, const mk_chain *in, const mk_pl *idi, const mk_authv *av);
/* Our CERT(15) when asked for (or the case's other key) and our AUTH payload, after IDr.
 * false: nothing can be signed (the initiator announced no hash our key can use). */
bool chk_rpk_auth(chk_run *r, uint16_t mut, const mk_chain *in, const uint8_t *idr,
                  size_t idr_len, mk_wr *w, size_t *slot);

/* chk_judge.c: verdict and one-line reason. final: the case is over (else: may it stop now?) */
chk_verdict chk_judge(chk_run *r, bool final, bool *decided, char *why, size_t cap);

/* chk_out.c */
typedef struct chk_result {
    const chk_case *c;
    chk_verdict v;
    char why[240];
    uint32_t ms;
    char *trace; /* datagrams behind a FAIL (hex), malloc'd; NULL otherwise */
    bool established;
    uint32_t est_ms; /* time to the first acceptance evidence */
    bool hung;       /* initiator still running, no IKE SA, when the window closed */
    uint32_t rx;     /* datagrams received from the initiator */
} chk_result;
int chk_write_json(const char *path, const char *initiator, const chk_result *res, size_t n);
int chk_write_junit(const char *path, const char *initiator, const chk_result *res, size_t n);
void chk_print_table(FILE *out, const chk_result *res, size_t n);
void chk_list(FILE *out, bool full);

#endif
