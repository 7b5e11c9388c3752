/*
 * explain.c: a timer's due time with the steps that reached it, as data
 * (include/mash/explain.h). The steps are told by the walk that computes
 * the due time (deadline_after_traced, deadline_before_traced), so what
 * `mashctl explain` shows is the computation itself. Clock changes are
 * found afterwards between the walk's first and last instants: the walks
 * measure office time in real elapsed time and need not stop at them.
 */
#include <stdio.h>
#include <string.h>

#include "mash/explain.h"
#include "mash/timeutil.h"

#define MS_PER_DAY 86400000LL
/* Clock changes are looked for within this many days of a walk. */
#define CHANGE_HORIZON_DAYS 400

struct walk {
	const struct calendar *cal;
	json_t *steps;
	int64_t first, last; /* the instants the walk went between */
};

static json_t *
instant(int64_t ms)
{
	char buf[MASH_TIME_BUFSZ];

	return json_string(mash_time_format(ms, buf));
}

static json_t *
date_of(int64_t day)
{
	char buf[16];
	int y, m, d;

	mash_civil_from_days(day, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	return json_string(buf);
}

static json_t *
hours_of(const struct calendar *cal, int64_t day)
{
	const struct calendar_hours *h =
	    &calendar_options(cal)->hours[mash_weekday(day)];
	char buf[48];

	snprintf(buf, sizeof(buf), "%02d:%02d-%02d:%02d", h->open / 60,
		 h->open % 60, h->close / 60, h->close % 60);
	return json_string(buf);
}

static const char *
closed_name(enum calendar_closed why, int64_t day)
{
	int wd = mash_weekday(day);

	switch (why) {
	case CALENDAR_CLOSED_WEEKDAY:
		return wd == 0 || wd == 6 ? "weekend" : "closed_weekday";
	case CALENDAR_BANK_HOLIDAY:
		return "bank_holiday";
	case CALENDAR_EXTRA_DAY:
		return "extra_day";
	case CALENDAR_NO_HOURS:
		return "no_hours";
	case CALENDAR_WORKING:
	default:
		return "working";
	}
}

static void
seen(struct walk *w, int64_t t)
{
	if (t < w->first)
		w->first = t;
	if (t > w->last)
		w->last = t;
}

static json_t *
start_step(const struct calendar_step *s)
{
	if (s->at == s->from)
		return json_pack("{ss so so}", "step", "open", "at",
				 instant(s->at), "date", date_of(s->day));
	return json_pack("{ss so so so}", "step",
			 s->at > s->from ? "next_open" : "last_close", "from",
			 instant(s->from), "at", instant(s->at), "date",
			 date_of(s->day));
}

static void
on_step(void *arg, const struct calendar_step *s)
{
	struct walk *w = arg;
	json_t *o = NULL;

	switch (s->kind) {
	case CALENDAR_STEP_START:
		seen(w, s->from);
		o = start_step(s);
		break;
	case CALENDAR_STEP_COUNT:
		o = json_pack("{ss so sI so}", "step", "count", "date",
			      date_of(s->day), "n", (json_int_t)s->n, "hours",
			      hours_of(w->cal, s->day));
		break;
	case CALENDAR_STEP_SKIP:
		o = json_pack("{ss so ss}", "step", "skip", "date",
			      date_of(s->day), "why",
			      closed_name(s->why, s->day));
		if (o != NULL && s->title != NULL)
			json_object_set_new(o, "title", json_string(s->title));
		break;
	case CALENDAR_STEP_HOURS:
		o = json_pack("{ss so so so sI}", "step", "hours", "date",
			      date_of(s->day), "from", instant(s->from), "to",
			      instant(s->at), "minutes", (json_int_t)s->n);
		break;
	case CALENDAR_STEP_END:
		seen(w, s->at);
		o = json_pack("{ss so sb}", "step", "due", "at", instant(s->at),
			      "clamped", s->n == 1);
		break;
	}
	if (o != NULL)
		json_array_append_new(w->steps, o);
}

/* Where a clock change on local date `date` goes: before the first day
 * after it, else before the due step. */
static size_t
change_pos(const json_t *steps, const char *date)
{
	size_t n = json_array_size(steps), i;

	for (i = 1; i + 1 < n; i++) {
		const char *d = json_string_value(
		    json_object_get(json_array_get(steps, i), "date"));

		if (d != NULL && strcmp(d, date) > 0)
			return i;
	}
	return n > 0 ? n - 1 : 0;
}

static void
clock_change(struct walk *w, int64_t lo, int64_t hi, long before)
{
	char from[16], to[16];
	long after;
	int64_t day;

	while (hi - lo > 1000) {
		int64_t mid = lo + (hi - lo) / 2;

		if (calendar_utc_offset(w->cal, mid, to, sizeof(to)) == before)
			lo = mid;
		else
			hi = mid;
	}
	calendar_utc_offset(w->cal, lo, from, sizeof(from));
	after = calendar_utc_offset(w->cal, hi, to, sizeof(to));
	day = (hi / 1000 + after) / 86400;
	json_t *date = date_of(day);
	json_array_insert_new(
	    w->steps, change_pos(w->steps, json_string_value(date)),
	    json_pack("{ss so so ss ss si}", "step", "clock_change", "at",
		      instant(hi), "date", date, "from", from, "to", to,
		      "shift_minutes", (int)((after - before) / 60)));
}

/* Every clock change between the walk's first and last instants. */
static void
clock_changes(struct walk *w)
{
	char abbr[16];
	int64_t t = w->first, end = w->last;
	long off = calendar_utc_offset(w->cal, t, abbr, sizeof(abbr));

	if (end - t > CHANGE_HORIZON_DAYS * MS_PER_DAY)
		end = t + CHANGE_HORIZON_DAYS * MS_PER_DAY;
	while (t < end) {
		int64_t next = t + MS_PER_DAY < end ? t + MS_PER_DAY : end;
		long o = calendar_utc_offset(w->cal, next, abbr, sizeof(abbr));

		if (o != off)
			clock_change(w, t, next, off);
		off = o;
		t = next;
	}
}

char *
explain_span(const struct span *s, char *buf, size_t len)
{
	long long a = (long long)s->amount;
	const char *unit = "";

	switch (s->unit) {
	case SPAN_WORKING_DAYS:
		unit = a == 1 ? "working day" : "working days";
		break;
	case SPAN_WORKING_MINUTES:
		if (a % 60 == 0 && a != 0) {
			a /= 60;
			unit = a == 1 ? "working hour" : "working hours";
		} else {
			unit = a == 1 ? "working minute" : "working minutes";
		}
		break;
	case SPAN_ELAPSED_MINUTES:
		if (a % 60 == 0 && a != 0) {
			a /= 60;
			unit = a == 1 ? "hour" : "hours";
		} else {
			unit = a == 1 ? "minute" : "minutes";
		}
		break;
	case SPAN_NONE:
	default:
		snprintf(buf, len, "none");
		return buf;
	}
	snprintf(buf, len, "%lld %s", a, unit);
	return buf;
}

/* The rule a timer follows, and the span it walks (NULL: none). */
static const struct span *
rule_of(const struct deadline_rules *r, const struct explain_in *in, char *rule,
	size_t len)
{
	const struct span *s = NULL;
	const char *anchor = "its start", *name = timer_name(in->timer);
	char span[48];

	if (in->why != NULL && strcmp(in->why, "receipt") == 0)
		anchor = in->timer == TIMER_WRITTEN ? "the call" : "receipt";
	else if (in->why != NULL && strcmp(in->why, "re-rating") == 0)
		anchor = "the re-rating";
	switch (in->timer) {
	case TIMER_DECISION:
		s = &r->decision;
		break;
	case TIMER_ESCALATION:
		s = &r->escalation;
		break;
	case TIMER_WRITTEN:
		s = &r->written;
		break;
	case TIMER_SCREENING:
		s = (unsigned)in->brag < BRAG_COUNT ? &r->screening[in->brag]
						    : NULL;
		break;
	case TIMER_DECISION_WARNING:
		s = &r->decision_warning;
		anchor = "before the decision's due time";
		break;
	case TIMER_SCREENING_ESCALATE:
		s = &r->screening_escalate;
		anchor = "after the screening's due time";
		break;
	case TIMER_OVERDUE_REMINDER:
	default:
		snprintf(rule, len,
			 "%s: every %s while the decision is overdue", name,
			 explain_span(&r->overdue_repeat, span, sizeof(span)));
		return NULL;
	}
	if (s == NULL || s->unit == SPAN_NONE) {
		snprintf(rule, len, "%s: none by the rules in force", name);
		return NULL;
	}
	explain_span(s, span, sizeof(span));
	if (in->timer == TIMER_DECISION_WARNING ||
	    in->timer == TIMER_SCREENING_ESCALATE)
		snprintf(rule, len, "%s: %s %s", name, span, anchor);
	else if (in->timer == TIMER_SCREENING)
		snprintf(rule, len, "%s: %s after %s (%s)", name, span, anchor,
			 brag_name(in->brag));
	else
		snprintf(rule, len, "%s: %s after %s", name, span, anchor);
	return s;
}

json_t *
explain_timer(const struct calendar *cal, const struct deadline_rules *r,
	      const struct explain_in *in, int64_t *due)
{
	struct calendar_trace tr;
	struct walk w = {cal, json_array(), INT64_MAX, INT64_MIN};
	const struct span *s;
	char rule[160];
	bool derived = in->timer == TIMER_DECISION_WARNING ||
		       in->timer == TIMER_SCREENING_ESCALATE;
	int64_t from = derived ? in->base : in->start;
	json_t *o;

	*due = 0;
	tr.step = on_step;
	tr.arg = &w;
	s = rule_of(r, in, rule, sizeof(rule));
	if (s != NULL && from != 0) {
		json_array_append_new(
		    w.steps,
		    json_pack("{ss so ss}", "step", "start", "at",
			      instant(from), "why",
			      derived ? (in->timer == TIMER_SCREENING_ESCALATE
					     ? "screening due"
					     : "decision due")
				      : (in->why ? in->why : "start")));
		seen(&w, from);
		*due = in->timer == TIMER_DECISION_WARNING
			   ? deadline_before_traced(cal, s, from, &tr)
			   : deadline_after_traced(cal, s, from, &tr);
		if (*due != 0)
			clock_changes(&w);
	}
	o = json_pack("{ss ss so ss so}", "timer", timer_name(in->timer),
		      "rule", rule, "start",
		      in->start ? instant(in->start) : json_null(), "why",
		      in->why ? in->why : "", "steps", w.steps);
	if (o != NULL) {
		json_object_set_new(o, "due",
				    *due ? instant(*due) : json_null());
		if (in->note != NULL)
			json_object_set_new(o, "note", json_string(in->note));
	}
	return o;
}
