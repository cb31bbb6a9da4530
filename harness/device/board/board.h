/* SPDX-License-Identifier: MIT */
/*
 * board: what the MPS2 AN386 (Cortex-M4, as QEMU models it) gives the firmware: semihosting for
 * the console, the wall clock and exit; the CMSDK UART0 as the datagram link to the host bridge;
 * SysTick as an instruction counter under `qemu -icount shift=0`; the painted stack.
 * Emulated hardware has no entropy source: randomness comes from the host (fw/drbg.c).
 */
#ifndef MK_BOARD_H
#define MK_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* semihosting (ARM semihosting v2 via bkpt 0xab; QEMU: -semihosting-config enable=on) */
void semi_puts(const char *s);
void semi_write(const char *s, size_t n);
uint64_t semi_clock_ms(void); /* SYS_CLOCK: centiseconds since start, as milliseconds */
__attribute__((noreturn)) void semi_exit(int code);

/* CMSDK APB UART0 at 0x40004000: polled, no interrupts. */
void uart_init(void);
void uart_putc(uint8_t c);
bool uart_getc(uint8_t *c); /* false when nothing is waiting */

/* SysTick running from the core clock, extended to 64 bits by its wrap interrupt. Under
 * `qemu -icount shift=0` one instruction is one nanosecond of virtual time and the AN386 core
 * clock is 25 MHz, so a tick is 40 instructions: board_insns() = ticks * 40. */
void board_counter_start(void);
uint64_t board_insns(void);
void board_systick_handler(void);

size_t board_stack_high_water(void);
size_t board_stack_size(void);

#endif
