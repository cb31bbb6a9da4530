/* SPDX-License-Identifier: MIT */
/*
 * spki: strict-DER SubjectPublicKeyInfo parse/encode for Ed25519 and RSA raw public keys
 * (RFC 7670 CERT encoding 15) and the SHA-256 fingerprint a configuration pins. One small TLV
 * helper over the bounds-checked reader does all the parsing: every length is minimal (X.690
 * §10.1), every constructed window must be consumed exactly, and any deviation is BAD_KEY, so
 * one key has exactly one encoding and a pinned SPKI compares byte for byte. It must never read
 * outside the caller's bytes, allocate, or accept an RSA key under 2048 bits.
 */
#include <string.h>

#include "sig.h"
#include "spki.h"
#include "suite.h"

#if MK_RPK

/* Universal-class tags; SEQUENCE is 0x10 with the constructed bit 0x20 set, hence 0x30. */
enum { DER_INTEGER = 0x02, DER_BITSTRING = 0x03, DER_NULL = 0x05, DER_OID = 0x06, DER_SEQ = 0x30 };

/* OID bodies (without tag and length) */
static const uint8_t oid_ed25519[] = {0x2b, 0x65, 0x70}; /* 1.3.101.112, RFC 8410 §3 */
static const uint8_t oid_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x01, 0x01}; /* 1.2.840.113549.1.1.1 */
/* rsaEncryption names the key, not a signature scheme: the hash comes from the AUTH payload's
 * own AlgorithmIdentifier (sig.c), so one pinned RSA key serves method 1 and method 14. */

/* One DER TLV with the expected tag; returns its content window (an erroring window when the
 * tag, the length form or the bounds are wrong: reads from it give zeros, mk_rd_end is false). */
/* Length forms accepted: short (0..127 in one octet), 0x81 + 1 octet (128..255) and 0x82 + 2
 * octets (256..65535). A 4096-bit RSA SPKI is about 550 octets (MK_MAX_SPKI), so longer forms can
 * only come from a hostile or foreign encoding. Nothing returns early: after a failure the reader
 * is sticky, every later read yields zeros, and the caller's one mk_rd_end() check catches it. */
static mk_rd der_tlv(mk_rd *r, uint8_t tag)
{
    uint8_t t = mk_rd_u8(r);
    uint8_t b = mk_rd_u8(r);
    size_t n = b;
    if (t != tag)
        (void)mk_rd_fail(r, MK_E_BAD_KEY);
    if (b == 0x81) {
        n = mk_rd_u8(r);
        if (n < 0x80) /* X.690 §10.1: the shortest length form */
            (void)mk_rd_fail(r, MK_E_BAD_KEY);
    } else if (b == 0x82) {
        n = mk_rd_u16(r);
        if (n < 0x100)
            (void)mk_rd_fail(r, MK_E_BAD_KEY);
    } else if (b >= 0x80) {
        (void)mk_rd_fail(r, MK_E_BAD_KEY); /* indefinite or longer than we ever need */
    }
    return mk_rd_sub(r, n);
}

/* A positive, minimally encoded INTEGER; value and length without the sign octet.
 * INTEGER is two's complement, so a set top bit means negative, and a modulus with its top bit
 * set carries one 0x00 sign octet. X.690 §8.3.2: the first nine bits must not be all zeros (or all
 * ones), i.e. a leading 0x00 is allowed only when the next octet has its top bit set. */
static void der_uint(mk_rd *r, const uint8_t **v, size_t *len)
{
    mk_rd c = der_tlv(r, DER_INTEGER);
    size_t n = mk_rd_left(&c);
    const uint8_t *p = mk_rd_bytes(&c, n);
    *v = NULL;
    *len = 0;
    if (p == NULL || n == 0 || (p[0] & 0x80) != 0 || (p[0] == 0 && (n < 2 || (p[1] & 0x80) == 0))) {
        (void)mk_rd_fail(r, MK_E_BAD_KEY); /* empty, negative or not minimal */
        return;
    }
    if (p[0] == 0) {
        p++;
        n--;
    }
    *v = p;
    *len = n;
}

/* Plain memcmp is right here: an OID has exactly one DER encoding and it is public data, so
 * neither canonicalisation nor a constant-time compare is needed. */
static bool oid_is(mk_rd *oid, const uint8_t *want, size_t n)
{
    return mk_rd_left(oid) == n && memcmp(oid->p + oid->off, want, n) == 0;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }  (RFC 3447 A.1.1) */
