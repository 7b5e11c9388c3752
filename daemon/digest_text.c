/*
 * digest_text.c composes the daily digest; see digest_text.h.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/report.h"
#include "mash/jfield.h"
#include "mash/timeutil.h"

#include "digest_text.h"

/* What a part's "and N more" line and the parts after it may need. */
#define DIGEST_RESERVE 700

struct out {
	char *buf;
	size_t len, n;
};

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->n + 1 >= o->len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	o->n += (size_t)k < o->len - o->n ? (size_t)k : o->len - o->n - 1;
}

/* Room for one more item of a part. */
static bool
room(const struct out *o)
{
	return o->n + DIGEST_RESERVE < o->len;
}

static long long
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	return strtoll(jfield(o, key), NULL, 10);
}

static const char *
local(const struct calendar *cal, const char *ms, char *buf, size_t len)
{
	int64_t t;

	if (ms[0] == '\0')
		return "(no time)";
	if (mash_ms_parse(ms, &t) != 0)
		return MASH_TIME_DAMAGED;
	return calendar_format_local(cal, t, buf, len);
}

/* "uid:1000(alice)" is shown as alice; anything else as it is. */
static const char *
holder(const char *h, char *buf, size_t len)
{
	const char *open = strchr(h, '('), *close;

	if (h[0] == '\0')
		return "nobody (not claimed)";
	if (open != NULL && (close = strchr(open, ')')) != NULL &&
	    (size_t)(close - open) < len && close > open + 1) {
		memcpy(buf, open + 1, (size_t)(close - open - 1));
		buf[close - open - 1] = '\0';
		return buf;
	}
	return h;
}

/* "and N more" after a part's list, when it listed fewer than all. */
static void
more(struct out *o, size_t listed, long long n, const char *see)
{
	if ((long long)listed < n)
		put(o, "  and %lld more: %s\n", n - (long long)listed, see);
}

static void
part_overdue(struct out *o, const struct calendar *cal, const json_t *g,
	     int64_t now)
{
	const json_t *e;
	size_t i, listed = 0;
	char due[64], who[64];

	put(o, "\nDecisions overdue: %lld\n", num(g, "overdue_n"));
	json_array_foreach(json_object_get(g, "overdue"), i, e)
	{
		int64_t late, due_ms;

		if (!room(o))
			break;
		listed++;
		/* A record damaged: nothing of it known but its reference. */
		if (json_object_get(e, "damaged") != NULL) {
			put(o,
			    "  %s  record damaged (%s): its holder and "
			    "lateness unknown\n",
			    jfield(e, "id"), jfield(e, "damaged"));
			continue;
		}
		/* none, or none that is a time: no lateness from it */
		if (mash_ms_parse(jfield(e, "due"), &due_ms) != 0) {
			put(o,
			    "  %s  held by %s, its due time damaged: "
			    "lateness unknown\n",
			    jfield(e, "id"),
			    holder(jfield(e, "holder"), who, sizeof(who)));
			continue;
		}
		/* to the nearest minute */
		late = report_working_minutes(cal, due_ms, now + 30000);
		put(o,
		    "  %s  held by %s, late by %lld h %02lld min of working "
		    "time (due %s)\n",
		    jfield(e, "id"),
		    holder(jfield(e, "holder"), who, sizeof(who)),
		    (long long)late / 60, (long long)late % 60,
		    local(cal, jfield(e, "due"), due, sizeof(due)));
	}
	more(o, listed, num(g, "overdue_n"), "mashctl queue");
}

/* A part whose items are a reference and one instant. */
static void
part_list(struct out *o, const struct calendar *cal, const json_t *list,
	  long long n, const char *idkey, const char *atkey, const char *word,
	  const char *see)
{
	const json_t *e;
	size_t i, listed = 0;
	char at[64];

	json_array_foreach(list, i, e)
	{
		if (!room(o))
			break;
		if (json_object_get(e, "damaged") != NULL)
			put(o, "  %s  record damaged (%s)\n", jfield(e, idkey),
			    jfield(e, "damaged"));
		else
			put(o, "  %s  %s %s\n", jfield(e, idkey), word,
			    local(cal, jfield(e, atkey), at, sizeof(at)));
		listed++;
	}
	more(o, listed, n, see);
}

/* The timers deferred, not fired, for a damaged record (fire.lua). */
static void
part_damaged(struct out *o, const json_t *g)
{
	const json_t *e;
	size_t i, listed = 0;

	if (num(g, "damaged_n") == 0)
		return;
	put(o,
	    "\nTimers not fired, their referral's record damaged or missing "
	    "(looked at again hourly; restore it from a backup): %lld\n",
	    num(g, "damaged_n"));
	json_array_foreach(json_object_get(g, "damaged"), i, e)
	{
		if (!room(o))
			break;
		put(o, "  %s  %s\n", jfield(e, "ref"), jfield(e, "timer"));
		listed++;
	}
	more(o, listed, num(g, "damaged_n"),
	     "the gauge mashd_timers_damaged counts them, and the hub's "
	     "audit events \"damaged\" name each");
}

