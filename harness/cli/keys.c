/* SPDX-License-Identifier: MIT */
/*
 * keys: raw public keys for the `minike` command (RFC 7815 App. B.2): reading private keys
 * (Ed25519 PKCS#8, RSA PKCS#1 or PKCS#8; DER or PEM, as `minike keygen`, strongSwan's `pki --gen`
 * and openssl write them) and public keys (DER or PEM SubjectPublicKeyInfo, as `pki --pub`
 * writes), generating keys (libsodium Ed25519 seeds, mbedTLS RSA), fingerprints (SHA-256 of the
 * DER SPKI, which --peer-fp pins, plus the SHA-1 keyid/subjkey that `pki --print` shows), atomic
 * file writes, and the imprint state file: the fingerprint of the first responder whose AUTH
 * verified, remembered until `minike reset`. It must never write a private key with a mode
 * other than 0600, never leave a half-written file under its final name, and it wipes every
 * private key buffer it used.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha1.h>
#include <sodium.h>

#include "cli.h"
#include "spki.h"

/* RFC 8410 §7: PKCS#8 OneAsymmetricKey of an Ed25519 key, version 0, no attributes, before the
 * 32-octet seed */
static const uint8_t pkcs8_ed25519[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                          0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
static const uint8_t oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

/* ---- small DER cursor (CLI side: key files only) -------------------------------------------- */

/* Read one TLV with the given tag at *off; on success *vo and *vl give the value window and *off
 * moves past it. Definite lengths up to 4 octets only. */
static bool der_tlv(const uint8_t *p, size_t len, size_t *off, uint8_t tag, size_t *vo, size_t *vl)
{
    size_t o = *off, l;
    if (o + 2 > len || p[o] != tag)
        return false;
    l = p[o + 1];
    o += 2;
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 4 || o + k > len)
            return false;
        l = 0;
        for (size_t i = 0; i < k; i++)
            l = l << 8 | p[o + i];
        o += k;
    }
    if (l > len - o)
        return false;
    *vo = o;
    *vl = l;
    *off = o + l;
    return true;
}

/* PKCS#8 (v1 or v2) of an Ed25519 key: the 32-octet seed, or false. */
static bool pkcs8_ed25519_seed(const uint8_t *der, size_t len, uint8_t seed[32])
{
    size_t off = 0, so, sl, o, l, end;
    if (!der_tlv(der, len, &off, 0x30, &so, &sl) || off != len)
        return false;
    end = so + sl;
    o = so;
    if (!der_tlv(der, end, &o, 0x02, &so, &l) || l != 1 || der[so] > 1) /* version 0 or 1 */
        return false;
    if (!der_tlv(der, end, &o, 0x30, &so, &l) || l != sizeof oid_ed25519 ||
        memcmp(der + so, oid_ed25519, l) != 0) /* AlgorithmIdentifier: no parameters */
        return false;
    if (!der_tlv(der, end, &o, 0x04, &so, &l)) /* privateKey OCTET STRING { CurvePrivateKey } */
        return false;
    {
        size_t io = so, vo, vl;
        if (!der_tlv(der, so + l, &io, 0x04, &vo, &vl) || vl != 32 || io != so + l)
            return false;
        memcpy(seed, der + vo, 32);
    }
    return true; /* [0] attributes and [1] publicKey (v2) may follow; the seed decides */
}

/* ---- PEM ------------------------------------------------------------------------------------ */

/* If buf holds PEM, decode its first block into out (cap) and copy its label. Returns 1 on PEM
 * decoded, 0 if not PEM, -1 if PEM but broken. */
