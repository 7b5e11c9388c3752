/*
 * deadline.c owns the statutory timers of a referral (SPEC sections 4 and
 * 5): their names, the default rules, and when each falls due. Pure: the
 * calendar answers every question of working time; elapsed time is plain
 * UTC arithmetic, so across a clock change 24 hours is 24 hours.
 */
#include <limits.h>
#include <string.h>

#include "mash/deadline.h"
#include "mash/timeutil.h"

#define MS_PER_MIN 60000LL

void
deadline_rules_default(struct deadline_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->decision = (struct span){SPAN_WORKING_DAYS, 1};
	r->escalation = (struct span){SPAN_WORKING_DAYS, 3};
	r->written = (struct span){SPAN_ELAPSED_MINUTES, 24 * 60};
	r->screening[BRAG_RED] = (struct span){SPAN_ELAPSED_MINUTES, 4 * 60};
	r->screening[BRAG_AMBER] = (struct span){SPAN_WORKING_MINUTES, 6 * 60};
	r->screening[BRAG_GREEN] = (struct span){SPAN_NONE, 0};
	r->screening[BRAG_BLUE] = (struct span){SPAN_NONE, 0};
	r->decision_warning = (struct span){SPAN_WORKING_MINUTES, 2 * 60};
	r->screening_escalate = (struct span){SPAN_WORKING_MINUTES, 2 * 60};
	r->overdue_repeat = (struct span){SPAN_WORKING_MINUTES, 2 * 60};
	r->overdue_supervisor = 2;
	r->overdue_manager = 4;
}

static int
clamp_days(int64_t n)
{
	return n > INT_MAX ? INT_MAX : n < INT_MIN ? INT_MIN : (int)n;
}

/* Elapsed minutes, or 0 when the sum leaves the range of an instant. */
static int64_t
elapsed(int64_t t, int64_t minutes)
{
	if (minutes > INT64_MAX / MS_PER_MIN ||
	    minutes < -INT64_MAX / MS_PER_MIN)
		return 0;
	if ((minutes > 0 && t > INT64_MAX - minutes * MS_PER_MIN) ||
	    (minutes < 0 && t < INT64_MIN - minutes * MS_PER_MIN))
		return 0;
	return t + minutes * MS_PER_MIN;
}

/* A due time the calendar could not find is no due time at all. */
static int64_t
never_to_none(int64_t t)
{
	return t == CALENDAR_NEVER ? 0 : t;
}

int64_t
deadline_after(const struct calendar *cal, const struct span *s,
	       int64_t from_ms)
{
	return deadline_after_traced(cal, s, from_ms, NULL);
}

/* Elapsed time's walk: no office time, so only its end, for the trace. */
static int64_t
elapsed_traced(int64_t t, int64_t minutes, const struct calendar_trace *tr)
{
	int64_t end = elapsed(t, minutes);
	struct calendar_step st = {CALENDAR_STEP_END, 0,   t, end, 0,
				   CALENDAR_WORKING,  NULL};

	if (tr != NULL && tr->step != NULL && end != 0)
		tr->step(tr->arg, &st);
	return end;
}

int64_t
deadline_after_traced(const struct calendar *cal, const struct span *s,
		      int64_t from_ms, const struct calendar_trace *tr)
{
	if (!mash_instant_ok(from_ms))
		return 0;
	switch (s->unit) {
	case SPAN_ELAPSED_MINUTES:
		return elapsed_traced(from_ms, s->amount, tr);
	case SPAN_WORKING_MINUTES:
		return never_to_none(calendar_add_working_minutes_traced(
		    cal, from_ms, s->amount, tr));
	case SPAN_WORKING_DAYS:
		return never_to_none(calendar_add_working_days_traced(
		    cal, from_ms, clamp_days(s->amount), tr));
	case SPAN_NONE:
	default:
		return 0;
	}
}

int64_t
deadline_before(const struct calendar *cal, const struct span *s, int64_t to_ms)
{
	return deadline_before_traced(cal, s, to_ms, NULL);
}

int64_t
deadline_before_traced(const struct calendar *cal, const struct span *s,
		       int64_t to_ms, const struct calendar_trace *tr)
{
	if (to_ms == 0 || to_ms == CALENDAR_NEVER || !mash_instant_ok(to_ms))
		return 0;
	switch (s->unit) {
	case SPAN_ELAPSED_MINUTES:
		return elapsed_traced(to_ms, -s->amount, tr);
	case SPAN_WORKING_MINUTES:
		return never_to_none(calendar_sub_working_minutes_traced(
		    cal, to_ms, s->amount, tr));
	case SPAN_WORKING_DAYS:
		/* Zero working days before a due time is the due time. */
		if (s->amount <= 0)
			return to_ms;
		return never_to_none(calendar_sub_working_days_traced(
		    cal, to_ms, clamp_days(s->amount), tr));
	case SPAN_NONE:
	default:
		return 0;
	}
}

void
deadline_compute(const struct calendar *cal, const struct deadline_rules *r,
		 int64_t received_ms, const char *channel, enum brag b,
		 struct deadlines *out)
{
	memset(out, 0, sizeof(*out));
	out->due[TIMER_DECISION] =
	    deadline_after(cal, &r->decision, received_ms);
	out->due[TIMER_ESCALATION] =
	    deadline_after(cal, &r->escalation, received_ms);
	/* Only a telephone referral waits for its written confirmation. */
	if (channel != NULL &&
	    strcmp(channel, channel_names[CHANNEL_PHONE]) == 0)
		out->due[TIMER_WRITTEN] =
		    deadline_after(cal, &r->written, received_ms);
	if ((unsigned)b < BRAG_COUNT)
		out->due[TIMER_SCREENING] =
		    deadline_after(cal, &r->screening[b], received_ms);
	out->due[TIMER_DECISION_WARNING] = deadline_before(
	    cal, &r->decision_warning, out->due[TIMER_DECISION]);
	out->due[TIMER_SCREENING_ESCALATE] =
	    deadline_screening_escalate(cal, r, out->due[TIMER_SCREENING]);
}

int64_t
deadline_screening_escalate(const struct calendar *cal,
			    const struct deadline_rules *r, int64_t screening)
{
	return screening
		   ? deadline_after(cal, &r->screening_escalate, screening)
		   : 0;
}

int64_t
deadline_queue_score(enum brag b, const struct deadlines *dl,
		     int64_t received_ms)
{
	int64_t first =
	    dl->due[TIMER_DECISION] ? dl->due[TIMER_DECISION] : received_ms;

	if (dl->due[TIMER_SCREENING] && dl->due[TIMER_SCREENING] < first)
		first = dl->due[TIMER_SCREENING];
	return (int64_t)b * QUEUE_RANK_WIDTH + first;
}