static void
part_dead_held(struct out *o, const struct calendar *cal, const json_t *g)
{
	const json_t *e;
	size_t i, listed = 0;
	char at[64];

	put(o,
	    "\nDead letters (alerts never delivered) since then: %lld "
	    "(%lld in all)\n",
	    num(g, "dead_n"), num(g, "dead_total"));
	json_array_foreach(json_object_get(g, "dead"), i, e)
	{
		if (!room(o))
			break;
		put(o, "  %s  %s alert, given up %s\n",
		    jfield(e, "ref")[0] ? jfield(e, "ref") : "(no referral)",
		    jfield(e, "event"),
		    local(cal, jfield(e, "at"), at, sizeof(at)));
		listed++;
	}
	more(o, listed, num(g, "dead_n"), "mashctl alerts --state dead");
	if (num(g, "held_n") == 0)
		return;
	listed = 0;
	put(o, "\nAlerts held for this digest (alerts.digest): %lld\n",
	    num(g, "held_n"));
	json_array_foreach(json_object_get(g, "held"), i, e)
	{
		if (!room(o))
			break;
		put(o, "  %s  %s (%s) %s\n", jfield(e, "ref"),
		    jfield(e, "event"), jfield(e, "brag"),
		    local(cal, jfield(e, "at"), at, sizeof(at)));
		listed++;
	}
	more(o, listed, num(g, "held_n"), "mashctl queue");
}

static void
part_timeliness(struct out *o, const struct calendar *cal, const json_t *t,
		const struct digest_when *w)
{
	const json_t *pct = json_object_get(t, "decided_in_time_pct");
	char a[64], b[64];

	put(o,
	    "\nTimeliness of the referrals received from %s to %s (as "
	    "mashctl report counts them):\n",
	    calendar_format_local(cal, w->from, a, sizeof(a)),
	    calendar_format_local(cal, w->to, b, sizeof(b)));
	if (t == NULL) {
		put(o, "  not known: more referrals than a report holds, or "
		       "mashd ran out of memory (mashctl report)\n");
		return;
	}
	put(o, "  received %lld, decided %lld, decided in time %lld",
	    num(t, "received"), num(t, "decided"), num(t, "decided_in_time"));
	if (json_is_number(pct))
		put(o, " (%.1f %%)\n", json_number_value(pct));
	else
		put(o, " (no percentage: none received)\n");
}

void
digest_text(const struct calendar *cal, const json_t *g, const json_t *total,
	    const struct digest_when *w, char *buf, size_t len, char *detail,
	    size_t dlen)
{
	struct out o = {buf, len, 0};
	char at[64], last[64];
	const char *last_at = jfield(g, "last_at");

	buf[0] = '\0';
	put(&o, "Daily digest of the hub for %s.\n",
	    calendar_format_local(cal, w->at, at, sizeof(at)));
	put(&o, "References and counts only: see each referral with "
		"mashctl show REF.\n");
	part_overdue(&o, cal, g, w->now);
	part_damaged(&o, g);
	put(&o, "\nEscalations fired %s%s: %lld%s\n",
	    last_at[0] ? "since " : "in the last 24 hours",
	    last_at[0] ? local(cal, last_at, last, sizeof(last)) : "",
	    num(g, "escalations_n"),
	    json_is_true(json_object_get(g, "escalations_partial"))
		? " (at least: the audit trail was read back only so far)"
		: "");
	part_list(&o, cal, json_object_get(g, "escalations"),
		  num(g, "escalations_n"), "id", "at", "fired",
		  "mashctl history REF");
	put(&o,
	    "\nWritten confirmations missing (telephone referrals past "
	    "their 24 hours): %lld\n",
	    num(g, "written_n"));
	part_list(&o, cal, json_object_get(g, "written"), num(g, "written_n"),
		  "id", "due", "was due", "mashctl queue");
	put(&o, "\nOpen call-back tasks: %lld\n", num(g, "callbacks_n"));
	part_list(&o, cal, json_object_get(g, "callbacks"),
		  num(g, "callbacks_n"), "ref", "due", "call back by",
		  "mashctl callbacks");
	part_dead_held(&o, cal, g);
	part_timeliness(&o, cal, total, w);
	snprintf(detail, dlen,
		 "overdue=%lld escalations=%lld written=%lld callbacks=%lld "
		 "dead=%lld held=%lld received=%lld decided=%lld "
		 "decided_in_time=%lld",
		 num(g, "overdue_n"), num(g, "escalations_n"),
		 num(g, "written_n"), num(g, "callbacks_n"), num(g, "dead_n"),
		 num(g, "held_n"), total ? num(total, "received") : -1,
		 total ? num(total, "decided") : -1,
		 total ? num(total, "decided_in_time") : -1);
}
