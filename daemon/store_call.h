/*
 * store_call.h: the Lua scripts of daemon/lua/ and what became of a call
 * (store_call.c). Included by store.h, which the rest of mashd includes.
 */
#ifndef MASHD_STORE_CALL_H
#define MASHD_STORE_CALL_H

#include <stdbool.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

struct store;

enum store_script {
	SCRIPT_SUBMIT,
	SCRIPT_GET,
	SCRIPT_QUEUE,
	SCRIPT_SHOW,
	SCRIPT_METRICS, /* metrics.c */
	SCRIPT_PING,
	SCRIPT_NEXT,
	SCRIPT_FIRE,
	SCRIPT_DECIDE,
	SCRIPT_CONFIRM,
	SCRIPT_RESCHEDULE,
	SCRIPT_TIMERS, /* scheduler.c */
	SCRIPT_ALERT_TAKE,
	SCRIPT_ALERT_RESULT,
	SCRIPT_ALERTS,
	SCRIPT_ALERT_RETRY,
	SCRIPT_CALLBACKS,
	SCRIPT_CALLED,
	SCRIPT_CLAIM,
	SCRIPT_RATE,
	SCRIPT_NOTE,
	SCRIPT_HISTORY,
	SCRIPT_SPOOL_QUARANTINE, /* spool.c */
	SCRIPT_IDEM,		 /* intake.c: a lost reply's key */
	SCRIPT_SCREEN,		 /* ctl_screen.c */
	SCRIPT_REOPEN,		 /* ctl_screen.c */
	SCRIPT_LADDER,		 /* ladder.c */
	SCRIPT_AUDIT_VERIFY,	 /* ctl_audit.c */
	SCRIPT_AUDIT_LAST,
	SCRIPT_REPORT_EVENTS, /* ctl_report.c */
	SCRIPT_RESOLVE,	      /* ctl_find.c */
	SCRIPT_LIST,
	SCRIPT_CHILD,
	SCRIPT_BACKFILL, /* backfill.c */
	SCRIPT_EXPLAIN,	 /* ctl_explain.c */
	/* ladder_gap.c */
	SCRIPT_LADDER_GAP,
	/* digest.c */
	SCRIPT_DIGEST_GATHER, /* digest_pages.c */
	SCRIPT_DIGEST_OVERDUE,
	SCRIPT_DIGEST_ESCALATIONS,
	SCRIPT_DIGEST_HELD,
	SCRIPT_DIGEST,
	SCRIPT_DIGEST_CONF,
	SCRIPT_COUNT,
};

/*
 * What became of a call whose callback runs (store_call_outcome() returned
 * 0; -1 means it was never sent). Redis runs a script in one step, but a
 * reply can be lost after it ran: only STORE_NOT_RUN means for certain that
 * nothing changed, only STORE_DONE that Redis's answer is known.
 */
enum store_outcome {
	/* Redis ran it and answered: `reply`, or in `err` the error the
	 * script returned or raised (one raised half-way may follow
	 * writes: Redis does not roll a script back). */
	STORE_DONE,
	/* Redis refused it before running any of it: NOSCRIPT (after the
	 * one reload and resend), LOADING, BUSY, NOAUTH, NOPERM,
	 * MASTERDOWN, NOREPLICAS, READONLY, MISCONF, OOM, unless raised
	 * inside the script. Nothing changed. */
	STORE_NOT_RUN,
	/* Handed to the connection, and no answer came: it was lost
	 * ("the connection to redis was lost"), redis.timeout passed
	 * ("redis did not answer within N s (redis.timeout)"), the master
	 * changed, or mashd stopped ("mashd is stopping"). Redis may have
	 * run it, or may still (a stopped Redis runs what it read when it
	 * resumes): only a later read can tell. Or the master ran it but
	 * fewer replicas than redis.replicas_ack confirmed it in time ("the
	 * change is stored on the redis master but not confirmed
	 * replicated: ..."): a failover now may lose it. */
	STORE_UNKNOWN,
};

struct store_result {
	enum store_outcome outcome;
	const redisReply *reply; /* STORE_DONE without err: the answer */
	const char *err;	 /* else a sentence; NULL when reply is set */
	/* STORE_UNKNOWN only: the master ran it and answered, but fewer
	 * replicas than redis.replicas_ack confirmed it in time. */
	bool unreplicated;
};

typedef void store_outcome_cb(const struct store_result *res, void *arg);

/*
 * Run a script with ARGV = prefix, argv[0..argc-1]. Returns -1 at once,
 * without calling cb, when Redis is not reachable; else cb runs exactly
 * once, later, with what became of the call: within redis.timeout of the
 * send, whatever Redis does (a call that passes it drops the connection,
 * which is opened again).
 */
int store_call_outcome(struct store *st, enum store_script s, int argc,
		       const char *const *argv, store_outcome_cb *cb,
		       void *arg);
/*
 * store_call_outcome() with one argument, the JSON object `args`, sent
 * compact: the script's $name keys are read from the object itself, not
 * from its text parsed again (submit.lua's argument is a few kilobytes).
 */
int store_call_object(struct store *st, enum store_script s, const json_t *args,
		      store_outcome_cb *cb, void *arg);
/*
 * store_call_object() with a second argument, `text`, sent as it is
 * (ARGV[3]): submit.lua's record, which inside the object would be
 * escaped into it by mashd and read out of it again by the script.
 */
int store_call_object_text(struct store *st, enum store_script s,
			   const json_t *args, const char *text,
			   store_outcome_cb *cb, void *arg);
/* For store.c only: the scripts' table, and loading them on a new
 * connection. */
void store_scripts_init(struct store *st);
void store_scripts_load(struct store *st);

#endif
