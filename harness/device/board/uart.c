/* SPDX-License-Identifier: MIT */
/*
 * uart: the CMSDK APB UART0 of the MPS2 boards (0x40004000), polled. It carries the framed
 * datagrams to the host bridge (fw/link.c); QEMU connects it to a host socket (-serial).
 * Registers: DATA +0, STATE +4 (bit 0 TX full, bit 1 RX full), CTRL +8 (bit 0 TX enable,
 * bit 1 RX enable), BAUDDIV +0x10 (must be >= 16).
 */
#include "board.h"

#define UART0 0x40004000u
#define REG(off) (*(volatile uint32_t *)(UART0 + (off)))
enum { DATA = 0x0, STATE = 0x4, CTRL = 0x8, BAUDDIV = 0x10 };
enum { TX_FULL = 1u << 0, RX_FULL = 1u << 1, TX_EN = 1u << 0, RX_EN = 1u << 1 };

void uart_init(void)
{
    REG(BAUDDIV) = 16; /* the smallest divider the CMSDK UART accepts; QEMU ignores the rate */
    REG(CTRL) = TX_EN | RX_EN;
}

void uart_putc(uint8_t c)
{
    while (REG(STATE) & TX_FULL)
        ;
    REG(DATA) = c;
}

bool uart_getc(uint8_t *c)
{
    if (!(REG(STATE) & RX_FULL))
        return false;
    *c = (uint8_t)REG(DATA);
    return true;
}
