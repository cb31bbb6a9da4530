/* SPDX-License-Identifier: MIT */
/*
 * keygen: `minike keygen psk` prints a fresh 32-octet pre-shared key from the OS RNG as
 * 0x-prefixed hex (the form strongSwan's `secret = 0x...` and `--psk-file` both accept).
 * `minike keygen --type ed25519|rsa --out PREFIX` makes a raw public key pair (RFC 7815 B.2):
 * PREFIX.key (Ed25519: PKCS#8 DER; RSA: PKCS#1 DER from mbedTLS; mode 0600), PREFIX.pub.der
 * (SubjectPublicKeyInfo) and PREFIX.pub.pem ("PUBLIC KEY", what `pki --pub --outform pem`
 * writes), each written atomically, and prints the fingerprints. `--print FILE` shows them for
 * any key file. Private key material is wiped from memory before exit and never printed.
 */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "cli.h"

static const char keygen_help[] =
    "usage: minike keygen psk                       print a random 32-octet PSK as 0x-hex\n"
    "       minike keygen --type ed25519 --out PREFIX\n"
    "       minike keygen --type rsa [--bits 2048|3072|4096] --out PREFIX\n"
    "       minike keygen --print FILE              fingerprints of a key file\n"
    "\n"
    "PSK: save it for both sides, e.g.  minike keygen psk > door.psk  and use --psk-file\n"
    "door.psk (strongSwan: secret = 0x...).\n"
    "\n"
    "Raw public keys (RFC 7815 B.2) write three files, atomically:\n"
    "  PREFIX.key      private key, mode 0600 (Ed25519: PKCS#8 DER; RSA: PKCS#1 DER)\n"
    "  PREFIX.pub.der  public key, DER SubjectPublicKeyInfo (pki --pub)\n"
    "  PREFIX.pub.pem  the same as PEM \"PUBLIC KEY\" (pki --pub --outform pem; strongSwan's\n"
    "                  swanctl `pubkeys = ...`)\n"
    "and print the key's fingerprints: keyid and subjkey as `pki --print` shows them, and\n"
    "sha256 (SHA-256 of the DER SubjectPublicKeyInfo), which the other side pins with\n"
    "--peer-fp. Use --key PREFIX.key on this side and --peer-key PREFIX.pub.der there.\n"
    "Key files may be DER or PEM; keys from `pki --gen` and openssl are read too.\n"
    "\n"
    "  --force      replace existing files\n"
    "  --seed N     deterministic key (tests only: never for real keys)\n"
    "exit codes: 0 ok, 2 usage, 3 file (exists, unwritable, unreadable or not a key)\n";

static int usage(const char *why)
{
    return cli_fail(EX_USAGE, "command line", why, "see minike keygen --help");
}

static int keygen_print(const char *path)
{
    cli_key k;
    uint8_t spki[MK_MAX_SPKI];
    size_t n = 0;
    FILE *f;
    char head[64] = "";
    int r;
    /* a public key file, or else a private key: decide by content */
    f = fopen(path, "rb");
    if (f != NULL) {
        size_t got = fread(head, 1, sizeof head - 1, f);
        head[got] = '\0';
        fclose(f);
    }
    if (strstr(head, "PRIVATE KEY") == NULL && strstr(head, "PUBLIC KEY") != NULL) {
        if ((r = cli_load_public_key(path, spki, &n, "--print")) != 0)
            return r;
        printf("%s: public key\n", path);
        cli_print_key_info(stdout, spki, n);
        return EX_OK;
    }
#if MK_RPK /* without raw keys no file is a usable key: cli_load_private_key says why */
    if (strstr(head, "PRIVATE KEY") == NULL) {
        /* DER: try SPKI first, quietly */
        FILE *g = fopen(path, "rb");
        uint8_t der[MK_MAX_SPKI + 1];
        uint8_t t;
        size_t dl = g != NULL ? fread(der, 1, sizeof der, g) : 0;
        if (g != NULL)
            fclose(g);
        if (dl > 0 && dl <= MK_MAX_SPKI && mk_spki_check(der, dl, &t) != MK_E_BAD_KEY) {
            if ((r = cli_load_public_key(path, spki, &n, "--print")) != 0)
                return r;
            printf("%s: public key\n", path);
            cli_print_key_info(stdout, spki, n);
            return EX_OK;
        }
    }
#endif
    r = cli_load_private_key(path, &k, "--print");
    if (r == 0) {
        printf("%s: %s private key (its public half:)\n", path, cli_key_type_name(k.type));
        cli_print_key_info(stdout, k.spki, k.spki_len);
    }
    mk_wipe(&k, sizeof k);
    return r;
}

