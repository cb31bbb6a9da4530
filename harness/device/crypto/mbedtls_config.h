/* SPDX-License-Identifier: MIT */
/*
 * mbedTLS 2.28 configuration for the firmware (MBEDTLS_CONFIG_FILE): exactly the modules that
 * ref/src/suite_mbedtls.c calls (AES-CBC/GCM/CCM, P-256, MODP-2048, SHA-1, SHA-256), tables in
 * flash, small windows for RAM, and the static-pool allocator instead of a heap. With today's
 * ref/ these are linked even though the device proposes only ChaCha20-Poly1305 + X25519:
 * esp.c looks classes up in mk_suites_default(), which names every class (see ref/PORTING.md).
 */
#ifndef MK_MBEDTLS_CONFIG_H
#define MK_MBEDTLS_CONFIG_H

#define MBEDTLS_HAVE_ASM
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG /* for mbedtls_memory_buffer_alloc_max_get (high-water mark) */

#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_GCM_C
#define MBEDTLS_CCM_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_NO_INTERNAL_RNG /* suite_mbedtls.c passes env->rng as f_rng */
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_DHM_C
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_MPI_MAX_SIZE 512

#include "mbedtls/check_config.h"

#endif
