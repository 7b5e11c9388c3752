/*
 * recompute: after a reload (SIGHUP), every open referral's timers worked
 * out again, each from its own start, by the calendar and the rules then
 * in force. The queue is read a page a call (timers.lua), and each page's
 * new due times are written in one call (reschedule.lua), which moves
 * only the timers neither fired, stopped nor started again since the
 * page was read, and audits each move; then the next page is read. So no
 * call holds Redis for long, and the loop serves others between pages.
 * One line sums a run up: the referrals worked out, the timers moved, and
 * those that could not be (with the referrals not read, when Redis went
 * away or mashd stopped part-way): a reload again does them.
 */
#ifndef MASHD_RECOMPUTE_H
#define MASHD_RECOMPUTE_H

#include "mashd.h"

struct recompute *recompute_new(struct mashd *d);
/* After the store: no call of it is in flight any more. */
void recompute_free(struct recompute *rc);
/* The calendar or the timer rules may have changed: work every open
 * referral's timers out again. A run under way ends at its next answer,
 * and a new one starts from the beginning with the rules now in force. */
void recompute_start(struct recompute *rc);

#endif