static mk_err parse_rsa(mk_spki *out, mk_rd *bits)
{
    mk_rd seq = der_tlv(bits, DER_SEQ);
    der_uint(&seq, &out->n, &out->n_len);
    der_uint(&seq, &out->e, &out->e_len);
    if (!mk_rd_end(&seq) || !mk_rd_end(bits))
        return MK_E_BAD_KEY;
    /* From here n_len, e_len >= 1: a failing der_uint set seq's error and we returned above.
     * An even modulus is not a product of two odd primes (and factors trivially); e = 1 makes the
     * "signature" equal the padded hash; an even e has no inverse mod lambda(n). The 8-octet cap on
     * e keeps the public operation cheap; real keys use 65537. */
    if (out->n_len > MK_MAX_RSA_BITS / 8 || out->e_len > 8 || (out->n[out->n_len - 1] & 1) == 0 ||
        (out->e[out->e_len - 1] & 1) == 0 || (out->e_len == 1 && out->e[0] < 3))
        return MK_E_BAD_KEY; /* too large for us, even modulus, even or trivial exponent */
    /* Exact bit length: n[0] != 0 because der_uint stripped the only zero octet minimality
     * allows, so this loop ends within 7 steps. A "2048-bit" key with a short top octet is
     * refused, as the strength rule is about the modulus, not its octet count. */
    size_t b = out->n_len * 8;
    for (uint8_t top = out->n[0]; (top & 0x80) == 0; top = (uint8_t)(top << 1))
        b--;
    out->bits = b;
    /* RFC 8247 §4 / NIST SP 800-131A: RSA keys shorter than 2048 bits are refused */
    if (b < MK_MIN_RSA_BITS)
        return MK_E_WEAK_KEY;
    out->type = MK_KEY_RSA;
    return MK_E_OK;
}

mk_err mk_spki_parse(mk_spki *out, const uint8_t *der, size_t len)
{
    memset(out, 0, sizeof *out); /* no stale views survive a failed parse */
    mk_rd r = mk_rd_init(der, len);
    /* SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT
     * STRING }; AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } */
    mk_rd spki = der_tlv(&r, DER_SEQ);
    mk_rd alg = der_tlv(&spki, DER_SEQ);
    mk_rd oid = der_tlv(&alg, DER_OID);
    mk_rd bits = der_tlv(&spki, DER_BITSTRING);
    if (!mk_rd_end(&r) || !mk_rd_end(&spki) || oid.err != MK_E_OK || bits.err != MK_E_OK)
        return MK_E_BAD_KEY;
    /* The BIT STRING's first content octet counts the unused bits of its last octet. Both key
     * encodings are whole octets, so anything but 0 is a different (or padded) encoding. */
    if (mk_rd_u8(&bits) != 0) /* unused-bits octet: keys are whole octets */
        return MK_E_BAD_KEY;
    if (oid_is(&oid, oid_ed25519, sizeof oid_ed25519)) {
        /* RFC 8410 §3: for id-Ed25519 the parameters MUST be absent */
        if (!mk_rd_end(&alg) || mk_rd_left(&bits) != 32)
            return MK_E_BAD_KEY;
        out->type = MK_KEY_ED25519;
        out->pk = mk_rd_bytes(&bits, 32);
        out->bits = 256;
        return MK_E_OK;
    }
    if (oid_is(&oid, oid_rsa, sizeof oid_rsa)) {
        /* RFC 3279 §2.3.1: rsaEncryption parameters MUST be NULL */
        mk_rd nul = der_tlv(&alg, DER_NULL);
        if (!mk_rd_end(&nul) || !mk_rd_end(&alg))
            return MK_E_BAD_KEY;
        mk_err e = parse_rsa(out, &bits);
        if (e != MK_E_OK)
            memset(out, 0, sizeof *out);
        return e;
    }
    /* ECDSA keys are refused rather than parsed: no ECDSA AUTH method is implemented, and a key
     * we cannot verify with must fail at configuration time, not at the first handshake. */
    return MK_E_BAD_KEY; /* another algorithm (ECDSA, Ed448, ...) */
}

/* DER length octets for n (n < 65536). DER puts a length before its content and the size of the
 * length depends on its value, so the encoder cannot use the writer's fixed-width mark/patch:
 * it computes every nested length first (der_len_size must agree with der_len). */
static void der_len(mk_wr *w, size_t n)
{
    if (n < 0x80) {
        mk_wr_u8(w, (uint8_t)n);
    } else if (n < 0x100) {
        mk_wr_u8(w, 0x81);
        mk_wr_u8(w, (uint8_t)n);
    } else {
        mk_wr_u8(w, 0x82);
        mk_wr_u16(w, (uint16_t)n);
    }
}

