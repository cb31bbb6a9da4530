/* SPDX-License-Identifier: MIT */
/* Target: the signing half of sig.c: mk_sig_choose, mk_sig_auth_build, mk_sig_auth_build_iov
 * (Ed25519 pure, RSA PKCS#1 v1.5 with SHA2-256 in method 14, with SHA-1 in method 1) */
/*
 * Input: [sel][hashes][cut][message]. sel bit 0: RSA-2048 (else Ed25519) key of fuzz_keys.h;
 * sel bit 1: the responder announced SIGNATURE_HASH_ALGORITHMS, `hashes` being its bit set;
 * `cut` splits the message in two for the iov form. Invariants: mk_sig_choose gives a class of
 * our key type or SIG_HASH_UNSUPPORTED (Ed25519 without Identity, RFC 8420); what we sign
 * verifies under our public key with the method we put in AUTH (mk_sig_auth_verify, as the
 * responder would, with the hashes we announce); both signatures are deterministic, so the
 * iov form gives the same octets as the one-buffer form.
 */
#include <stdlib.h>

#include "fuzz_common.h"
#include "fuzz_keys.h"
#include "sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out1[1024], out2[1024];
    uint8_t sel = fz_take8(&data, &size);
    uint8_t hashes = fz_take8(&data, &size);
    uint8_t cut = fz_take8(&data, &size);
    int rsa = sel & 1;
    const mk_sig_class *c = NULL;
    fz_rng rng;
    mk_env env;
    mk_spki pub;
    size_t n1 = 0, n2 = 0;

    mk_err e = mk_sig_choose(rsa ? MK_KEY_RSA : MK_KEY_ED25519, (sel & 2) != 0, hashes, &c);
    if (e != MK_E_OK) {
        FZ_CHECK(e == MK_E_SIG_HASH_UNSUPPORTED);
        return 0;
    }
    FZ_CHECK(c != NULL && c->key_type == (rsa ? MK_KEY_RSA : MK_KEY_ED25519));
    fz_env_init(&env, &rng, FZ_SEED_INITIATOR);
    const uint8_t *priv = rsa ? fzk_rsa_i_priv : fzk_ed_i_seed;
    size_t priv_len = rsa ? sizeof fzk_rsa_i_priv : sizeof fzk_ed_i_seed;
    e = mk_sig_auth_build(c, &env, priv, priv_len, data, size, out1, sizeof out1, &n1);
    FZ_CHECK(e == MK_E_OK);
    FZ_CHECK(mk_spki_parse(&pub, rsa ? fzk_rsa_i_spki : fzk_ed_i_spki,
                           rsa ? sizeof fzk_rsa_i_spki : sizeof fzk_ed_i_spki) == MK_E_OK);
    FZ_CHECK(mk_sig_auth_verify(&pub, c->method, out1, n1, data, size) == MK_E_OK);
    /* the iov form: two pieces (one for Ed25519, which needs the message whole) */
    size_t k = size ? cut % (size + 1) : 0;
    mk_iov iov[2] = {{data, k}, {data + k, size - k}};
    if (c->whole_msg) {
        iov[0].n = size;
        e = mk_sig_auth_build_iov(c, &env, priv, priv_len, iov, 1, out2, sizeof out2, &n2);
    } else {
        e = mk_sig_auth_build_iov(c, &env, priv, priv_len, iov, 2, out2, sizeof out2, &n2);
    }
    FZ_CHECK(e == MK_E_OK);
    FZ_CHECK(n1 == n2 && memcmp(out1, out2, n1) == 0);
    /* one flipped octet of the message no longer verifies */
    if (size > 0) {
        uint8_t *m = malloc(size);
        FZ_CHECK(m != NULL);
        memcpy(m, data, size);
        m[cut % size] ^= 0x01;
        FZ_CHECK(mk_sig_auth_verify(&pub, c->method, out1, n1, m, size) == MK_E_AUTH_FAILED);
        free(m);
    }
    return 0;
}
