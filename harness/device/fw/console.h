/* SPDX-License-Identifier: MIT */
/*
 * console: the device's timeline on the semihosting console ("  12.345  device ..." lines, on
 * the board's own clock), the "metric ..." lines bench/device.sh and the tests read, and the
 * instruction counter's calibration. newlib-nano's printf has no %llu and stdio would allocate
 * its buffer (the heap this firmware does not have), so: snprintf + semihosting, and 64-bit
 * counters printed through u64().
 */
#ifndef MK_FW_CONSOLE_H
#define MK_FW_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

void con_start(void); /* the timeline's zero: now */
uint64_t con_t0(void);
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void metric(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *u64(uint64_t v, char buf[21]);
/* A loop of exactly 2 instructions per turn run 10^6 times: the counter must read 2,000,000 */
uint64_t con_calibrate(void);
/* The timeline's IKE line when the core has no trace text: exchange and direction from the IKE
 * header at d + off (off: the non-ESP marker on UDP 4500). A label, nothing more: whether a
 * received message is accepted is the core's business. */
void con_ike_line(const char *dir, const uint8_t *d, size_t len, size_t off);

#endif
