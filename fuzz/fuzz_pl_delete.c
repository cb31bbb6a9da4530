/* SPDX-License-Identifier: MIT */
/* Target: mk_pl_decode_delete, mk_pl_encode_delete (Delete body, RFC 7296 §3.11) */
/*
 * The input is a Delete payload body. Invariant: the SPI list lies inside the input
 * (n_spi * spi_len octets); stability: re-encode gives the same fields.
 */
#include "fuzz_common.h"
#include "msg_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t b[UINT16_MAX + 16]; /* a decoder takes bodies up to 65535 octets */
    mk_deletev a, c;

    memset(&a, 0, sizeof(a));
    mk_err e = mk_pl_decode_delete(&a, data, size);
    FZ_EAT(e);
    if (e != MK_E_OK)
        return 0;
    size_t n = (size_t)a.n_spi * a.spi_len;
    FZ_CHECK(n == 0 || (a.spis >= data && a.spis + n <= data + size));
    fz_eat(a.spis, a.spis ? n : 0);

    mk_wr w = mk_wr_init(b, sizeof(b));
    mk_pl_encode_delete(&w, a.proto, a.spi_len, a.spis, a.n_spi);
    FZ_CHECK(w.err == MK_E_OK);
    memset(&c, 0, sizeof(c));
    FZ_CHECK(mk_pl_decode_delete(&c, b, w.off) == MK_E_OK);
    FZ_CHECK(c.proto == a.proto && c.spi_len == a.spi_len && c.n_spi == a.n_spi);
    FZ_CHECK(n == 0 || memcmp(a.spis, c.spis, n) == 0);
    return 0;
}
