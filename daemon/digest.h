/*
 * digest: the supervisors' daily digest (issue 12): at the hub's opening
 * on each working day (the calendar's next opening: none on a weekend or
 * a bank holiday), one mail to the supervisors with the decisions
 * overdue, their holders and how late, the escalations fired since the
 * last digest, the written confirmations missing, the open call-back
 * tasks, the dead letters, the alerts held for it (alerts.digest) and
 * the timeliness of the referrals received since the last working day
 * began (report.c's figures). References and counts only.
 *
 * Sent once per local date however many mashd share the Redis: the date
 * is claimed in the call that writes the digest into the outbox
 * (digest.lua). A mashd that starts later the same day sends the day's
 * digest then, unless one was sent. digest_kick() also writes
 * alerts.digest where the scripts that write alerts read it.
 */
#ifndef MASHD_DIGEST_H
#define MASHD_DIGEST_H

#include <stdbool.h>

struct mashd;
struct digest;

struct digest *digest_new(struct mashd *d);
void digest_free(struct digest *g);
/* Redis is there (start, reconnection) or the configuration was read
 * again: write alerts.digest to Redis and look at the time again. */
void digest_kick(struct digest *g);
/* While a backlog of due timers fires, or the calls that fire them fail
 * (d->digest_behind), the digest is not gathered, so that it counts what
 * the backlog fires: the scheduler calls this when a call finds none due,
 * or a stop ends the wait, or its DIGEST_BACKLOG_MIN minutes do. A digest
 * gathered while a backlog still fires or the calls fail
 * (d->backlog_firing, d->timers_failing: after those minutes) is logged
 * (event digest_backlog); none is gathered during a stop. */
#define DIGEST_BACKLOG_MIN 5
void digest_resume(struct digest *g);

#endif
