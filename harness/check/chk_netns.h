/* SPDX-License-Identifier: MIT */
/*
 * chk_netns: `minike check --netns`, port-500 semantics without touching the host. As root it
 * makes two network namespaces joined by a veth pair with private addresses (the layout of
 * interop/scenario-lib.sh's make_topology, on its own /30 so both can run at once), moves the
 * checker into the responder one and starts each initiator command in the initiator one. The
 * namespaces are removed when the process exits (atexit, also after SIGINT/SIGTERM, which the
 * CLI turns into a normal return); a SIGKILLed run leaves them, named mkchk-PID-r/-i.
 */
#ifndef CHK_NETNS_H
#define CHK_NETNS_H

#include <stddef.h>

#define CHK_NETNS_R_ADDR "10.77.30.2" /* the checker (responder) side */
#define CHK_NETNS_I_ADDR "10.77.30.1" /* the initiator side */

/* Creates the pair and enters the responder namespace. 0, or -1 with a one-line reason in why. */
int chk_netns_up(char *why, size_t whylen);
/* The initiator namespace's name, for chk_opts.ini_netns (valid after chk_netns_up). */
const char *chk_netns_initiator(void);
/* Moves the calling process into namespace NAME. 0 or -1. */
int chk_netns_enter(const char *name);
/* Removes what chk_netns_up made (idempotent; only in the process that made it). */
void chk_netns_down(void);

#endif
