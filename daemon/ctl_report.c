/*
 * ctl_report.c owns the `report` command (ctl_report.h): it reads the
 * audit stream in pages of REPORT_PAGE events, one Lua call each
 * (report_events.lua), feeds report.c, and answers its figures. The
 * first page audits the reading. A range is given as local dates (the
 * hub's zone: --to's whole day is in it) or as ISO 8601 instants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/report.h"
#include "mash/timeutil.h"
#include "mash/jfield.h"

#include "clock.h"
#include "ctl.h"
#include "ctl_report.h"
#include "store.h"

#define REPORT_PAGE 1000
/* Stream ids are Redis's clock, `at` mashd's: read this much either side
 * of the range, and let `at` decide. */
#define REPORT_MARGIN_MS (3600 * 1000LL)

struct walk {
	struct ctl_conn *c;
	struct report *r;
	enum report_by by;
	int64_t from, to;
	char after[64];
	char audit[160];
};

static void walk_page(const json_t *ans, const char *err, void *arg);

/* A local date ("2026-11-23": its midnight in the hub's zone, or the next
 * one with `end`) or an ISO 8601 instant; -1 for neither. */
static int
range_instant(const char *s, bool end, int64_t *out)
{
	struct tm tm;
	int y, m, d;
	time_t t;

	if (s != NULL && mash_time_parse(s, out) == 0)
		return 0;
	if (s == NULL || mash_date_parse(s, &y, &m, &d) != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + (end ? 1 : 0);
	tm.tm_isdst = -1; /* the process's TZ is the hub's (calendar.c) */
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)t * 1000;
	return 0;
}

static void
walk_free(struct walk *w)
{
	report_free(w->r);
	free(w);
}

static int
walk_next(struct walk *w, bool first)
{
	char start[32], stop[32];

	snprintf(start, sizeof(start), "%lld",
		 (long long)(w->from - REPORT_MARGIN_MS));
	snprintf(stop, sizeof(stop), "%lld",
		 (long long)(w->to + REPORT_MARGIN_MS));
	return store_call_json(
	    ctl_daemon(w->c)->store, SCRIPT_REPORT_EVENTS,
	    json_pack("{ss ss ss si ss ss sI}", "start", start, "after",
		      w->after, "stop", stop, "limit", REPORT_PAGE, "audit",
		      first ? w->audit : "", "actor", ctl_actor(w->c), "at",
		      (json_int_t)clock_now_ms()),
	    walk_page, w);
}

static void
walk_answer(struct walk *w)
{
	const struct calendar *cal = ctl_daemon(w->c)->conf->calendar;
	char a[MASH_TIME_BUFSZ], b[MASH_TIME_BUFSZ], la[64], lb[64];
	json_t *o = report_json(w->r, w->by);

	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "from",
			    json_string(mash_time_format(w->from, a)));
	json_object_set_new(o, "to", json_string(mash_time_format(w->to, b)));
	json_object_set_new(
	    o, "from_local",
	    json_string(calendar_format_local(cal, w->from, la, sizeof(la))));
	json_object_set_new(
	    o, "to_local",
	    json_string(calendar_format_local(cal, w->to, lb, sizeof(lb))));
	json_object_set_new(o, "by",
			    w->by == REPORT_BY_NONE
				? json_null()
				: json_string(report_by_name(w->by)));
	ctl_send(w->c, o);
}

/* One page's events into the report. -1 when the report is full. */
static int
walk_feed(struct walk *w, const json_t *ans)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(ans, "events"), i, e)
	{
		struct report_event ev = {
		    jfield(e, "ref"), strtoll(jfield(e, "at"), NULL, 10),
		    jfield(e, "action"), jfield(e, "detail")};

		if (report_add(w->r, &ev) != 0)
			return -1;
	}
	snprintf(w->after, sizeof(w->after), "%s", jfield(ans, "after"));
	return 0;
}

static void
walk_page(const json_t *ans, const char *err, void *arg)
{
	struct walk *w = arg;
	struct ctl_conn *c = w->c;

	if (err != NULL) {
		ctl_error(c, "no report: %s", ctl_refusal(err));
	} else if (walk_feed(w, ans) != 0) {
		ctl_error(c,
			  "no report: the range holds more than %d "
			  "referrals (or mashd ran out of memory); ask "
			  "for a shorter one",
			  REPORT_MAX_REFERRALS);
	} else if (json_is_true(json_object_get(ans, "done"))) {
		walk_answer(w);
	} else if (walk_next(w, false) == 0) {
		return; /* the connection stays held for the next page */
	} else {
		ctl_error(c, "no report: the referral store went away; ask "
			     "again");
	}
	walk_free(w);
	ctl_done(c);
}

void
ctl_report(struct ctl_conn *c)
{
	const struct mash_config *conf = ctl_daemon(c)->conf;
	char fa[MASH_TIME_BUFSZ], ta[MASH_TIME_BUFSZ];
	int64_t from, to;
	enum report_by by;
	struct walk *w;

	if (range_instant(ctl_arg(c, "from"), false, &from) != 0 ||
	    range_instant(ctl_arg(c, "to"), true, &to) != 0) {
		ctl_error(c, "a report needs --from and --to, each a date "
			     "(2026-11-23, the hub's local day) or an ISO "
			     "8601 instant");
		return;
	}
	if (to <= from) {
		ctl_error(c, "the report's range is empty: --to is before "
			     "--from");
		return;
	}
	if (report_by_parse(ctl_arg(c, "by"), &by) != 0) {
		ctl_error(c,
			  "unknown --by \"%s\": use brag, channel, agency "
			  "or outcome",
			  ctl_arg(c, "by"));
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->r = report_new(conf->calendar, &conf->timers, from, to)) ==
		NULL) {
		free(w);
		ctl_error(c, "no report: mashd is out of memory");
		return;
	}
	w->c = c;
	w->by = by;
	w->from = from;
	w->to = to;
	snprintf(w->audit, sizeof(w->audit), "report from=%s to=%s by=%s",
		 mash_time_format(from, fa), mash_time_format(to, ta),
		 by == REPORT_BY_NONE ? "-" : report_by_name(by));
	if (walk_next(w, true) != 0) {
		walk_free(w);
		ctl_error(c, "the referral store is unreachable; try again");
		return;
	}
	ctl_wait(c, true);
}
