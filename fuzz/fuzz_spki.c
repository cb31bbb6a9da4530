/* SPDX-License-Identifier: MIT */
/* Target: mk_spki_parse, mk_spki_encode_ed25519, mk_spki_encode_rsa, mk_sig_auth_verify (the
 * responder's raw public key from CERT(15) and its signature AUTH, RFC 7670, RFC 7427, RFC 8420) */
/*
 * Input: [method][spki_len16][SubjectPublicKeyInfo DER][msg_len16][signed octets][AUTH data].
 * method bit 0 set: AUTH method 1 (RSA PKCS#1 v1.5), else 14 (Digital Signature). Invariants: a
 * parsed key re-encodes to DER that parses to the same key (and the same bytes again);
 * verification answers only OK or AUTH_FAILED. Compiled to an empty target without MK_RPK.
 */
#include "fuzz_common.h"
#include "minike_tools.h"

#if MK_RPK
#include "sig.h"
#include "spki.h"

static int same_key(const mk_spki *a, const mk_spki *b)
{
    if (a->type != b->type || a->bits != b->bits)
        return 0;
    if (a->type == MK_KEY_ED25519)
        return memcmp(a->pk, b->pk, 32) == 0;
    return a->n_len == b->n_len && a->e_len == b->e_len && memcmp(a->n, b->n, a->n_len) == 0 &&
           memcmp(a->e, b->e, a->e_len) == 0;
}

static size_t encode(const mk_spki *k, uint8_t *out, size_t cap)
{
    if (k->type == MK_KEY_ED25519)
        return mk_spki_encode_ed25519(out, cap, k->pk);
    return mk_spki_encode_rsa(out, cap, k->n, k->n_len, k->e, k->e_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t b1[4096], b2[4096];
    mk_spki k1, k2;

    uint8_t method = (fz_take8(&data, &size) & 1) ? MK_AUTH_RSA : MK_AUTH_DIGSIG;
    size_t kl = ((size_t)fz_take8(&data, &size) << 8);
    kl |= fz_take8(&data, &size);
    if (kl > size)
        kl = size;
    const uint8_t *der = data;
    data += kl;
    size -= kl;
    size_t ml = ((size_t)fz_take8(&data, &size) << 8);
    ml |= fz_take8(&data, &size);
    if (ml > size)
        ml = size;
    const uint8_t *msg = data;
    const uint8_t *auth = data + ml;
    size_t auth_len = size - ml;

    memset(&k1, 0, sizeof k1);
    mk_err e = mk_spki_parse(&k1, der, kl);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(k1.type == MK_KEY_ED25519 || k1.type == MK_KEY_RSA);
    size_t n1 = encode(&k1, b1, sizeof b1);
    FZ_CHECK(n1 > 0);
    memset(&k2, 0, sizeof k2);
    FZ_CHECK(mk_spki_parse(&k2, b1, n1) == MK_E_OK);
    FZ_CHECK(same_key(&k1, &k2));
    size_t n2 = encode(&k2, b2, sizeof b2);
    FZ_CHECK(n2 == n1 && memcmp(b1, b2, n1) == 0);

    e = mk_sig_auth_verify(&k1, method, auth, auth_len, msg, ml);
    FZ_EAT(e);
    FZ_CHECK(e == MK_E_OK || e == MK_E_AUTH_FAILED);
    return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_eat(data, size);
    return 0;
}
#endif
