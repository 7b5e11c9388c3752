/*
 * alert_mailq.c: the mail parts of the jobs delivering that wait for a
 * sendmail process (a->mailq), in rank; see alert.c's head comment for
 * the order and the claim's bound.
 *
 * A hung MTA: a mail that waited its whole time for a process fails
 * unstarted, spending no attempt; its alert's retry then waits as long as
 * sendmail has not answered (a mail sent, or failed well before its
 * timeout), at most ALERT_HOLD_MAX_MS, so the intervals double while it
 * stays hung (as Postfix's qmgr defers a message by its time in the
 * queue, between minimal_backoff_time and maximal_backoff_time), and the
 * alerts held go as soon as a mail answers again (alert_take.lua's
 * "answered"). Once no mail has answered for alerts.timeout while mails
 * waited, mail is held up: that is logged once, again every
 * ALERT_STUCK_TELL_MS with the count of tries of a mail not started (a
 * mail held again and again counts each time), and once when sendmail
 * answers again (a mail sent, or one that failed quickly: EX_TEMPFAIL is
 * an answer too, so mail may still not flow).
 * No personal data.
 */
#include <stdint.h>
#include <string.h>

#include "mash/config.h"

#include "alert_int.h"
#include "clock.h"
#include "deliver_mail.h"
#include "lifecycle.h"
#include "log.h"

/* The longest a mail not started waits for its retry: Postfix's
 * minimal_backoff_time (5 minutes), as the time a mail may go late after
 * the MTA answers again with nothing else to send. */
#define ALERT_HOLD_MAX_MS (300 * 1000LL)
/* While mail is held up, it is told again this often. */
#define ALERT_STUCK_TELL_MS (600 * 1000LL)

/* Free sendmail processes, under alerts.max_parallel. */
static int
free_procs(const struct alerter *a)
{
	return a->d->conf->alerts.max_parallel - (int)mailer_running(a->mailer);
}

static int64_t
claim_ends(const struct job *j)
{
	return alert_claim_ends(j->a->d->conf, j->claimed);
}

/* Mail part p to the mailer: its answer may come from within. */
static void
start(struct part *p)
{
	struct alerter *a = p->job->a;

	p->started = clock_mono_ms();
	a->starting = true;
	a->mail_start(p);
	a->starting = false;
}

int64_t
alert_mail_hold_ms(const struct alerter *a)
{
	int64_t ms = clock_mono_ms() - a->answered;

	return ms < 0 ? 0 : ms > ALERT_HOLD_MAX_MS ? ALERT_HOLD_MAX_MS : ms;
}

void
alert_mail_answered(struct part *p, const char *err)
{
	struct alerter *a = p->job->a;
	int64_t now = clock_mono_ms();

	/* One that never reached sendmail is none, nor a failure at its
	 * timeout: one that fails before three quarters of it is (the loop's
	 * clock, which times the kill, may lag p->started by a busy turn). */
	if (a->starting ||
	    (err != NULL &&
	     now - p->started >= a->d->conf->alerts.timeout * 750LL))
		return;
	if (a->stuck)
		log_info("alerts: sendmail answers again, after %lld s without "
			 "an answer; %ld tr%s of a mail not started meanwhile",
			 (long long)(now - a->answered) / 1000, a->nheld,
			 a->nheld == 1 ? "y" : "ies");
	a->stuck = false;
	a->nheld = 0;
	a->answered = now;
	a->answered_at = clock_now_ms();
}

/* Mail part p waited its whole time in vain: its retry waits (j->held);
 * mail is held up once none has answered for alerts.timeout. */
static void
held(struct part *p, int64_t now)
{
	struct alerter *a = p->job->a;
	int64_t quiet = now - a->answered;

	p->job->held = true;
	a->nheld++;
	if (!a->stuck && quiet >= a->d->conf->alerts.timeout * 1000LL) {
		a->stuck = true;
		a->stuck_told = now;
		log_warnx("alerts: mail is held up: no sendmail process has "
			  "answered for %lld s, %d running; mails not started "
			  "are retried at growing intervals, up to %lld s, "
			  "and as soon as one answers",
			  (long long)quiet / 1000,
			  (int)mailer_running(a->mailer),
			  ALERT_HOLD_MAX_MS / 1000);
	} else if (a->stuck && now - a->stuck_told >= ALERT_STUCK_TELL_MS) {
		a->stuck_told = now;
		log_warnx("alerts: mail still held up: no sendmail process has "
			  "answered for %lld min; %ld tr%s of a mail not "
			  "started since",
			  (long long)quiet / 60000, a->nheld,
			  a->nheld == 1 ? "y" : "ies");
	}
}

void
alert_mail_wait(struct part *p)
{
	struct alerter *a = p->job->a;
	struct part *q;

	p->rank = p->job->claimed -
		  (p->job->urgent ? a->d->conf->alerts.timeout * 1000LL : 0);
	p->waiting = true;
	TAILQ_FOREACH_REVERSE(q, &a->mailq, mailq_head, wait)
	{
		if (q->rank <= p->rank) {
			TAILQ_INSERT_AFTER(&a->mailq, q, p, wait);
			return;
		}
	}
	TAILQ_INSERT_HEAD(&a->mailq, p, wait);
}

void
alert_mail_offer(struct part *p)
{
	struct alerter *a = p->job->a;

	if (TAILQ_EMPTY(&a->mailq) && free_procs(a) > 0)
		start(p);
	else
		alert_mail_wait(p);
}

static void
mail_unwait(struct part *p)
{
	TAILQ_REMOVE(&p->job->a->mailq, p, wait);
	p->waiting = false;
}

/*
 * The waiting mails: those past their time (or all, while stopping) fail
 * unstarted; then the first in rank start while processes are free. A
 * part's answer may come from within (a sendmail that cannot start), and
 * end its job: the next is read before.
 */
void
alert_pump(struct alerter *a)
{
	int64_t now = clock_mono_ms(), first = INT64_MAX;
	bool stopping = lifecycle_draining(a->d->life);
	struct part *p, *next;

	if (a->pumping)
		return;
	a->pumping = true;
	for (p = TAILQ_FIRST(&a->mailq); p != NULL; p = next) {
		next = TAILQ_NEXT(p, wait);
		if (!stopping && now < claim_ends(p->job))
			continue;
		mail_unwait(p);
		p->job->unstarted++; /* no attempt spent: alert_result.lua */
		p->unstarted = true;
		if (!stopping)
			held(p, now);
		a->part_done(stopping ? "not started: mashd is stopping"
				      : "no sendmail process free in time",
			     p);
	}
	while ((p = TAILQ_FIRST(&a->mailq)) != NULL && free_procs(a) > 0) {
		mail_unwait(p);
		start(p);
	}
	TAILQ_FOREACH(p, &a->mailq, wait)
	{
		if (claim_ends(p->job) < first)
			first = claim_ends(p->job);
	}
	evtimer_del(a->expire);
	if (first != INT64_MAX) {
		int64_t ms = first - now + 1;
		struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

		evtimer_add(a->expire, &tv);
	}
	a->pumping = false;
}

void
alert_expire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	alert_pump(arg);
}