static int keygen_pair(const char *type, uint64_t bits, const char *prefix, bool force, bool seeded,
                       uint64_t seed)
{
    uint8_t kt = !strcmp(type, "ed25519") ? MK_KEY_ED25519 : MK_KEY_RSA;
    cli_key *k = sodium_malloc(sizeof(cli_key));
    uint8_t *der = sodium_malloc(CLI_MAX_PRIV);
    char pem[2048], path[4096];
    size_t dl = 0;
    mk_io_drbg drbg;
    int r, n;

    if (k == NULL || der == NULL) {
        if (k)
            sodium_free(k);
        if (der)
            sodium_free(der);
        return cli_fail(EX_INTERNAL, "keygen", "out of memory", "");
    }
    if (seeded)
        mk_io_drbg_init(&drbg, seed, 7);
    r = cli_keygen_mem(kt, (unsigned)bits, seeded ? mk_io_rng_drbg : mk_io_rng_os,
                       seeded ? (void *)&drbg : NULL, k, der, CLI_MAX_PRIV, &dl);
    mk_wipe(&drbg, sizeof drbg);
    if (r == 0) {
        snprintf(path, sizeof path, "%s.key", prefix);
        r = cli_write_atomic(path, der, dl, 0600, force, "keygen --out");
    }
    if (r == 0) {
        snprintf(path, sizeof path, "%s.pub.der", prefix);
        r = cli_write_atomic(path, k->spki, k->spki_len, 0644, force, "keygen --out");
    }
    if (r == 0) {
        snprintf(path, sizeof path, "%s.pub.pem", prefix);
        n = cli_pem_encode("PUBLIC KEY", k->spki, k->spki_len, pem, sizeof pem);
        r = n < 0 ? cli_fail(EX_INTERNAL, "keygen", "PEM encoding failed", "report this bug")
                  : cli_write_atomic(path, pem, (size_t)n, 0644, force, "keygen --out");
    }
    if (r == 0) {
        printf("wrote %s.key (%s private key, %s DER, mode 0600), %s.pub.der, %s.pub.pem\n", prefix,
               kt == MK_KEY_ED25519 ? "Ed25519" : "RSA", kt == MK_KEY_ED25519 ? "PKCS#8" : "PKCS#1",
               prefix, prefix);
        cli_print_key_info(stdout, k->spki, k->spki_len);
        printf("pin it on the other side with --peer-key %s.pub.der or --peer-fp <sha256>; "
               "strongSwan: pubkeys = %s.pub.pem\n",
               prefix, prefix);
    }
    sodium_free(k); /* sodium_free zeroes before freeing */
    sodium_free(der);
    return r == 0 ? (fflush(stdout) == 0 ? EX_OK : EX_INTERNAL) : r;
}

int cmd_keygen(int argc, char **argv)
{
    const char *type = NULL, *out = NULL, *print = NULL;
    uint64_t bits = 0, seed = 0;
    bool force = false, seeded = false;
    int r;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        size_t nl = eq && a[0] == '-' ? (size_t)(eq - a) : strlen(a);
        const char *v = NULL;
#define IS(name) (strlen(name) == nl && !strncmp(a, name, nl))
#define VALUE()                                                                                    \
    do {                                                                                           \
        v = eq && a[0] == '-' ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);                        \
        if (v == NULL) {                                                                           \
            char why[120];                                                                         \
            snprintf(why, sizeof why, "option '%.*s' needs a value", (int)nl, a);                  \
            return usage(why);                                                                     \
        }                                                                                          \
    } while (0)
        if (IS("--help") || IS("-h")) {
            fputs(keygen_help, stdout);
            return EX_OK;
        } else if (IS("--type")) {
            VALUE();
            type = v;
        } else if (IS("--out")) {
            VALUE();
            out = v;
        } else if (IS("--print")) {
            VALUE();
            print = v;
        } else if (IS("--bits")) {
            VALUE();
            if ((r = cli_parse_u64(v, 65535, &bits, "--bits")) != 0)
                return r;
        } else if (IS("--seed")) {
            VALUE();
            if ((r = cli_parse_u64(v, UINT64_MAX, &seed, "--seed")) != 0)
                return r;
            seeded = true;
        } else if (IS("--force")) {
            force = true;
        } else if (a[0] == '-') {
            char why[120];
            snprintf(why, sizeof why, "unknown option '%.60s'", a);
            return usage(why);
        } else if (type == NULL) {
            type = a;
        } else {
            char why[120];
            snprintf(why, sizeof why, "unexpected argument '%.60s'", a);
            return usage(why);
        }
