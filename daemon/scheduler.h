/*
 * scheduler: fires the statutory timers, by Redis's clock. One libevent
 * timer is armed for the earliest due time in Redis, by Redis's time
 * (never more than a second away, so timers that another mashd added are
 * seen too); when it fires, fire.lua claims what is due by Redis's TIME,
 * exactly once across processes, so a mashd whose own clock is wrong
 * fires nothing early or late. On every connection to Redis it catches up
 * with whatever fell due while mashd was away. Each look measures the
 * daemon's clock against Redis's, and a difference past 2 s is warned of.
 */
#ifndef MASHD_SCHEDULER_H
#define MASHD_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

#include "mashd.h"

struct scheduler *scheduler_new(struct mashd *d);
void scheduler_free(struct scheduler *s);
/* Look again now: a due time was added, moved or Redis came back. */
void scheduler_kick(struct scheduler *s);
/* A timer due at due_ms (the daemon's clock) was added: the wake-up is
 * brought forward to it when later, with no call of Redis; 0: none. */
void scheduler_due(struct scheduler *s, int64_t due_ms);
/* The daemon's clock minus Redis's, in ms, as last measured (about once
 * a second while Redis answers); false before the first measurement. */
bool scheduler_clock_skew(const struct scheduler *s, int64_t *ms);

#endif