static size_t der_len_size(size_t n)
{
    return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

size_t mk_spki_encode_ed25519(uint8_t *out, size_t cap, const uint8_t pk[32])
{
    /* RFC 8410 §4. 30 2a: SEQUENCE of 42 | 30 05: AlgorithmIdentifier SEQUENCE of 5 |
     * 06 03 2b 65 70: OID id-Ed25519, parameters absent | 03 21 00: BIT STRING of 33, 0 unused
     * bits | then the 32-octet public key. 44 octets in all, the same for every Ed25519 key. */
    static const uint8_t prefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                     0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    mk_wr w = mk_wr_init(out, cap);
    mk_wr_bytes(&w, prefix, sizeof prefix);
    mk_wr_bytes(&w, pk, 32);
    return w.err == MK_E_OK ? w.off : 0;
}

/* Content length of a positive INTEGER for a big-endian magnitude without leading zeros. */
static size_t int_body(const uint8_t *v, size_t n)
{
    return n + ((v[0] & 0x80) != 0 ? 1u : 0u);
}

static void der_int(mk_wr *w, const uint8_t *v, size_t n)
{
    mk_wr_u8(w, DER_INTEGER);
    der_len(w, int_body(v, n));
    if ((v[0] & 0x80) != 0)
        mk_wr_u8(w, 0);
    mk_wr_bytes(w, v, n);
}

size_t mk_spki_encode_rsa(uint8_t *out, size_t cap, const uint8_t *n, size_t n_len,
                          const uint8_t *e, size_t e_len)
{
    /* Callers hand over fixed-width big-endian buffers (mbedTLS exports e into 8 octets), so
     * leading zeros are stripped here; der_int then adds back a single sign octet if needed. */
    while (n_len > 0 && n[0] == 0) {
        n++;
        n_len--;
    }
    while (e_len > 0 && e[0] == 0) {
        e++;
        e_len--;
    }
    if (n_len == 0 || e_len == 0 || n_len > MK_MAX_RSA_BITS / 8 || e_len > 8)
        return 0;
    /* AlgorithmIdentifier: 30 0d SEQUENCE of 13 | 06 09 rsaEncryption | 05 00 NULL parameters
     * (RFC 3279 requires the NULL for RSA, unlike Ed25519 where parameters are absent). */
    static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                  0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /* SEQUENCE { alg, BIT STRING { 00, SEQUENCE { INTEGER n, INTEGER e } } }, sized inside out. */
    size_t ni = int_body(n, n_len), ei = int_body(e, e_len);
    size_t rsa = 1 + der_len_size(ni) + ni + 1 + der_len_size(ei) + ei;
    size_t bits = 1 + (1 + der_len_size(rsa) + rsa);
    size_t all = sizeof alg + 1 + der_len_size(bits) + bits;
    mk_wr w = mk_wr_init(out, cap);
    mk_wr_u8(&w, DER_SEQ);
    der_len(&w, all);
    mk_wr_bytes(&w, alg, sizeof alg);
    mk_wr_u8(&w, DER_BITSTRING);
    der_len(&w, bits);
    mk_wr_u8(&w, 0); /* no unused bits */
    mk_wr_u8(&w, DER_SEQ);
    der_len(&w, rsa);
    der_int(&w, n, n_len);
    der_int(&w, e, e_len);
    return w.err == MK_E_OK ? w.off : 0;
}

mk_err mk_spki_check(const uint8_t *spki, size_t len, uint8_t *key_type)
{
    mk_spki k;
    mk_err e = mk_spki_parse(&k, spki, len);
    if (key_type != NULL)
        *key_type = e == MK_E_OK ? k.type : (uint8_t)MK_KEY_NONE;
    return e;
}

/* SHA-256 over the whole DER SPKI, algorithm included (the construction HPKP pins use): a pin
 * then binds the key type as well as the key octets. Strict parsing is what makes a byte-wise pin
 * sound, since one key has exactly one accepted encoding. */
void mk_spki_fingerprint(const uint8_t *spki, size_t len, uint8_t out[MK_FP_LEN])
{
    mk_iov in = {spki, len};
    mk_sha256(&in, 1, out);
}

#else /* !MK_RPK: only what the public header promises, refusing */

/* BAD_CONFIG, not a silent OK: a build without raw public keys must refuse a configuration that
 * pins a key rather than run without the authentication the operator asked for. The fingerprint
 * needs only SHA-256, which every build has, so tools can still show it. */

mk_err mk_spki_check(const uint8_t *spki, size_t len, uint8_t *key_type)
{
    (void)spki;
    (void)len;
    if (key_type != NULL)
        *key_type = MK_KEY_NONE;
    return MK_E_BAD_CONFIG;
}

mk_err mk_spki_parse(mk_spki *out, const uint8_t *der, size_t len)
{
    (void)der;
    (void)len;
    memset(out, 0, sizeof *out);
    return MK_E_BAD_CONFIG;
}

void mk_spki_fingerprint(const uint8_t *spki, size_t len, uint8_t out[MK_FP_LEN])
{
    mk_iov in = {spki, len};
    mk_sha256(&in, 1, out);
}

#endif