#undef IS
#undef VALUE
    }
    if (print != NULL) {
        if (type != NULL || out != NULL)
            return usage("--print takes no --type or --out");
        return keygen_print(print);
    }
    if (type == NULL)
        return cli_fail(EX_USAGE, "keygen", "no key type given",
                        "use: minike keygen psk, or --type ed25519|rsa --out PREFIX");
    if (!strcmp(type, "psk")) {
        uint8_t k[32];
        char hex[2 * sizeof(k) + 1];
        if (out != NULL || bits != 0)
            return usage("keygen psk prints the key: no --out or --bits");
        mk_io_rng_os(NULL, k, sizeof(k));
        for (size_t i = 0; i < sizeof(k); i++)
            snprintf(hex + 2 * i, 3, "%02x", k[i]);
        printf("0x%s\n", hex);
        mk_wipe(k, sizeof(k));
        mk_wipe(hex, sizeof(hex));
        return fflush(stdout) == 0 ? EX_OK : EX_INTERNAL;
    }
    if (!strcmp(type, "ed25519") || !strcmp(type, "rsa")) {
        bool rsa = type[0] == 'r';
        if (out == NULL || *out == '\0')
            return cli_fail(EX_USAGE, "keygen", "--out PREFIX is required for a key pair",
                            "e.g. minike keygen --type ed25519 --out device");
        if (!rsa && bits != 0 && bits != 256)
            return cli_fail(EX_USAGE, "keygen --bits", "Ed25519 keys have a fixed size",
                            "drop --bits");
        if (rsa && bits == 0)
            bits = 2048;
        if (rsa && (bits < MK_MIN_RSA_BITS || bits > MK_MAX_RSA_BITS || bits % 8 != 0)) {
            char why[120];
            snprintf(why, sizeof why, "RSA keys of %llu bits are not supported",
                     (unsigned long long)bits);
            return cli_fail(EX_USAGE, "keygen --bits", why,
                            "use 2048, 3072 or 4096; RFC 8247 wants at least 2048");
        }
        {
            /* PREFIX names files: "dir/" or a directory would give hidden dir/.key files */
            struct stat st;
            size_t ol = strlen(out);
            if (out[ol - 1] == '/' || (stat(out, &st) == 0 && S_ISDIR(st.st_mode))) {
                char what[300];
                snprintf(what, sizeof what, "keygen --out %.250s", out);
                return cli_fail(EX_USAGE, what, "is a directory, not a file name prefix",
                                "give DIR/NAME, e.g. --out keys/device for keys/device.key");
            }
        }
        return keygen_pair(type, bits, out, force, seeded, seed);
    }
    {
        char why[120];
        snprintf(why, sizeof(why), "unknown key type '%.60s'", type);
        return cli_fail(EX_USAGE, "keygen", why, "types: psk, ed25519, rsa");
    }
}

/* ---- `minike reset` ---------------------------------------------------------------------------
 */

static const char reset_help[] =
    "usage: minike reset --state FILE\n"
    "       minike reset --peer ADDR[:PORT]\n"
    "\n"
    "Forget the responder key that `minike initiate --key` imprinted (RFC 7815 B.2: \"some form\n"
    "of reset allows reimprinting\"). The next responder whose AUTH verifies under the raw key it\n"
    "sends is imprinted again. --peer names the default state file of that responder\n"
    "($XDG_STATE_HOME/minike/imprint-ADDR_PORT.fp, else ~/.local/state/minike/...).\n"
    "exit codes: 0 ok (also when nothing was imprinted), 2 usage, 3 file\n";

int cmd_reset(int argc, char **argv)
{
    const char *state = NULL, *peer = NULL;
    char path[4096];
    int r;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(reset_help, stdout);
            return EX_OK;
        }
        if ((!strcmp(a, "--state") || !strcmp(a, "--peer")) && i + 1 < argc) {
            if (a[2] == 's')
                state = argv[++i];
            else
                peer = argv[++i];
        } else if (!strncmp(a, "--state=", 8)) {
            state = a + 8;
        } else if (!strncmp(a, "--peer=", 7)) {
            peer = a + 7;
        } else if (!strcmp(a, "--state") || !strcmp(a, "--peer")) {
            char why[100];
            snprintf(why, sizeof why, "option '%s' needs a value", a);
            return cli_fail(EX_USAGE, "command line", why, "see minike reset --help");
        } else {
            char why[120];
            snprintf(why, sizeof why, "unexpected argument '%.60s'", a);
            return cli_fail(EX_USAGE, "command line", why, "see minike reset --help");
        }
    }
    if ((state == NULL) == (peer == NULL))
        return cli_fail(EX_USAGE, "reset", "give exactly one of --state FILE or --peer ADDR",
                        "see minike reset --help");
    if (peer != NULL) {
        mk_addr a;
        if ((r = cli_parse_addr(peer, MK_PORT_IKE, &a, "--peer")) != 0)
            return r;
        if ((r = cli_state_default(&a, path, sizeof path)) != 0)
            return r;
        state = path;
    }
    return cli_state_reset(state);
}
