/* SPDX-License-Identifier: MIT */
/*
 * counter: instructions executed, from SysTick. The Cortex-M4 in QEMU has no DWT cycle counter,
 * but with `-icount shift=0` QEMU advances virtual time by exactly 1 ns per instruction and
 * SysTick (CLKSOURCE = core clock, 25 MHz on the AN386 model) counts that virtual time: one tick
 * per 40 instructions. The wrap interrupt extends the 24-bit counter. Without -icount the
 * figure is host time and meaningless; bench/device.sh always passes it.
 */
#include "board.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
enum { RELOAD = 0xFFFFFFu, INSNS_PER_TICK = 40 };

static volatile uint32_t wraps;

void board_systick_handler(void)
{
    wraps++;
}

void board_counter_start(void)
{
    SYST_RVR = RELOAD;
    SYST_CVR = 0;
    SYST_CSR = 0x7; /* enable, interrupt on wrap, core clock */
}

uint64_t board_insns(void)
{
    uint32_t w, v;
    do { /* re-read if a wrap slipped in between */
        w = wraps;
        v = SYST_CVR;
    } while (w != wraps);
    uint64_t ticks = (uint64_t)w * (RELOAD + 1u) + (RELOAD - v);
    return ticks * INSNS_PER_TICK;
}
