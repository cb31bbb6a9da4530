/* SPDX-License-Identifier: MIT */
#include <mbedtls/memory_buffer_alloc.h>

#include "mbedtls_pool.h"

/* Sized for P-256 and MODP-2048 with the window sizes of crypto/mbedtls_config.h. */
enum { POOL = 12 * 1024 };
static unsigned char pool[POOL];

void mbedtls_pool_init(void)
{
    mbedtls_memory_buffer_alloc_init(pool, sizeof pool);
}

size_t mbedtls_pool_max(void)
{
    size_t used, blocks;
    mbedtls_memory_buffer_alloc_max_get(&used, &blocks);
    return used;
}

size_t mbedtls_pool_size(void)
{
    return sizeof pool;
}
