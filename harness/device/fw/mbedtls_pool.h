/* SPDX-License-Identifier: MIT */
/*
 * mbedtls_pool: mbedTLS's bignum allocates (mbedtls_calloc); on the device that allocator is
 * MBEDTLS_MEMORY_BUFFER_ALLOC_C over one static pool, so there is still no heap. Its high-water
 * mark is reported (0 when the negotiated suite never touches mbedTLS).
 */
#ifndef MK_FW_MBEDTLS_POOL_H
#define MK_FW_MBEDTLS_POOL_H

#include <stddef.h>

void mbedtls_pool_init(void);
size_t mbedtls_pool_max(void);
size_t mbedtls_pool_size(void);

#endif