static int pem_decode(const char *buf, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                      char *label, size_t label_cap)
{
    const char *b = memmem(buf, len, "-----BEGIN ", 11), *le, *e, *body;
    size_t ll, bl;
    char endline[96];
    if (b == NULL)
        return 0;
    le = memmem(b + 11, len - (size_t)(b + 11 - buf), "-----", 5);
    if (le == NULL || (ll = (size_t)(le - (b + 11))) == 0 || ll >= label_cap || ll > 60)
        return -1;
    memcpy(label, b + 11, ll);
    label[ll] = '\0';
    body = le + 5;
    snprintf(endline, sizeof endline, "-----END %s-----", label);
    e = memmem(body, len - (size_t)(body - buf), endline, strlen(endline));
    if (e == NULL)
        return -1;
    bl = (size_t)(e - body);
    if (memchr(body, ':', bl) != NULL) /* Proc-Type: 4,ENCRYPTED (legacy encrypted PEM) */
        return -2;
    if (sodium_base642bin(out, cap, body, bl, " \t\r\n", out_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return 1;
}

static int pem_encode(const char *label, const uint8_t *der, size_t len, char *out, size_t cap)
{
    size_t b64 = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), o;
    char *tmp = malloc(b64);
    if (tmp == NULL)
        return -1;
    sodium_bin2base64(tmp, b64, der, len, sodium_base64_VARIANT_ORIGINAL);
    o = (size_t)snprintf(out, cap, "-----BEGIN %s-----\n", label);
    for (size_t i = 0; tmp[i] && o + 70 < cap; i += 64) {
        size_t n = strnlen(tmp + i, 64);
        memcpy(out + o, tmp + i, n);
        o += n;
        out[o++] = '\n';
        if (n < 64)
            break;
    }
    o += (size_t)snprintf(out + o, cap - o, "-----END %s-----\n", label);
    free(tmp);
    return o < cap ? (int)o : -1;
}

/* ---- reading key files ---------------------------------------------------------------------- */

enum { KEYFILE_MAX = 16384 };

/* Read the whole file (up to KEYFILE_MAX) into a sodium_malloc'd buffer; exit code on error. */
static int slurp(const char *path, const char *opt, char **buf, size_t *len)
{
    char what[200];
    FILE *f;
    size_t n;
    snprintf(what, sizeof what, "%s %.150s", opt, path);
    f = fopen(path, "rb");
    if (f == NULL)
        return cli_fail(EX_CONFIG, what, strerror(errno), "check the path and its permissions");
    *buf = sodium_malloc(KEYFILE_MAX + 1);
    if (*buf == NULL) {
        fclose(f);
        return cli_fail(EX_INTERNAL, what, "out of memory", "");
    }
    n = fread(*buf, 1, KEYFILE_MAX + 1, f);
    if (ferror(f) || n > KEYFILE_MAX) {
        int e = errno;
        fclose(f);
        sodium_free(*buf);
        *buf = NULL;
        return cli_fail(EX_CONFIG, what, n > KEYFILE_MAX ? "file too large for a key" : strerror(e),
                        "give a key file written by minike keygen or pki --gen/--pub");
    }
    fclose(f);
    (*buf)[n] = '\0';
    *len = n;
    return 0;
}

static const char *key_name(uint8_t type)
{
    return type == MK_KEY_ED25519 ? "Ed25519" : type == MK_KEY_RSA ? "RSA" : "unknown";
}

const char *cli_key_type_name(uint8_t type)
{
    return key_name(type);
}

/* Check a private key we hold (after parsing) and derive its SPKI. */
static int finish_private(cli_key *k, const char *what)
{
    mk_err e = mk_sig_pubkey(k->type, k->priv, k->priv_len, k->spki, sizeof k->spki, &k->spki_len);
#if MK_RPK /* without raw keys every key is BAD_CONFIG: "unsupported" below */
    if (e == MK_E_WEAK_KEY) {
        char why[120];
        snprintf(why, sizeof why, "RSA key of %zu bits refused: at least %d are required", k->bits,
                 MK_MIN_RSA_BITS);
        return cli_fail(EX_CONFIG, what, why,
                        "make a new key: minike keygen --type rsa --bits 2048 --out PREFIX");
    }
#endif
    if (e != MK_E_OK)
        return cli_fail(
            EX_CONFIG, what, "the key is malformed or unsupported",
            "use an Ed25519 or RSA key of 2048-4096 bits, from minike keygen or pki --gen");
    return 0;
}

int cli_key_from_der(const uint8_t *der, size_t len, cli_key *k, const char *what)
{
    mbedtls_pk_context pk;
    int rc;
    memset(k, 0, sizeof *k);
    if (pkcs8_ed25519_seed(der, len, k->priv)) {
        k->type = MK_KEY_ED25519;
        k->priv_len = MK_ED25519_SEED;
        k->bits = 256;
        return finish_private(k, what);
    }
    mbedtls_pk_init(&pk);
    rc = mbedtls_pk_parse_key(&pk, der, len, NULL, 0);
    if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED || rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
        mbedtls_pk_free(&pk);
        return cli_fail(EX_CONFIG, what, "the private key is encrypted",
                        "give an unencrypted key; minike keygen writes one with mode 0600");
    }
    if (rc != 0) {
        mbedtls_pk_free(&pk);
        if (len >= 7 && der[0] == 0x30 && memmem(der, len < 40 ? len : 40, oid_ed25519, 5))
            return cli_fail(EX_CONFIG, what, "this is a public key, not a private key",
                            "give the PREFIX.key file here; the .pub file goes to the other side");
        return cli_fail(EX_CONFIG, what,
                        "not a private key minike can read (Ed25519 PKCS#8, RSA PKCS#1/PKCS#8)",
                        "make one with: minike keygen --type ed25519 --out PREFIX");
    }
    if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_RSA) {
        char why[120];
        snprintf(why, sizeof why, "unsupported key type %s: minike signs with Ed25519 or RSA only",
                 mbedtls_pk_get_name(&pk));
        mbedtls_pk_free(&pk);
        return cli_fail(EX_CONFIG, what, why, "make one with: minike keygen --type ed25519");
    }
    k->type = MK_KEY_RSA;
    k->bits = mbedtls_pk_get_bitlen(&pk);
    mbedtls_pk_free(&pk);
    if (len > sizeof k->priv)
        return cli_fail(EX_CONFIG, what, "RSA key too large (more than 4096 bits)",
                        "use 2048-4096 bits");
    memcpy(k->priv, der, len);
    k->priv_len = len;
    return finish_private(k, what);
}

