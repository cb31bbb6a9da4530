/* SPDX-License-Identifier: MIT */
/*
 * chk_soak: soak mode. The honest handshake N times with datagrams of both directions lost,
 * duplicated, reordered and delayed by the checker (seeded, so a run can be repeated), and a
 * report of the completion rate, time-to-established percentiles and hangs (an initiator still
 * running, without an IKE SA, when its window closed).
 */
#ifndef MK_CHK_SOAK_H
#define MK_CHK_SOAK_H

#include "chk_engine.h"

int chk_soak(const chk_soak_opts *so, const chk_setup *su, const chk_opts *o, mk_io *io);

#endif
