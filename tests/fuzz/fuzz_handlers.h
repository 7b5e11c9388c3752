/*
 * fuzz_handlers.h: what the control socket's handlers call beside their
 * connection and the store, stubbed alike for fuzz_ctl and fuzz_answer;
 * and the log, whose every %s argument the harness checks (log_arg()).
 * Included once by each of them, after it defines struct ctl_conn (with
 * its request `req`), `hub`, `actor`, `holds` and
 *
 *     static void log_arg(const char *fmt, const char *s);
 *
 * which fails when s must not be logged by the line of format fmt.
 */
#ifndef MASH_FUZZ_HANDLERS_H
#define MASH_FUZZ_HANDLERS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "mash/referral.h"

#include "alert.h"
#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "metrics.h"
#include "scheduler.h"
#include "store.h"

#include "fuzz.h"

/* ---- the log -------------------------------------------------------- */

/* A Redis stream's id: digits, one dash, digits. */
static bool
stream_id(const char *s)
{
	size_t a = strspn(s, "0123456789");

	return a > 0 && s[a] == '-' && s[a + 1] != '\0' &&
	       strspn(s + a + 1, "0123456789") == strlen(s + a + 1);
}

/*
 * A referral's reference (MASH-YYYY-NNNNNN), an alert's id as mashctl
 * alerts shows it (a stream id), or a call-back task's number: ids the
 * handlers check before they log them. Only ever asked of a value under
 * a key that holds an id (a request's "id", an answer's "id"): a date of
 * birth, an NHS or a telephone number are no ids anywhere else.
 */
static bool
known_id(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n > 0 && (mash_ref_valid(s) || stream_id(s) ||
			 (strspn(s, "0123456789") == n && n <= 18));
}

/* Walk the format as printf does, checking each %s argument. */
static void
check_log(const char *fmt, va_list ap)
{
	for (const char *f = fmt; *f != '\0'; f++) {
		int longs = 0;

		if (*f != '%')
			continue;
		if (*++f == '%')
			continue;
		while (strchr("-+ #0123456789.", *f) != NULL)
			f++;
		for (; *f == 'l' || *f == 'z'; f++)
			longs += *f == 'z' ? 2 : 1;
		switch (*f) {
		case 's':
			log_arg(fmt, va_arg(ap, const char *));
			break;
		case 'd':
		case 'i':
		case 'u':
			if (longs == 0)
				(void)va_arg(ap, int);
			else
				(void)va_arg(ap, long long);
			break;
		default:
			fuzz_fail("log format \"%s\" not understood", fmt);
		}
	}
}

#define FUZZ_LOG_CHECKED()                                                     \
	do {                                                                   \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		check_log(fmt, ap);                                            \
		va_end(ap);                                                    \
	} while (0)

void
log_info(const char *fmt, ...)
{
	FUZZ_LOG_CHECKED();
}

void
log_warnx(const char *fmt, ...)
{
	FUZZ_LOG_CHECKED();
}

void
log_event(const char *ref, const char *brag, const char *event, const char *fmt,
	  ...)
{
	log_arg(fmt, ref);
	log_arg(fmt, brag);
	log_arg(fmt, event);
	FUZZ_LOG_CHECKED();
}

void
log_event_warnx(const char *ref, const char *brag, const char *event,
		const char *fmt, ...)
{
	log_arg(fmt, ref);
	log_arg(fmt, brag);
	log_arg(fmt, event);
	FUZZ_LOG_CHECKED();
}

/* ---- what the handlers call, stubbed ----------------------------------- */

int64_t
clock_now_ms(void)
{
	return fuzz_instant("2026-11-24T10:00:00Z");
}

void
alert_kick(struct alerter *a)
{
	(void)a;
}

void
scheduler_kick(struct scheduler *s)
{
	(void)s;
}

void
scheduler_due(struct scheduler *s, int64_t due_ms)
{
	(void)s;
	(void)due_ms;
}

/* No room here: submit.lua claims nothing, the alerts wait for a take. */
const char *
alert_consumer(struct alerter *a)
{
	(void)a;
	return "";
}

bool
alert_adopt(struct alerter *a, const json_t *alerts, int64_t claimed)
{
	(void)a;
	(void)claimed;
	return json_array_size(alerts) == 0;
}

/* With no consumer nothing is settled (claim_args asks only with one). */
int
alert_settle_args(const struct mash_config *c, const json_t *referrer,
		  const char *brag, bool hub_closed, int64_t now, json_t *args)
{
	(void)c;
	(void)referrer;
	(void)brag;
	(void)hub_closed;
	(void)now;
	(void)args;
	return 0;
}

void
alert_settle_log(const struct mash_config *c, const json_t *settled)
{
	(void)c;
	(void)settled;
}

void
metrics_local(struct mashd *d, struct figures *f)
{
	(void)d;
	memset(f, 0, sizeof(*f));
}

int
metrics_collect(struct mashd *d, metrics_cb *cb, void *arg)
{
	(void)d;
	(void)cb;
	(void)arg;
	return -1; /* as when Redis is down: the local figures answer */
}

json_t *
metrics_json(const struct figures *f)
{
	(void)f;
	return json_pack("{ss}", "redis", "down");
}

int64_t
clock_mono_ms(void)
{
	return 1000;
}

void
lifecycle_hold(struct lifecycle *l)
{
	(void)l;
	holds++;
}

void
lifecycle_release(struct lifecycle *l)
{
	(void)l;
	if (--holds < 0)
		fuzz_fail("work released that was not held");
}

/* ---- the connection, as far as it is the same --------------------- */

const json_t *
ctl_request(const struct ctl_conn *c)
{
	return c->req;
}

const char *
ctl_arg(const struct ctl_conn *c, const char *key)
{
	return json_string_value(json_object_get(c->req, key));
}

const char *
ctl_actor(const struct ctl_conn *c)
{
	(void)c;
	return actor;
}

struct mashd *
ctl_daemon(const struct ctl_conn *c)
{
	(void)c;
	return &hub;
}

/* An error: the sentence made as ctl.c makes it, sent (ctl_send). */
void
ctl_error(struct ctl_conn *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_mend(msg); /* as ctl.c's */
	ctl_send(c, json_pack("{sbss}", "ok", 0, "error", msg));
}

/* A client that reads all it is sent, at once: its pages written. */
void
ctl_when_drained(struct ctl_conn *c, ctl_drained_cb *fn, void *arg)
{
	fn(c, arg);
}

void
store_flush(struct store *st)
{
	(void)st;
}

const char *
store_refusal(const struct store *st)
{
	(void)st;
	return NULL;
}

/* ctl_watch.c holds a Redis subscriber and writes notices to the socket:
 * not here. Its request is answered as mashd answers it. */
void
ctl_watch(struct ctl_conn *c)
{
	ctl_send(c, json_pack("{sb sb}", "ok", 1, "live", 0));
}

#endif
