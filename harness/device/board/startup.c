/* SPDX-License-Identifier: MIT */
/*
 * startup: the Cortex-M4 vector table and reset handler for the MPS2 AN386 board. Reset copies
 * .data from flash, zeroes .bss, paints the stack with a pattern (so the deepest use can be read
 * back: board_stack_high_water) and calls main. Faults print their name over semihosting and
 * exit non-zero instead of spinning, so a crash in the emulator ends the test at once.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern uint32_t __stack_bottom, __stack_top;
int main(void);
void mk_reset(void);

enum { PAINT = 0x5afec0deu };

static void fault(const char *what)
{
    semi_puts("board: ");
    semi_puts(what);
    semi_puts(" fault\n");
    semi_exit(3);
}

static void nmi_handler(void)
{
    fault("NMI");
}
static void hard_fault_handler(void)
{
    fault("HardFault");
}
static void mem_fault_handler(void)
{
    fault("MemManage");
}
static void bus_fault_handler(void)
{
    fault("BusFault");
}
static void usage_fault_handler(void)
{
    fault("UsageFault");
}
static void default_handler(void)
{
    fault("unexpected interrupt");
}

/* 16 system exceptions; the board's IRQs are not enabled, so none follow. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top,
    mk_reset,
    nmi_handler,
    hard_fault_handler,
    mem_fault_handler,
    bus_fault_handler,
    usage_fault_handler,
    0,
    0,
    0,
    0,
    default_handler, /* SVCall */
    default_handler, /* DebugMonitor */
    0,
    default_handler, /* PendSV */
    board_systick_handler,
};

/* The stack below the current frame is painted word by word; the reset handler itself runs
 * near the top, so the few words it uses are above the painted area. */
__attribute__((noinline)) static void paint_stack(void)
{
    volatile uint32_t *p = &__stack_bottom;
    uint32_t here = (uint32_t)(uintptr_t)__builtin_frame_address(0);
    while ((uint32_t)(uintptr_t)p < here - 64)
        *p++ = PAINT;
}

/* Linker symbols are distinct objects to C, so the region is walked by address. */
size_t board_stack_high_water(void)
{
    uintptr_t a = (uintptr_t)&__stack_bottom, top = (uintptr_t)&__stack_top;
    while (a < top && *(const volatile uint32_t *)a == PAINT)
        a += 4;
    return (size_t)(top - a);
}

size_t board_stack_size(void)
{
    return (size_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_bottom);
}

void mk_reset(void)
{
    uintptr_t ds = (uintptr_t)&__data_start, de = (uintptr_t)&__data_end;
    uintptr_t bs = (uintptr_t)&__bss_start, be = (uintptr_t)&__bss_end;
    memcpy((void *)ds, &__data_load, de - ds);
    memset((void *)bs, 0, be - bs);
    /* CPACR: full access to CP10/CP11 (the FPU), in case the compiler uses it */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n\tisb");
    paint_stack();
    semi_exit(main());
}
