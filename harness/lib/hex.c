/* SPDX-License-Identifier: MIT */
/* hex: see hex.h. */
#include "hex.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t mk_hex_decode(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t')
            continue;
        int v = hexval((unsigned char)*s);
        if (v < 0)
            return (size_t)-1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                return (size_t)-1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? n : (size_t)-1;
}
