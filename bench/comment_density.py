#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# comment_density.py: comment density of C files (STYLE.md §2.5 asks for 20-35% in ref/).
# A C tokenizer (aware of string and character literals) sorts every non-blank line into
# "comment-only" (comment text, no code), "trailing" (code and comment on one line) or code.
# Lines holding only a comment delimiter (a lone "/*" or "*/") count as comment-only.
# Prints a Markdown table: non-blank lines, comment-only, trailing, and the two densities
# comment-only / non-blank and (comment-only + trailing) / non-blank.
#
# usage: python3 bench/comment_density.py ref/src/*.c ref/io/udp.c
import sys


def classify(src):
    code, com = set(), set()
    ln, i, n, in_block = 0, 0, len(src), False
    while i < n:
        ch = src[i]
        if ch == '\n':
            ln += 1
            i += 1
        elif in_block:
            if src.startswith('*/', i):
                in_block = False
                i += 2
            else:
                if not ch.isspace():
                    com.add(ln)
                i += 1
        elif src.startswith('/*', i):
            in_block = True
            com.add(ln)
            i += 2
        elif src.startswith('//', i):
            com.add(ln)
            j = src.find('\n', i)
            i = n if j < 0 else j
        elif ch in '"\'':
            code.add(ln)
            i += 1
            while i < n and src[i] != ch:
                i += 2 if src[i] == '\\' else 1
            i += 1
        else:
            if not ch.isspace():
                code.add(ln)
            i += 1
    nonblank = sum(1 for line in src.split('\n') if line.strip())
    return nonblank, len(com - code), len(com & code)


def row(name, nb, only, trail):
    return '| %s | %d | %d | %d | %.1f%% | %.1f%% |' % (name, nb, only, trail, 100.0 * only / nb,
                                                    100.0 * (only + trail) / nb)


print('| file | non-blank | comment-only | trailing | density | density incl. trailing |')
print('|---|---:|---:|---:|---:|---:|')
tot = [0, 0, 0]
for f in sys.argv[1:]:
    nb, only, trail = classify(open(f, encoding='utf-8').read())
    tot = [tot[0] + nb, tot[1] + only, tot[2] + trail]
    print(row(f, nb, only, trail))
print(row('**all**', *tot))
