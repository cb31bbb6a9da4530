/* SPDX-License-Identifier: MIT */
/*
 * tiny_int.h: what the template core's files share: RFC 7296 numbers, big-endian octets, the
 * one bounds-checked payload walk, and the crypto of the one suite (tiny_crypto.c).
 */
#ifndef MK_TINY_INT_H
#define MK_TINY_INT_H

#include <string.h>

#include "minike_tiny.h"

enum { HDR_LEN = 28, GEN_LEN = 4, SK_HEAD = HDR_LEN + GEN_LEN + MT_IV_LEN };
enum { EX_INIT = 34, EX_AUTH = 35, EX_CHILD = 36, EX_INFO = 37 };
enum { F_I = 0x08, F_R = 0x20 };
enum { PT_SA = 33, PT_KE = 34, PT_IDI = 35, PT_IDR = 36, PT_AUTH = 39, PT_NONCE = 40 };
enum { PT_N = 41, PT_D = 42, PT_TSI = 44, PT_TSR = 45, PT_SK = 46, PT_EAP = 48 };
enum {
    N_UNSUPPORTED_CRITICAL = 1,
    N_NO_PROPOSAL = 14,
    N_INVALID_KE = 17,
    N_AUTH_FAILED = 24,
    N_NO_ADDITIONAL_SAS = 35,
    N_TS_UNACCEPTABLE = 38,
    N_FIRST_STATUS = 16384, /* RFC 7296 §3.10.1: types below are errors */
    N_INITIAL_CONTACT = 16384,
    N_COOKIE = 16390,
    N_TRANSPORT = 16391,
};
enum { TX_NONE, TX_REQ, TX_ANSWER };

static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* The walk over a payload chain (RFC 7296 §3.2): every payload of a type we know (33..48) is
 * length-checked as the general codec does; an unknown one is skipped, or with the critical bit
 * remembered in `critical`. `sk` is set when an SK payload ends the chain (it must be last). */
typedef struct mt_walk {
    const uint8_t *p, *end;
    uint8_t next, critical;
    mt_err err;
    const uint8_t *sk; /* the SK payload's generic header, NULL if none */
} mt_walk;
mt_walk mt_walk_init(const uint8_t *p, size_t len, uint8_t first);
/* The next payload we know: its type, *body and *len; 0 at the end or on an error (w->err). */
uint8_t mt_walk_next(mt_walk *w, const uint8_t **body, size_t *len);
/* The whole chain, walked for its errors: OK, MALFORMED, or an SK payload in a chain that
 * should have none. */
mt_err mt_walk_all(mt_walk *w);

/* ---- tiny_crypto.c: PRF-HMAC-SHA2-256, prf+, ChaCha20-Poly1305 (RFC 7634) ---- */
typedef struct mt_prf_state {
    uint64_t s[26]; /* crypto_auth_hmacsha256_state, 208 octets, aligned */
} mt_prf_state;
void mt_prf_init(void *st, const uint8_t *key, size_t len);
void mt_prf_add(void *st, const uint8_t *p, size_t len);
void mt_prf_end(void *st, uint8_t out[MT_KEY_LEN]); /* wipes the state */
void mt_prf(const uint8_t *key, size_t klen, const uint8_t *p, size_t len, uint8_t out[MT_KEY_LEN]);
/* prf+(key, seed) (RFC 7296 §2.13): len octets into out */
void mt_prf_plus(const uint8_t key[MT_KEY_LEN], const uint8_t *seed, size_t seed_len, uint8_t *out,
                 size_t len);
/* p = AAD (aad octets) | IV | text (len) | ICV: seal in place, or verify then decrypt */
bool mt_aead(const uint8_t *key, uint8_t *p, size_t aad, size_t len, bool seal);
void mt_wipe(void *p, size_t n);
bool mt_ct_eq(const uint8_t *a, const uint8_t *b, size_t n);
/* X25519(priv, peer), or the public key when peer is NULL; false: an all-zero result */
bool mt_x25519(uint8_t out[MT_KEY_LEN], const uint8_t priv[MT_KEY_LEN], const uint8_t *peer);

/* ---- tiny.c: what the handshake needs of the SA's engine ---- */
size_t mt_hdr(const mt_ike *ike, uint8_t *m, uint8_t next, uint8_t ex, uint8_t flags,
              uint32_t msgid, size_t len);
void mt_send_req(mt_ike *ike, size_t len, mt_state st, uint64_t now);
void mt_established(mt_ike *ike);
void mt_send_answer(mt_ike *ike, size_t len, uint32_t msgid, bool close);
/* Seal m = HDR | SK{inner of inner_len at SK_HEAD}, IV from env->rng: the message's length. */
size_t mt_sk_seal(const mt_ike *ike, uint8_t *m, uint8_t first, uint8_t ex, uint8_t flags,
                  uint32_t msgid, size_t inner_len);
/* Verify and decrypt the SK payload of d in place: the inner chain's walk, or DROP ICV/MALFORMED.
 */
mt_err mt_sk_open(const mt_ike *ike, uint8_t *d, const mt_walk *outer, mt_walk *inner);
mt_err mt_remember(mt_ike *ike, mt_err fatal, mt_err drop);

/* ---- tiny_handshake.c: the spine ---- */
void mt_start_init(mt_ike *ike, uint64_t now); /* SPIi, Ni, the DH key, then the request */
void mt_build_init(mt_ike *ike, uint64_t now);
mt_err mt_on_init_resp(mt_ike *ike, uint8_t *d, size_t len, uint64_t now);
mt_err mt_on_auth_resp(mt_ike *ike, uint8_t *d, size_t len);
mt_err mt_on_peer_req(mt_ike *ike, uint8_t *d, size_t len);

#endif
