/* SPDX-License-Identifier: MIT */
/*
 * minike_tools.h: the public API beyond what a device needs to run the RFC 7815 exchange
 * (minike.h, which this includes). The tools in this tree (CLI, harness, tests, fuzzers, bench)
 * and the full profile's extensions use it; a device image built from minike.h alone links none
 * of it. Its functions are in the library in every profile: in mk_core when the profile's core
 * needs them (error and state text with MK_TRACE, the raw-key helpers with MK_RPK), otherwise in
 * mk_extra (ref/src/sources.txt: "tools" and switched-off files), which tools link too.
 */
#ifndef MINIKE_TOOLS_H
#define MINIKE_TOOLS_H

#include "minike.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * IANA numbers only the full profile, traces and tools use (minike.h has the minimal core's).
 */
/* the full suite registry (MK_SUITES_ALL): AES, SHA2-384/512, HMAC integrity, P-256, MODP-2048 */
enum {
    MK_ENCR_AES_CBC = 12,
    MK_ENCR_AES_CCM_8 = 14,
    MK_ENCR_AES_CCM_12 = 15,
    MK_ENCR_AES_CCM_16 = 16,
    MK_ENCR_AES_GCM_8 = 18,
    MK_ENCR_AES_GCM_12 = 19,
    MK_ENCR_AES_GCM_16 = 20,
};
enum { MK_PRF_HMAC_SHA2_384 = 6, MK_PRF_HMAC_SHA2_512 = 7 };
enum { MK_INTEG_HMAC_SHA2_256_128 = 12, MK_INTEG_HMAC_SHA2_512_256 = 14 };
enum { MK_DH_MODP2048 = 14, MK_DH_ECP256 = 19 };
/* identification types (RFC 7296 §3.5) besides minike.h's MK_ID_KEY_ID: the core compares IDr
 * octets whatever their type, so only configs and traces name these */
enum {
    MK_ID_IPV4_ADDR = 1,
    MK_ID_FQDN = 2,
    MK_ID_RFC822_ADDR = 3,
    MK_ID_IPV6_ADDR = 5,
};
/* payload types (RFC 7296 §3.2) the minimal core never names: the codec takes every type from
 * MK_PT_SA to MK_PT_EAP by range; CERT and CERTREQ only raw keys (MK_RPK) build and read */
enum { MK_PT_CERT = 37, MK_PT_CERTREQ = 38, MK_PT_VENDOR = 43, MK_PT_CP = 47 };
/* SKF (RFC 7383 fragments): never sent, and an initiator that offers no
 * IKEV2_FRAGMENTATION_SUPPORTED never gets one; traces name it */
enum { MK_PT_SKF = 53 };
/* notify types the core neither sends nor acts on without NAT-T or raw keys; traces name them */
enum {
    MK_N_INVALID_IKE_SPI = 4,
    MK_N_INVALID_MAJOR_VERSION = 5,
    MK_N_INVALID_SYNTAX = 7,
    MK_N_INVALID_MESSAGE_ID = 9,
    MK_N_SINGLE_PAIR_REQUIRED = 34,
    MK_N_INTERNAL_ADDRESS_FAILURE = 36,
    MK_N_FAILED_CP_REQUIRED = 37,
    MK_N_INVALID_SELECTORS = 39,
    MK_N_TEMPORARY_FAILURE = 43,
    MK_N_CHILD_SA_NOT_FOUND = 44,
    MK_N_SET_WINDOW_SIZE = 16385,
    MK_N_NAT_DETECTION_SOURCE_IP = 16388,      /* MK_NATT */
    MK_N_NAT_DETECTION_DESTINATION_IP = 16389, /* MK_NATT */
    MK_N_SIGNATURE_HASH_ALGORITHMS = 16431,    /* MK_RPK */
};

/* ---------------------------------------------------------------------------------------------
 * Raw public keys (MK_RPK: RFC 7427, RFC 7670, RFC 8420).
 */
