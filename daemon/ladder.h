/*
 * ladder: the reminder ladder of a decision still overdue (issue 12):
 * a reminder every timers.overdue_repeat after the decision's due time,
 * to the navigators and the holder; from the timers.overdue_supervisor-th
 * reminder to the supervisors too, from the timers.overdue_manager-th to
 * recipients.managers too.
 *
 * Each rung is a timer of the due set (overdue_reminder), so fire.lua's
 * one ZREM claim sends it once however many mashd share the Redis. Its
 * due time needs working hours, which only C knows: when a rung (or the
 * decision itself) fires, the mashd that claimed it works out the next
 * rung and schedules it with one ladder.lua call (one for all those of a
 * fire.lua answer), which compares and sets each rung counter, so a
 * repeated call schedules nothing twice.
 */
#ifndef MASHD_LADDER_H
#define MASHD_LADDER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mash/config.h"

struct mashd;

/* fn(arg) is called when a rung has been scheduled, so the scheduler
 * looks at the due set again (main.c wires it: ladder calls nothing
 * above it). */
void ladder_on_scheduled(void (*fn)(void *), void *arg);

/* The entries of one fire.lua answer (its "fired"), fired at `now` (ms):
 * for each decision and rung, the next rung is scheduled, all of them
 * with one ladder.lua call. */
void ladder_fired(struct mashd *d, const json_t *fired, int64_t now);

/* While a backlog of due timers fires (d->timers_behind), the ladder.lua
 * calls of ladder_fired() and ladder_schedule() are held in memory
 * (LADDER_HOLD_MAX rungs at most), so the firings have Redis to
 * themselves; ladder_resume() sends them, once the backlog is fired or
 * the hold ends (scheduler.c). A rung lost with a mashd that stopped
 * meanwhile is a gap, which ladder_gap_close() closes at the next start. */
void ladder_resume(struct mashd *d);

/* The rung after rung `after` (0: the decision) of referral `id`, whose
 * firing was due at `due` (ms), scheduled at `now` (ms) by ladder.lua,
 * which schedules nothing twice. */
void ladder_schedule(struct mashd *d, const char *id, long after, int64_t due,
		     int64_t now);

/* The audience `to` of the alert whose outbox fields are `fields`, with
 * the supervisors and the managers its rung reaches. */
unsigned ladder_audience(const struct mash_config *c, const json_t *fields,
			 unsigned to);

/* The login name of whoever holds the referral ("uid:1000(alice)" gives
 * "alice"), for an overdue alert or a rung; NULL when none. */
const char *ladder_holder(const json_t *fields, char *buf, size_t len);

#endif