int cli_load_private_key(const char *path, cli_key *k, const char *opt)
{
    char *buf = NULL, label[64], what[200];
    uint8_t *der;
    size_t len = 0, dl = 0;
    int r, pem;
    snprintf(what, sizeof what, "%s %.150s", opt, path);
    if ((r = slurp(path, opt, &buf, &len)) != 0)
        return r;
    der = sodium_malloc(KEYFILE_MAX);
    if (der == NULL) {
        sodium_free(buf);
        return cli_fail(EX_INTERNAL, what, "out of memory", "");
    }
    pem = pem_decode(buf, len, der, KEYFILE_MAX, &dl, label, sizeof label);
    if (pem == 0) {
        memcpy(der, buf, len);
        dl = len;
    }
    if (pem == -2 || (pem == 1 && !strcmp(label, "ENCRYPTED PRIVATE KEY")))
        r = cli_fail(EX_CONFIG, what, "the private key is encrypted",
                     "give an unencrypted key; minike keygen writes one with mode 0600");
    else if (pem < 0)
        r = cli_fail(EX_CONFIG, what, "broken PEM (no END line or bad base64)",
                     "give the file as minike keygen or pki --gen wrote it");
    else if (pem == 1 && strstr(label, "PUBLIC KEY") != NULL)
        r = cli_fail(EX_CONFIG, what, "this is a public key, not a private key",
                     "give the PREFIX.key file here; the .pub file goes to the other side");
    else
        r = cli_key_from_der(der, dl, k, what);
    sodium_free(der);
    sodium_free(buf);
    return r;
}

int cli_spki_check(const uint8_t *spki, size_t len, const char *what)
{
    uint8_t type;
    mk_err e = mk_spki_check(spki, len, &type);
#if MK_RPK /* without raw keys every key is BAD_CONFIG: "not ... an Ed25519 or RSA key" below */
    if (e == MK_E_WEAK_KEY) {
        mk_spki k;
        char why[120];
        (void)mk_spki_parse(&k, spki, len);
        snprintf(why, sizeof why, "RSA key of %zu bits refused: at least %d are required", k.bits,
                 MK_MIN_RSA_BITS);
        return cli_fail(EX_CONFIG, what, why, "the peer needs a key of 2048 bits or more");
    }
#endif
    if (e != MK_E_OK)
        return cli_fail(EX_CONFIG, what,
                        "not a DER or PEM SubjectPublicKeyInfo of an Ed25519 or RSA key "
                        "(truncated, or another key type)",
                        "give PREFIX.pub.der/.pub.pem from minike keygen, or pki --pub output");
    return 0;
}

