/*
 * ladder_gap: closes the gaps of the reminder ladder. fire.lua fires a
 * rung (or the decision) and ladder.c schedules the next rung in a later
 * call; a mashd that dies between the two would leave the referral with
 * no rung pending, and no reminder ever again. At start, on each
 * reconnection to Redis and on SIGHUP, main.c calls ladder_gap_close():
 * every referral overdue for its decision, undecided, with no rung in
 * the due set (ladder_gap.lua) gets its next rung as the firing would
 * have given it (ladder_schedule()), which ladder.lua's compare-and-set
 * makes safe with several mashd, or a firing still under way.
 */
#ifndef MASHD_LADDER_GAP_H
#define MASHD_LADDER_GAP_H

struct mashd;

/* Look for gaps now (a look under way looks again when it ends); while a
 * backlog of due timers fires (d->timers_behind), once it is fired:
 * ladder_gap_resume() looks then, after the rungs held (ladder.h). */
void ladder_gap_close(struct mashd *d);
void ladder_gap_resume(struct mashd *d);

#endif
