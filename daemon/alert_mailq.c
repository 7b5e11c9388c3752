/*
 * alert_mailq.c: the mail parts of the jobs delivering that wait for a
 * sendmail process (a->mailq), in rank; see alert.c's head comment for
 * the order and the claim's bound.
 */
#include <stdint.h>
#include <string.h>

#include "mash/config.h"

#include "alert_int.h"
#include "clock.h"
#include "deliver_mail.h"
#include "lifecycle.h"

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
		a->mail_start(p);
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
		a->part_done(stopping ? "not started: mashd is stopping"
				      : "no sendmail process free in time",
			     p);
	}
	while ((p = TAILQ_FIRST(&a->mailq)) != NULL && free_procs(a) > 0) {
		mail_unwait(p);
		a->mail_start(p);
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
