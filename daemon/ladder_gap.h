/*
 * ladder_gap: closes the gaps of the reminder ladder. fire.lua fires a
 * rung (or the decision) and ladder.c schedules the next rung in a later
 * call; a mashd that dies between the two would leave the referral with
 * no rung pending, and no reminder ever again. At start, on each
 * reconnection to Redis, on SIGHUP and every 10 minutes,
 * ladder_gap_close() looks:
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
 * ladder_gap_resume() looks then, after the rungs held (ladder.h). A look
 * that fails is made again 5 s later, and each mashd looks every 10
 * minutes, so that the gaps of a mashd that died are closed by others. */
void ladder_gap_close(struct mashd *d);
void ladder_gap_resume(struct mashd *d);
/* The next look forgotten (at exit). */
void ladder_gap_free(void);

#endif