int cli_load_public_key(const char *path, uint8_t *spki, size_t *spki_len, const char *opt)
{
    char *buf = NULL, label[64], what[200];
    uint8_t der[KEYFILE_MAX / 2];
    size_t len = 0, dl = 0;
    int r, pem;
    snprintf(what, sizeof what, "%s %.150s", opt, path);
    if ((r = slurp(path, opt, &buf, &len)) != 0)
        return r;
    pem = pem_decode(buf, len, der, sizeof der, &dl, label, sizeof label);
    if (pem == 0) {
        if (len > sizeof der) {
            sodium_free(buf);
            return cli_fail(EX_CONFIG, what, "file too large for a public key",
                            "give PREFIX.pub.der or PREFIX.pub.pem");
        }
        memcpy(der, buf, len);
        dl = len;
    }
    sodium_free(buf);
    if (pem < 0)
        return cli_fail(EX_CONFIG, what, "broken PEM (no END line or bad base64)",
                        "give the file as minike keygen or pki --pub wrote it");
    if (pem == 1 && strstr(label, "PRIVATE KEY") != NULL) {
        sodium_memzero(der, sizeof der);
        return cli_fail(EX_CONFIG, what, "this is a private key: never give it to the other side",
                        "give its public half, PREFIX.pub.der or PREFIX.pub.pem");
    }
    if (pem == 1 && strcmp(label, "PUBLIC KEY") != 0) {
        char why[120];
        snprintf(why, sizeof why, "PEM label '%s', wanted 'PUBLIC KEY'", label);
        return cli_fail(EX_CONFIG, what, why, "convert it with: pki --pub --in FILE --outform pem");
    }
    if (dl > MK_MAX_SPKI)
        return cli_fail(EX_CONFIG, what, "too large for an Ed25519 or RSA (<= 4096 bits) key",
                        "give PREFIX.pub.der or PREFIX.pub.pem");
    if ((r = cli_spki_check(der, dl, what)) != 0)
        return r;
    memcpy(spki, der, dl);
    *spki_len = dl;
    return 0;
}

/* ---- fingerprints -----------------------------------------------------------------------------
 */

