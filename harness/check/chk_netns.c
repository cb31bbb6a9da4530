/* SPDX-License-Identifier: MIT */
/* chk_netns: the namespace pair of `minike check --netns` (see chk_netns.h). */
#define _GNU_SOURCE
#include "chk_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* One pair per process: the names and who made them (forked children must not remove them). */
static char ns_r[32], ns_i[32], veth_r[16], veth_i[16];
static pid_t owner;
static bool made_r, made_i;

/* Runs `ip ARGS...` quietly; 0 when it exited 0. */
static int ip(const char *const *args)
{
    char *argv[16] = {"ip"};
    char buf[16][64];
    size_t n = 1;
    for (; args[n - 1] && n < 15; n++) {
        /* execvp wants char *const []: copy the arguments rather than cast const away */
        snprintf(buf[n], sizeof buf[n], "%s", args[n - 1]);
        argv[n] = buf[n];
    }
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(nul, 2);
        }
        execvp("ip", argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

#define IP(...) ip((const char *const[]){__VA_ARGS__, NULL})

void chk_netns_down(void)
{
    if (owner != getpid())
        return;
    /* removing a namespace removes its end of the veth pair, and with it the other end */
    if (made_i)
        IP("netns", "del", ns_i);
    if (made_r)
        IP("netns", "del", ns_r);
    made_i = made_r = false;
}

int chk_netns_enter(const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "/run/netns/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = setns(fd, CLONE_NEWNET);
    close(fd);
    return rc;
}

const char *chk_netns_initiator(void)
{
    return ns_i;
}

int chk_netns_up(char *why, size_t whylen)
{
    if (geteuid() != 0) {
        snprintf(why, whylen, "needs root (it creates two network namespaces)");
        return -1;
    }
    owner = getpid();
    snprintf(ns_r, sizeof ns_r, "mkchk-%d-r", (int)owner);
    snprintf(ns_i, sizeof ns_i, "mkchk-%d-i", (int)owner);
    snprintf(veth_r, sizeof veth_r, "mkc%dr", (int)owner % 10000000);
    snprintf(veth_i, sizeof veth_i, "mkc%di", (int)owner % 10000000);
    static bool registered;
    if (!registered && atexit(chk_netns_down) == 0)
        registered = true;
    /* a pair with our PID in its name and no process behind it: left by a SIGKILLed run */
    IP("netns", "del", ns_i);
    IP("netns", "del", ns_r);
    const char *step = "ip netns add";
    if ((made_r = IP("netns", "add", ns_r) == 0) && (made_i = IP("netns", "add", ns_i) == 0)) {
        step = "veth pair";
        if (IP("link", "add", veth_i, "netns", ns_i, "type", "veth", "peer", "name", veth_r,
               "netns", ns_r) == 0 &&
            (step = "addresses",
             IP("-n", ns_i, "addr", "add", CHK_NETNS_I_ADDR "/30", "dev", veth_i) == 0 &&
                 IP("-n", ns_r, "addr", "add", CHK_NETNS_R_ADDR "/30", "dev", veth_r) == 0) &&
            (step = "links up", IP("-n", ns_i, "link", "set", "lo", "up") == 0 &&
                                    IP("-n", ns_r, "link", "set", "lo", "up") == 0 &&
                                    IP("-n", ns_i, "link", "set", veth_i, "up") == 0 &&
                                    IP("-n", ns_r, "link", "set", veth_r, "up") == 0) &&
            (step = "entering the responder namespace", chk_netns_enter(ns_r) == 0))
            return 0;
    }
    snprintf(why, whylen, "%s failed (is iproute2 installed, may this machine make namespaces?)",
             step);
    chk_netns_down();
    return -1;
}
