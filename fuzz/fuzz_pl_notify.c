/* SPDX-License-Identifier: MIT */
/* Target: mk_pl_decode_notify, mk_pl_encode_notify, mk_notify_name (Notify body, RFC 7296 §3.10) */
/*
 * The input is a Notify payload body. Stability: a decoded notify re-encodes and decodes again
 * to the same fields.
 */
#include "fuzz_common.h"
#include "msg_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t b[UINT16_MAX + 16]; /* a decoder takes bodies up to 65535 octets */
    mk_notify n1, n2;

    memset(&n1, 0, sizeof(n1));
    mk_err e = mk_pl_decode_notify(&n1, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    FZ_CHECK(n1.spi_len == 0 || n1.spi != NULL);
    FZ_CHECK(n1.data_len == 0 || n1.data != NULL);
    fz_eat(n1.spi, n1.spi ? n1.spi_len : 0);
    fz_eat(n1.data, n1.data ? n1.data_len : 0);
    const char *name = mk_notify_name(n1.type);
    FZ_CHECK(name != NULL);
    fz_eat(name, strlen(name));

    mk_wr w = mk_wr_init(b, sizeof(b));
    mk_pl_encode_notify(&w, n1.proto, n1.spi, n1.spi_len, n1.type, n1.data, n1.data_len);
    FZ_CHECK(w.err == MK_E_OK);
    memset(&n2, 0, sizeof(n2));
    FZ_CHECK(mk_pl_decode_notify(&n2, b, w.off) == MK_E_OK);
    FZ_CHECK(n1.proto == n2.proto && n1.spi_len == n2.spi_len && n1.type == n2.type &&
             n1.data_len == n2.data_len);
    FZ_CHECK(n1.spi_len == 0 || memcmp(n1.spi, n2.spi, n1.spi_len) == 0);
    FZ_CHECK(n1.data_len == 0 || memcmp(n1.data, n2.data, n1.data_len) == 0);
    return 0;
}