void cli_format_fp(const uint8_t fp[MK_FP_LEN], char out[2 * MK_FP_LEN + 1])
{
    for (size_t i = 0; i < MK_FP_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", fp[i]);
}

int cli_parse_fp(const char *s, uint8_t fp[MK_FP_LEN], const char *opt)
{
    size_t n = 0;
    char what[120];
    if (!strncasecmp(s, "sha256:", 7))
        s += 7;
    for (const char *p = s; *p; p++) {
        int hi, lo;
        if (*p == ':')
            continue;
        hi = (p[0] >= '0' && p[0] <= '9')                 ? p[0] - '0'
             : ((p[0] | 32) >= 'a' && (p[0] | 32) <= 'f') ? (p[0] | 32) - 'a' + 10
                                                          : -1;
        lo = (p[1] >= '0' && p[1] <= '9')                 ? p[1] - '0'
             : ((p[1] | 32) >= 'a' && (p[1] | 32) <= 'f') ? (p[1] | 32) - 'a' + 10
                                                          : -1;
        if (hi < 0 || lo < 0 || n >= MK_FP_LEN) {
            n = MK_FP_LEN + 1;
            break;
        }
        fp[n++] = (uint8_t)(hi << 4 | lo);
        p++;
    }
    if (n == MK_FP_LEN)
        return 0;
    snprintf(what, sizeof what, "%s '%.80s'", opt, s);
    return cli_fail(EX_USAGE, what, "not a SHA-256 fingerprint (64 hex digits)",
                    "minike keygen prints it on its sha256: line, as does minike keygen --print FILE");
}

/* pki --print's keyid (SHA-1 of the SPKI) and subjkey (SHA-1 of the subjectPublicKey BIT
 * STRING contents), as colon-separated hex. */
static void sha1_colon(const uint8_t *p, size_t n, char *out)
{
    uint8_t h[20];
    mbedtls_sha1_ret(p, n, h);
    for (size_t i = 0; i < 20; i++)
        snprintf(out + 3 * i, 4, i < 19 ? "%02x:" : "%02x", h[i]);
}

void cli_print_key_info(FILE *out, const uint8_t *spki, size_t len)
{
    mk_spki k;
    uint8_t fp[MK_FP_LEN];
    char hex[2 * MK_FP_LEN + 1], kid[64], sk[64] = "?";
    size_t off = 0, so, sl, o, l;
    mk_err e;
    memset(&k, 0, sizeof k);
    e = mk_spki_parse(&k, spki, len);
#if MK_RPK
    if (e == MK_E_WEAK_KEY)
        e = MK_E_OK; /* refused for use, yet it has fingerprints to show */
#endif
    if (e != MK_E_OK)
        return;
    mk_spki_fingerprint(spki, len, fp);
    cli_format_fp(fp, hex);
    sha1_colon(spki, len, kid);
    if (der_tlv(spki, len, &off, 0x30, &so, &sl)) {
        o = so;
        if (der_tlv(spki, so + sl, &o, 0x30, &so, &l) && der_tlv(spki, len, &o, 0x03, &so, &l) &&
            l >= 1)
            sha1_colon(spki + so + 1, l - 1, sk);
    }
    fprintf(out, "  pubkey:    %s %zu bits\n", k.type == MK_KEY_ED25519 ? "ED25519" : "RSA",
            k.bits);
    fprintf(out, "  keyid:     %s\n", kid);
    fprintf(out, "  subjkey:   %s\n", sk);
    fprintf(out, "  sha256:    %s\n", hex);
}

/* ---- generating keys --------------------------------------------------------------------------
 */

typedef struct rng_box {
    void (*rng)(void *ctx, uint8_t *out, size_t n);
    void *ctx;
} rng_box;

static int mbed_rng(void *p, unsigned char *out, size_t n)
{
    rng_box *b = p;
    b->rng(b->ctx, out, n);
    return 0;
}

int cli_keygen_mem(uint8_t type, unsigned bits, void (*rng)(void *, uint8_t *, size_t),
                   void *rng_ctx, cli_key *k, uint8_t *der, size_t cap, size_t *der_len)
{
    memset(k, 0, sizeof *k);
    *der_len = 0;
    if (type == MK_KEY_ED25519) {
        rng(rng_ctx, k->priv, MK_ED25519_SEED);
        k->type = MK_KEY_ED25519;
        k->priv_len = MK_ED25519_SEED;
        k->bits = 256;
        if (cap < sizeof pkcs8_ed25519 + 32)
            return cli_fail(EX_INTERNAL, "keygen", "buffer too small", "report this bug");
        memcpy(der, pkcs8_ed25519, sizeof pkcs8_ed25519);
        memcpy(der + sizeof pkcs8_ed25519, k->priv, 32);
        *der_len = sizeof pkcs8_ed25519 + 32;
    } else {
        mbedtls_pk_context pk;
        rng_box box = {rng, rng_ctx};
        uint8_t *tmp = sodium_malloc(4096);
        int n;
        if (tmp == NULL)
            return cli_fail(EX_INTERNAL, "keygen", "out of memory", "");
        mbedtls_pk_init(&pk);
        if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0 ||
            mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbed_rng, &box, bits, 65537) != 0 ||
            (n = mbedtls_pk_write_key_der(&pk, tmp, 4096)) <= 0 || (size_t)n > sizeof k->priv ||
            (size_t)n > cap) {
            mbedtls_pk_free(&pk);
            sodium_free(tmp);
            return cli_fail(EX_INTERNAL, "keygen", "RSA key generation failed (mbedTLS)",
                            "report this bug");
        }
        /* mbedtls_pk_write_key_der writes at the end of the buffer: PKCS#1 RSAPrivateKey */
        memcpy(k->priv, tmp + 4096 - n, (size_t)n);
        memcpy(der, k->priv, (size_t)n);
        *der_len = (size_t)n;
        k->priv_len = (size_t)n;
        k->type = MK_KEY_RSA;
        k->bits = bits;
        mbedtls_pk_free(&pk);
        sodium_free(tmp);
    }
    return finish_private(k, "keygen");
}

int cli_pem_encode(const char *label, const uint8_t *der, size_t len, char *out, size_t cap)
{
    return pem_encode(label, der, len, out, cap);
}

/* ---- files ---------------------------------------------------------------------------------- */