enum { MK_AUTH_RSA = 1, MK_AUTH_DIGSIG = 14 }; /* AUTH methods besides MK_AUTH_PSK */
enum { MK_CERT_RAW_PUBKEY = 15 };
/* RFC 7427 §7 hash algorithm IDs for N(SIGNATURE_HASH_ALGORITHMS); 5 "Identity" is RFC 8420. */
enum {
    MK_HASH_SHA1 = 1,
    MK_HASH_SHA2_256 = 2,
    MK_HASH_SHA2_384 = 3,
    MK_HASH_SHA2_512 = 4,
    MK_HASH_IDENTITY = 5,
};
/* Raw public key types (ours, not IANA) and their limits. An RSA-4096 SPKI is 550 octets. */
enum { MK_KEY_NONE = 0, MK_KEY_ED25519 = 1, MK_KEY_RSA = 2 };
enum {
    MK_MAX_SPKI = 550,
    MK_SPKI_ED25519_LEN = 44,
    MK_ED25519_SEED = 32,
    MK_FP_LEN = 32,
    MK_MIN_RSA_BITS = 2048,
    MK_MAX_RSA_BITS = 4096,
    MK_MAX_SIG = 512,
};

/* Raw public key helpers for key files and pins (keygen, imprint state). No state, no I/O.
 * mk_spki_check: DER SubjectPublicKeyInfo of an Ed25519 or RSA (2048..4096 bits) key: OK and
 * *key_type, else BAD_KEY (malformed, other algorithm) or WEAK_KEY (RSA under 2048 bits).
 * mk_spki_fingerprint: SHA-256 of the DER SPKI, what cfg.peer_fp pins.
 * mk_sig_pubkey: the SPKI of a private key in mk_config.priv_key form (Ed25519 seed or RSA DER);
 * BAD_KEY, WEAK_KEY, BUF_TOO_SMALL. Without MK_RPK these return BAD_CONFIG. */
mk_err mk_spki_check(const uint8_t *spki, size_t len, uint8_t *key_type);
void mk_spki_fingerprint(const uint8_t *spki, size_t len, uint8_t out[MK_FP_LEN]);
mk_err mk_sig_pubkey(uint8_t key_type, const uint8_t *priv, size_t priv_len, uint8_t *spki,
                     size_t cap, size_t *spki_len);

/* ---------------------------------------------------------------------------------------------
 * Text for messages and traces (the core itself prints nothing; with MK_TRACE its trace details
 * use these names).
 */
const char *mk_err_str(mk_err e);       /* "input shorter than ..." */
const char *mk_err_name(mk_err e);      /* "TRUNCATED" */
const char *mk_state_name(mk_state st); /* "ESTABLISHED"; "?" out of range */

/* ---------------------------------------------------------------------------------------------
 * Looking into an SA (reports, key files, tests).
 */
/* The IKE and ESP suites the responder chose (false before its IKE_SA_INIT / IKE_AUTH response
 * was accepted; esp may be NULL). */
bool mk_suite_selected(const mk_ike *ike, mk_ike_suite *ike_out, mk_esp_suite *esp_out);

/* The IKE SA keys, for a key file the user asked for (Wireshark's ikev2_decryption_table).
 * Never called by the core itself. false before the keys exist. SK_e and SK_a leave whenever
 * they exist; SK_d, SK_pi and SK_pr only in MK_ST_AUTH_SENT, the one window they exist in. */
typedef struct mk_ike_keys {
    uint8_t spi_i[8], spi_r[8];
    uint16_t encr, encr_bits, integ;
    uint8_t sk_ei[MK_MAX_ENCR_KEY], sk_er[MK_MAX_ENCR_KEY];
    uint8_t sk_ai[MK_MAX_INTEG_KEY], sk_ar[MK_MAX_INTEG_KEY];
    uint8_t encr_len, integ_len;
    /* SK_d, SK_pi, SK_pr: only between the IKE_SA_INIT response and the IKE_AUTH response
     * (they are wiped once the child SA is keyed, there is no rekey); prf_len 0 otherwise. */
    uint8_t sk_d[MK_MAX_PRF_OUT], sk_pi[MK_MAX_PRF_OUT], sk_pr[MK_MAX_PRF_OUT];
    uint8_t prf_len;
} mk_ike_keys;
bool mk_keys_export(const mk_ike *ike, mk_ike_keys *out);

#ifdef __cplusplus
}
#endif
#endif
