/*
 * alert_int: what alert.c and alert_mailq.c share: a delivery job, its
 * parts, the alerter (alert.c's head comment has their invariants).
 */
#ifndef MASHD_ALERT_INT_H
#define MASHD_ALERT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <jansson.h>

#include "mash/config.h"

#include "alert_plan.h"
#include "mashd.h"

/* Jobs delivering at once, those whose mails wait for a process too. */
#define ALERT_HELD(c) (4 * (c)->alerts.max_parallel)

struct job;

struct part {
	struct job *job;
	TAILQ_ENTRY(part) wait; /* in a->mailq while waiting */
	char name[80];
	bool finished;
	bool waiting;
	bool unstarted;	 /* failed never handed to sendmail (alert_mailq.c) */
	int64_t rank;	 /* its place in a->mailq: lowest first */
	int64_t started; /* monotonic ms: handed to the mailer */
};

struct job {
	struct alerter *a;
	LIST_ENTRY(job) entry; /* in a->jobs */
	char id[48];
	json_t *alert; /* as alert_take gave it */
	struct alert_plan pl;
	int64_t claimed; /* monotonic ms: the claiming call was sent after */
	bool urgent;	 /* an "at once" event: red, repeat */
	struct part parts[ALERT_MAX_PARTS];
	int nparts;
	int left;
	bool callback;	/* no transport reaches the referrer: a task instead */
	bool recording; /* every part ended: its result waits in a->batch */
	char error[256];
	int failed;	 /* parts that failed */
	int unstarted;	 /* of them, mails never handed to sendmail */
	bool error_real; /* j->error is a failure that spends an attempt */
	bool held;	 /* a mail of it waited in vain: its retry waits too */
};

struct alerter {
	struct mashd *d;
	/* alert.c's, for alert_mailq.c (which names nothing of alert.c):
	 * hand a mail part to the mailer; a part's answer (err NULL when
	 * its transport took it). */
	void (*mail_start)(struct part *p);
	void (*part_done)(const char *err, void *arg);
	struct event *tick;
	struct mailer *mailer;
	struct webhooks *hooks;
	struct alert_batch *batch;
	char consumer[256];
	bool busy;
	bool again;
	bool starved; /* an alert waits for room: look when a job ends */
	bool pumping; /* in pump(): it is not entered again */
	struct event *expire; /* the first waiting mail's claim_ends() */
	TAILQ_HEAD(mailq_head, part)
	mailq;		   /* mail parts waiting for a process */
	int64_t take_sent; /* monotonic ms: the take in flight's */
	LIST_HEAD(, job) jobs;
	int njobs;	/* in a->jobs, delivering */
	int nrecording; /* in a->jobs, waiting for alert_result */
	int asked;	/* the count of the take in flight */
	/* alert_take.lua's cursor: the last pending entry it looked at. */
	char cursor[48];
	/* A hung MTA (alert_mailq.c): when a mail last answered (monotonic
	 * ms, the start before the first; wall-clock ms, 0 before the first),
	 * whether mail is held up (told so), when that was last told, and
	 * the tries of a mail not started since the last answer. */
	int64_t answered;
	int64_t answered_at;
	bool stuck;
	bool starting; /* in a->mail_start(): an answer now is no MTA's */
	int64_t stuck_told;
	long nheld;
};

/*
 * The last time a mail of an alert claimed (before) `claimed` that waited
 * for a process, or a job adopted from submit.lua's reply, may start: it ends
 * alerts.timeout later, and half of what is left of claim_idle is for its end
 * to be seen and recorded, before another mashd may take the alert over
 * (alert.c's head comment).
 */
static inline int64_t
alert_claim_ends(const struct mash_config *c, int64_t claimed)
{
	return claimed + (c->alerts.claim_idle - c->alerts.timeout) * 500LL;
}

/* alert_mailq.c: mail part p waits for a process, in its rank. */
void alert_mail_wait(struct part *p);
/* Mail part p of a job just started: at once if a process is free and
 * none waits, else it waits (alert_mail_wait). */
void alert_mail_offer(struct part *p);
/* A mail part handed to the mailer ended (err NULL when it went): an
 * answer from the MTA, unless it ended at once or failed at its timeout. */
void alert_mail_answered(struct part *p, const char *err);
/* How long a job's retry waits when a mail of it failed unstarted
 * (j->held): the time since a mail last answered, at most 5 minutes. */
int64_t alert_mail_hold_ms(const struct alerter *a);
/* The waiting mails: those past their time fail, the first start. */
void alert_pump(struct alerter *a);
/* a->expire's callback. */
void alert_expire(evutil_socket_t fd, short what, void *arg);

#endif
