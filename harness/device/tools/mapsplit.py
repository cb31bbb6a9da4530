#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mapsplit.py MAP: flash and RAM of the firmware from GNU ld's linker map, split by where each
input section came from: our core (libmk_core.a = ref/src), crypto (libsodium / mbedTLS from the
Debian sources), libc (newlib-nano, libgcc), board (startup, UART, semihosting, counter,
syscalls), app (the garage-door main, the link framing, the DRBG glue, inner.c).
Flash = .text + .rodata + .ARM.exidx + the .data load image; RAM = .data + .bss; the stack is
its own reserved region and reported apart. Linker padding (*fill*) counts as "pad".
Prints a table and, with --kv, key=value lines for scripts."""
import re
import sys

BOARD_OBJS = {'startup.o', 'semihost.o', 'uart.o', 'counter.o', 'syscalls.o'}


def owner(path):
    m = re.search(r'([^/]+\.a)\(([^)]+)\)$', path)
    if not m:
        return 'other'
    lib, obj = m.groups()
    if lib in ('libmk_core.a', 'libmk_tiny.a'):
        return 'core'
    if lib == 'libcrypto_sodium.a':
        return 'crypto-libsodium'
    if lib == 'libcrypto_mbedtls.a':
        return 'crypto-mbedtls'
    if lib == 'libboard.a':
        return 'board' if obj in BOARD_OBJS else 'app'
    if lib.startswith('libc') or lib.startswith('libg') or lib.startswith('libm') or lib == 'libnosys.a':
        return 'libc'
    return 'other'


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    kv = '--kv' in sys.argv
    lines = open(args[0]).read().split('\n')
    start = next(i for i, l in enumerate(lines) if l.startswith('Linker script and memory map'))
    out_sec = None
    sizes = {}       # (owner, kind) -> bytes ; kind: flash / ram / stack
    pending = None   # input section name split over two lines
    for l in lines[start:]:
        m = re.match(r'^(\.[\w.]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+', l) or re.match(r'^(\.[\w.]+)\s*$', l)
        if m and not l.startswith(' '):
            out_sec = m.group(1)
            continue
        if out_sec not in ('.text', '.ARM.exidx', '.data', '.bss', '.stack'):
            continue
        m = re.match(r'^ \*fill\*\s+0x[0-9a-f]+\s+0x([0-9a-f]+)', l)
        if m:
            item = ('pad', int(m.group(1), 16))
        else:
            m = re.match(r'^ (\S+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)', l)
            if m:
                item = (owner(m.group(3)), int(m.group(2), 16))
                pending = None
            else:
                m2 = re.match(r'^ (\S+)\s*$', l)
                if m2 and not l.startswith('  '):
                    pending = m2.group(1)
                    continue
                m3 = re.match(r'^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+\.a\(\S+\)|\S+\.o)$', l)
                if pending and m3:
                    item = (owner(m3.group(2)), int(m3.group(1), 16))
                    pending = None
                else:
                    continue
        who, n = item
        if out_sec == '.stack':
            sizes[(who, 'stack')] = sizes.get((who, 'stack'), 0) + n
            continue
        kinds = ['flash'] if out_sec in ('.text', '.ARM.exidx') else ['ram'] + (['flash'] if out_sec == '.data' else [])
        for k in kinds:
            sizes[(who, k)] = sizes.get((who, k), 0) + n
    owners = ['core', 'crypto-libsodium', 'crypto-mbedtls', 'libc', 'board', 'app', 'pad', 'other']
    tf = sum(v for (o, k), v in sizes.items() if k == 'flash')
    tr = sum(v for (o, k), v in sizes.items() if k == 'ram')
    stack = sum(v for (o, k), v in sizes.items() if k == 'stack')
    if kv:
        for o in owners:
            print('flash_%s=%d ram_%s=%d' % (o.replace('-', '_'), sizes.get((o, 'flash'), 0),
                                             o.replace('-', '_'), sizes.get((o, 'ram'), 0)))
        print('flash_total=%d ram_total=%d stack_reserved=%d' % (tf, tr, stack))
        return
    print('  %-18s %10s %10s' % ('part', 'flash B', 'RAM B'))
    for o in owners:
        f, r = sizes.get((o, 'flash'), 0), sizes.get((o, 'ram'), 0)
        if f or r:
            print('  %-18s %10d %10d' % (o, f, r))
    print('  %-18s %10d %10d   (+ %d B stack reserved)' % ('total', tf, tr, stack))


if __name__ == '__main__':
    main()