int cli_output_path(const char *path, char *out, size_t cap, const char *what)
{
    struct stat st;
    char w[300], why[300];
    const char *real = path;
    char *rp = NULL;
    size_t n = strlen(path);
    int r = 0;

    snprintf(w, sizeof w, "%s %.250s", what, path);
    if (n == 0)
        return cli_fail(EX_USAGE, what, "empty file name", "give the path of a file");
    if (path[n - 1] == '/')
        return cli_fail(EX_CONFIG, w, "names a directory, not a file",
                        "give a file name inside it, e.g. DIR/capture.pcap");
    /* a symlink: write its target (which may not exist yet), keep the link */
    for (int hops = 0; lstat(real, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        char t[4096], *nrp;
        ssize_t tl = readlink(real, t, sizeof t - 1);
        const char *slash = strrchr(real, '/');
        size_t dl = slash != NULL ? (size_t)(slash - real) + 1 : 0;
        if (hops == 8 || tl <= 0) {
            free(rp);
            return cli_fail(EX_CONFIG, w, "a symbolic link that cannot be followed",
                            "give the path of a regular file");
        }
        t[tl] = '\0';
        nrp = malloc(dl + (size_t)tl + 1);
        if (nrp == NULL) {
            free(rp);
            return cli_fail(EX_INTERNAL, w, "out of memory", "");
        }
        if (t[0] == '/')
            dl = 0; /* absolute target */
        memcpy(nrp, real, dl);
        memcpy(nrp + dl, t, (size_t)tl + 1);
        free(rp);
        rp = nrp;
        real = rp;
    }
    if (stat(real, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            r = cli_fail(EX_CONFIG, w, "is a directory", "give a file name inside it");
        else if (!S_ISREG(st.st_mode)) {
            snprintf(why, sizeof why, "not a regular file (%s): the file is written under a "
                     "temporary name and renamed over it, which would replace the %s",
                     S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                     : S_ISFIFO(st.st_mode)                     ? "a FIFO"
                                                                : "a socket",
                     S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "device node" : "special file");
            r = cli_fail(EX_CONFIG, w, why, "give the path of a regular file");
        }
    } else if (errno != ENOENT) {
        r = cli_fail(EX_CONFIG, w, strerror(errno), "check the path and its permissions");
    }
    if (r == 0) {
        if (strlen(real) >= cap)
            r = cli_fail(EX_CONFIG, w, "path too long", "use a shorter path");
        else
            snprintf(out, cap, "%s", real);
    }
    free(rp);
    return r;
}

int cli_write_atomic(const char *path, const void *data, size_t len, unsigned mode, bool replace,
                     const char *what)
{
    char tmp[4200], real[4096];
    int fd, e = 0;
    const uint8_t *p = data;
    size_t done = 0;
    if (replace) {
        /* never rename over a device, FIFO or directory; follow a symlink to its target */
        int r = cli_output_path(path, real, sizeof real, what);
        if (r != 0)
            return r;
        path = real;
    }
    if (strlen(path) + 8 >= sizeof tmp)
        return cli_fail(EX_CONFIG, what, "path too long", "use a shorter path");
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    fd = mkstemp(tmp); /* created 0600 */
    if (fd < 0) {
        char why[200];
        snprintf(why, sizeof why, "cannot create %.150s: %s", tmp, strerror(errno));
        return cli_fail(EX_CONFIG, what, why, "check the directory exists and is writable");
    }
    if (fchmod(fd, (mode_t)mode) != 0)
        e = errno;
    while (e == 0 && done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            e = w < 0 ? errno : EIO;
        else
            done += (size_t)w;
    }
    if (e == 0 && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e == 0) {
        if (replace) {
            if (rename(tmp, path) != 0)
                e = errno;
        } else if (link(tmp, path) != 0) { /* never replaces an existing file */
            e = errno;
        }
    }
    unlink(tmp); /* after link(), or on failure; harmless after rename() */
    if (e != 0) {
        char why[200];
        snprintf(why, sizeof why, "%.150s: %s", path, strerror(e));
        return cli_fail(EX_CONFIG, what, why,
                        e == EEXIST ? "it exists already: pick another --out or pass --force"
                                    : "check the directory exists and is writable");
    }
    return 0;
}

/* mkdir -p for the directory part of path, mode 0700 */
static int mkdir_parents(const char *path)
{
    char d[4096];
    if (strlen(path) >= sizeof d)
        return -1;
    strcpy(d, path);
    for (char *p = d + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(d, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

/* ---- imprint state ----------------------------------------------------------------------------
 */

int cli_state_default(const mk_addr *peer, char *out, size_t cap)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char a[80];
    mk_io_format_addr(peer, true, a, sizeof a);
    for (char *p = a; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              *p == '.'))
            *p = '_';
    if (xdg != NULL && xdg[0] == '/')
        snprintf(out, cap, "%s/minike/imprint-%s.fp", xdg, a);
    else if (home != NULL && home[0] == '/')
        snprintf(out, cap, "%s/.local/state/minike/imprint-%s.fp", home, a);
    else
        return cli_fail(EX_CONFIG, "imprint state", "neither XDG_STATE_HOME nor HOME is set",
                        "pass --state FILE, or pin the responder with --peer-key / --peer-fp");
    return 0;
}

int cli_state_read(cli_imprint *st)
{
    FILE *f = fopen(st->path, "r");
    char line[256], what[300];
    st->have = false;
    snprintf(what, sizeof what, "imprint state %.250s", st->path);
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        return cli_fail(EX_CONFIG, what, strerror(errno), "check its permissions");
    }
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!strncmp(line, "sha256:", 7) && n == 7 + 2 * MK_FP_LEN &&
            cli_parse_fp(line, st->fp, "") == 0) {
            st->have = true;
            break;
        }
        fclose(f);
        return cli_fail(EX_CONFIG, what, "not a minike imprint file",
                        "remove it with: minike reset --state FILE");
    }
    fclose(f);
    if (!st->have)
        return cli_fail(EX_CONFIG, what, "no fingerprint in it",
                        "remove it with: minike reset --state FILE");
    return 0;
}

