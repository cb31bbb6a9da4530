/* SPDX-License-Identifier: MIT */
/*
 * syscalls: the few hooks newlib-nano wants, with no heap behind them. _sbrk always fails, so
 * any malloc in the firmware (ours, the libraries' or libc's) returns NULL, and it is counted:
 * the firmware prints board_sbrk_calls at the end and the tests require 0. mbedTLS gets a static
 * pool instead (fw/main.c). Output goes to semihosting.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "board.h"

unsigned board_sbrk_calls;

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    (void)incr;
    board_sbrk_calls++;
    errno = ENOMEM;
    return (void *)-1;
}

int _write(int fd, const char *p, int n);
int _write(int fd, const char *p, int n)
{
    (void)fd;
    semi_write(p, (size_t)n);
    return n;
}

void _exit(int code);
void _exit(int code)
{
    semi_exit(code);
}

/* The remaining newlib hooks: there are no files here. */
int _close(int fd);
int _close(int fd)
{
    (void)fd;
    return -1;
}
int _read(int fd, char *p, int n);
int _read(int fd, char *p, int n)
{
    (void)fd;
    (void)p;
    (void)n;
    return 0;
}
int _lseek(int fd, int off, int whence);
int _lseek(int fd, int off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    return -1;
}
int _fstat(int fd, struct stat *st);
int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR;
    return 0;
}
int _isatty(int fd);
int _isatty(int fd)
{
    (void)fd;
    return 1;
}
int _kill(int pid, int sig);
int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}
int _getpid(void);
int _getpid(void)
{
    return 1;
}
