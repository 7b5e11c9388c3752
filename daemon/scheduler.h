/*
 * scheduler: fires the statutory timers. One libevent timer is armed for
 * the earliest due time in Redis (never more than a second away, so
 * timers that another mashd added are seen too); when it fires, fire.lua
 * claims what is due, exactly once across processes. On every connection
 * to Redis it catches up with whatever fell due while mashd was away.
 */
#ifndef MASHD_SCHEDULER_H
#define MASHD_SCHEDULER_H

#include "mashd.h"

struct scheduler *scheduler_new(struct mashd *d);
void scheduler_free(struct scheduler *s);
/* Look again now: a due time was added, moved or Redis came back. */
void scheduler_kick(struct scheduler *s);
/* The calendar or the timer rules may have changed (SIGHUP): work the
 * timers still running of every open referral out again, each from its
 * own start, and move those whose due time changed, audited. */
void scheduler_recompute(struct scheduler *s);

#endif
