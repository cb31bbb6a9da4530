/* SPDX-License-Identifier: MIT */
/* link: the framing of fw/link.h over board/uart.c. */
#include "link.h"

#include "../board/board.h"

void link_send2(uint8_t type, const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    size_t n = na + nb;
    uart_putc(type);
    uart_putc((uint8_t)(n >> 8));
    uart_putc((uint8_t)n);
    for (size_t i = 0; i < na; i++)
        uart_putc(a[i]);
    for (size_t i = 0; i < nb; i++)
        uart_putc(b[i]);
}

void link_send(uint8_t type, const uint8_t *p, size_t n)
{
    link_send2(type, p, n, NULL, 0);
}

/* Receive state: header octets seen, then payload octets. Kept between calls so a deadline in
 * the middle of a frame loses nothing. */
static struct {
    uint8_t hdr[3];
    size_t got_hdr, want, got;
} rx;

uint8_t link_poll(uint8_t *buf, size_t cap, size_t *len, uint64_t deadline_ms)
{
    for (;;) {
        uint8_t c;
        if (!uart_getc(&c)) {
            if (semi_clock_ms() >= deadline_ms)
                return 0;
            continue;
        }
        if (rx.got_hdr < 3) {
            rx.hdr[rx.got_hdr++] = c;
            if (rx.got_hdr < 3)
                continue;
            rx.want = (size_t)rx.hdr[1] << 8 | rx.hdr[2];
            rx.got = 0;
        } else {
            if (rx.got < cap)
                buf[rx.got] = c;
            rx.got++;
        }
        if (rx.got_hdr == 3 && rx.got == rx.want) {
            uint8_t type = rx.hdr[0];
            rx.got_hdr = 0;
            if (rx.want > cap)
                continue; /* oversized: dropped whole */
            *len = rx.want;
            return type;
        }
    }
}
