/* SPDX-License-Identifier: MIT */
/* console: see console.h. */
#include <stdarg.h>
#include <stdio.h>

#include "../board/board.h"
#include "console.h"

static uint64_t t0;

void con_start(void)
{
    t0 = semi_clock_ms();
}

uint64_t con_t0(void)
{
    return t0;
}

void say(const char *fmt, ...)
{
    char line[200];
    uint64_t t = semi_clock_ms() - t0;
    int n = snprintf(line, sizeof line, "%4u.%03u  device ", (unsigned)(t / 1000),
                     (unsigned)(t % 1000));
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    semi_write(line, (size_t)n);
}

const char *u64(uint64_t v, char buf[21])
{
    char *p = buf + 20;
    *p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return p;
}

void metric(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    semi_write(line, (size_t)n);
}

/* Printed, and checked by bench/device.sh, so a QEMU whose SysTick clock differs is caught
 * (+/- the 40-instruction tick and the few around it). */
uint64_t con_calibrate(void)
{
    uint32_t n = 1000000;
    uint64_t c0 = board_insns();
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
    return board_insns() - c0;
}

/* RFC 7296 §3.1: Exchange Type at octet 18, the Response flag 0x20 in octet 19 */
void con_ike_line(const char *dir, const uint8_t *d, size_t len, size_t off)
{
    if (len < off + 28)
        return;
    static const char *const names[] = {"IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA",
                                        "INFORMATIONAL"};
    uint8_t x = d[off + 18];
    const char *name = x >= 34 && x <= 37 ? names[x - 34] : "exchange ?";
    say("%s %s %s  %u B", dir, name, (d[off + 19] & 0x20) ? "response" : "request", (unsigned)len);
}
