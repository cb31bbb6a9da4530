/* SPDX-License-Identifier: MIT */
/*
 * semihost: the ARM semihosting calls the firmware uses (SYS_WRITE0, SYS_WRITE, SYS_CLOCK,
 * SYS_EXIT): the host debugger (here QEMU) performs them when the core hits `bkpt 0xab` with the
 * operation in r0 and the argument block in r1. A real device would print to its UART and read
 * an RTC instead; nothing else in the firmware knows.
 */
#include "board.h"

enum {
    SYS_OPEN = 0x01,
    SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05,
    SYS_CLOCK = 0x10,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
    SYS_ELAPSED = 0x30,
    SYS_TICKFREQ = 0x31
};
enum { ADP_STOPPED_APPLICATION_EXIT = 0x20026, ADP_STOPPED_RUN_TIME_ERROR = 0x20023 };

static uintptr_t semi_call(uintptr_t op, uintptr_t arg)
{
    register uintptr_t r0 __asm("r0") = op;
    register uintptr_t r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void semi_puts(const char *s)
{
    semi_call(SYS_WRITE0, (uintptr_t)s);
}

/* The console is the special file ":tt", opened for writing (mode 4, "w") on first use. */
static uintptr_t console;
static bool console_open;

void semi_write(const char *s, size_t n)
{
    if (!console_open) {
        static const char tt[] = ":tt";
        uintptr_t open_block[3] = {(uintptr_t)tt, 4, sizeof tt - 1};
        console = semi_call(SYS_OPEN, (uintptr_t)open_block);
        console_open = true;
    }
    if (n == 0)
        return;
    uintptr_t block[3] = {console, (uintptr_t)s, n};
    semi_call(SYS_WRITE, (uintptr_t)block);
}

/* SYS_ELAPSED (a 64-bit tick count, SYS_TICKFREQ ticks per second; QEMU: the host's monotonic
 * clock in ns) is wall time. SYS_CLOCK would be QEMU's own CPU time (it calls clock()), which
 * lags the door's clock whenever QEMU waits; it is only the fallback. */
uint64_t semi_clock_ms(void)
{
    static uint32_t freq;
    uint32_t t[2];
    if (freq == 0) {
        uintptr_t f = semi_call(SYS_TICKFREQ, 0);
        freq = f == (uintptr_t)-1 || f == 0 ? 1 : (uint32_t)f;
    }
    if (freq >= 1000 && semi_call(SYS_ELAPSED, (uintptr_t)t) == 0)
        return ((uint64_t)t[1] << 32 | t[0]) / (freq / 1000u);
    return (uint64_t)semi_call(SYS_CLOCK, 0) * 10u;
}

void semi_exit(int code)
{
    /* SYS_EXIT_EXTENDED: its block carries the exit code to QEMU's own exit status (plain
     * SYS_EXIT on AArch32 only tells success from failure); SYS_EXIT as a fallback. */
    uintptr_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)code};
    semi_call(SYS_EXIT_EXTENDED, (uintptr_t)block);
    semi_call(SYS_EXIT, code == 0 ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUN_TIME_ERROR);
    for (;;)
        ;
}