static bool state_write(cli_imprint *st, const uint8_t fp[MK_FP_LEN])
{
    char hex[2 * MK_FP_LEN + 1], text[400];
    int n;
    cli_format_fp(fp, hex);
    n = snprintf(text, sizeof text,
                 "# minike imprint: SHA-256 of the raw public key (DER SPKI) of responder %s\n"
                 "# forget it with: minike reset --state %s\n"
                 "sha256:%s\n",
                 st->peer, st->path, hex);
    if (n < 0 || (size_t)n >= sizeof text)
        n = snprintf(text, sizeof text, "sha256:%s\n", hex);
    if (mkdir_parents(st->path) != 0) {
        st->write_errno = errno;
        return false;
    }
    /* quiet: a failure is reported by the caller as one line */
    {
        char tmp[4200];
        int fd;
        snprintf(tmp, sizeof tmp, "%s.XXXXXX", st->path);
        fd = mkstemp(tmp);
        if (fd < 0) {
            st->write_errno = errno;
            return false;
        }
        if (write(fd, text, (size_t)n) != n || fsync(fd) != 0) {
            st->write_errno = errno ? errno : EIO;
            close(fd);
            unlink(tmp);
            return false;
        }
        close(fd);
        if (rename(tmp, st->path) != 0) {
            st->write_errno = errno;
            unlink(tmp);
            return false;
        }
    }
    return true;
}

bool cli_imprint_cb(void *ctx, const uint8_t *spki, size_t len)
{
    cli_imprint *st = ctx;
    uint8_t fp[MK_FP_LEN];
    mk_spki_fingerprint(spki, len, fp);
    memcpy(st->seen_fp, fp, MK_FP_LEN);
    st->seen = true;
    if (st->have) {
        /* imprinted before: only that key is accepted (RFC 7815 B.2 "imprints to the first
         * home area gateway") until `minike reset` */
        if (mk_ct_eq(fp, st->fp, MK_FP_LEN)) {
            st->matched = true;
            return true;
        }
        st->changed = true;
        return false;
    }
    if (st->path != NULL && !state_write(st, fp))
        return false;
    memcpy(st->fp, fp, MK_FP_LEN);
    st->have = true;
    st->imprinted = true;
    return true;
}

int cli_state_reset(const char *path)
{
    char what[300];
    struct stat st;
    snprintf(what, sizeof what, "reset %.250s", path);
    /* only a state file is ever removed: never a device (reset --state /dev/null as root) */
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        return cli_fail(EX_CONFIG, what,
                        S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file",
                        "give the imprint state file that initiate --state wrote");
    if (unlink(path) != 0) {
        if (errno == ENOENT) {
            printf("minike: nothing to forget: %s does not exist\n", path);
            return 0;
        }
        return cli_fail(EX_CONFIG, what, strerror(errno), "check its permissions");
    }
    printf("minike: forgot the imprinted responder key (%s); the next responder whose AUTH "
           "verifies will be imprinted\n",
           path);
    return 0;
}
