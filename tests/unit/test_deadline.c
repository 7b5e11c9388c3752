/*
 * test_deadline: the timers of SPEC sections 4 and 5 for every channel
 * and rating, elapsed time across the clock changes of 2025-2027, and
 * the spans one at a time. Every instant is written in UTC ("Z"); the
 * comments give the London wall time (GMT, or BST = UTC+1 in summer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/deadline.h"
#include "mash/timeutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int64_t
at(const char *iso)
{
	int64_t ms = 0;

	if (iso == NULL)
		return 0;
	if (mash_time_parse(iso, &ms) != 0)
		fail_msg("bad instant in the test table: %s", iso);
	return ms;
}

static void
expect_instant(const char *what, int64_t got, const char *want)
{
	char g[MASH_TIME_BUFSZ];

	if (want == NULL && got != 0)
		fail_msg("%s: got %s, want none", what,
			 mash_time_format(got, g));
	if (want != NULL && got != at(want))
		fail_msg("%s: got %s, want %s", what,
			 got == 0 ? "none" : mash_time_format(got, g), want);
}

static struct calendar *
hub_calendar(void)
{
	static char path[4096];
	const char *top = getenv("MASH_TOP");
	struct calendar_options o;
	struct calendar *cal;
	char err[512] = "";

	snprintf(path, sizeof(path), "%s/conf/bank-holidays.json",
		 top != NULL && top[0] != '\0' ? top : ".");
	calendar_options_default(&o);
	o.holidays_file = path;
	if ((cal = calendar_new(&o, err, sizeof(err))) == NULL)
		fail_msg("calendar_new: %s", err);
	return cal;
}

/* ---- Names and defaults -------------------------------------------- */

static void
test_timer_names(void **state)
{
	static const struct {
		enum timer_kind k;
		const char *name;
	} names[] = {
	    {TIMER_DECISION, "decision"},
	    {TIMER_ESCALATION, "escalation"},
	    {TIMER_WRITTEN, "written"},
	    {TIMER_SCREENING, "screening"},
	    {TIMER_DECISION_WARNING, "decision_warning"},
	    {TIMER_SCREENING_ESCALATE, "screening_escalate"},
	    {TIMER_OVERDUE_REMINDER, "overdue_reminder"},
	};
	enum timer_kind k;

	(void)state;
	assert_int_equal(N(names), TIMER_COUNT);
	for (size_t i = 0; i < N(names); i++) {
		assert_string_equal(timer_name(names[i].k), names[i].name);
		k = TIMER_COUNT;
		assert_int_equal(timer_parse(names[i].name, &k), 0);
		assert_int_equal(k, names[i].k);
	}
	assert_int_equal(timer_parse("Decision", &k), 0);
	assert_int_equal(k, TIMER_DECISION);
	assert_int_equal(timer_parse("decision-warning", &k), -1);
	assert_int_equal(timer_parse("", &k), -1);
	assert_int_equal(timer_parse(NULL, &k), -1);
	assert_string_equal(timer_name((enum timer_kind)99), "unknown");
}

static void
test_rules_default(void **state)
{
	struct deadline_rules r;

	(void)state;
	memset(&r, 0xff, sizeof(r));
	deadline_rules_default(&r);
	assert_int_equal(r.decision.unit, SPAN_WORKING_DAYS);
	assert_int_equal(r.decision.amount, 1);
	assert_int_equal(r.escalation.unit, SPAN_WORKING_DAYS);
	assert_int_equal(r.escalation.amount, 3);
	assert_int_equal(r.written.unit, SPAN_ELAPSED_MINUTES);
	assert_int_equal(r.written.amount, 24 * 60);
	assert_int_equal(r.screening[BRAG_RED].unit, SPAN_ELAPSED_MINUTES);
	assert_int_equal(r.screening[BRAG_RED].amount, 4 * 60);
	assert_int_equal(r.screening[BRAG_AMBER].unit, SPAN_WORKING_MINUTES);
	assert_int_equal(r.screening[BRAG_AMBER].amount, 6 * 60);
	assert_int_equal(r.screening[BRAG_GREEN].unit, SPAN_NONE);
	assert_int_equal(r.screening[BRAG_BLUE].unit, SPAN_NONE);
	assert_int_equal(r.decision_warning.unit, SPAN_WORKING_MINUTES);
	assert_int_equal(r.decision_warning.amount, 2 * 60);
}

/* ---- deadline_compute ---------------------------------------------- */

struct compute_case {
	const char *note;
	const char *received;
	const char *channel;
	enum brag brag;
	/* decision, escalation, written, screening, warning; NULL: none */
	const char *due[TIMER_COUNT];
};

static const struct compute_case compute_cases[] = {
    /* Winter, Tuesday 13 January 2026 15:00 GMT. */
    {"winter phone red",
     "2026-01-13T15:00:00Z",
     "phone",
     BRAG_RED,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", "2026-01-14T15:00:00Z",
      "2026-01-13T19:00:00Z", "2026-01-14T13:00:00Z"}},
    {"winter web amber",
     "2026-01-13T15:00:00Z",
     "web",
     BRAG_AMBER,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", NULL,
      "2026-01-14T11:30:00Z", "2026-01-14T13:00:00Z"}},
    {"winter partner green",
     "2026-01-13T15:00:00Z",
     "partner",
     BRAG_GREEN,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", NULL, NULL,
      "2026-01-14T13:00:00Z"}},
    {"winter email blue",
     "2026-01-13T15:00:00Z",
     "email",
     BRAG_BLUE,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", NULL, NULL,
      "2026-01-14T13:00:00Z"}},
    {"winter phone green",
     "2026-01-13T15:00:00Z",
     "phone",
     BRAG_GREEN,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", "2026-01-14T15:00:00Z",
      NULL, "2026-01-14T13:00:00Z"}},
    {"winter web red",
     "2026-01-13T15:00:00Z",
     "web",
     BRAG_RED,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", NULL,
      "2026-01-13T19:00:00Z", "2026-01-14T13:00:00Z"}},
    {"winter phone blue",
     "2026-01-13T15:00:00Z",
     "phone",
     BRAG_BLUE,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", "2026-01-14T15:00:00Z",
      NULL, "2026-01-14T13:00:00Z"}},
    /* Thursday 17:15: the decision is clamped to Friday's 16:30. */
    {"Thu 17:15 partner red",
     "2026-01-15T17:15:00Z",
     "partner",
     BRAG_RED,
     {"2026-01-16T16:30:00Z", "2026-01-20T17:15:00Z", NULL,
      "2026-01-15T21:15:00Z", "2026-01-16T14:30:00Z"}},
    /* Friday 22:00: red screening runs through the night; the rest
     * waits for Monday 08:00. */
    {"Friday night phone red",
     "2026-01-16T22:00:00Z",
     "phone",
     BRAG_RED,
     {"2026-01-20T08:00:00Z", "2026-01-22T08:00:00Z", "2026-01-17T22:00:00Z",
      "2026-01-17T02:00:00Z", "2026-01-19T15:30:00Z"}},
    {"Friday night email amber",
     "2026-01-16T22:00:00Z",
     "email",
     BRAG_AMBER,
     {"2026-01-20T08:00:00Z", "2026-01-22T08:00:00Z", NULL,
      "2026-01-19T14:00:00Z", "2026-01-19T15:30:00Z"}},
    /* Summer, Wednesday 17 June 2026 10:30 BST. */
    {"summer phone amber",
     "2026-06-17T09:30:00Z",
     "phone",
     BRAG_AMBER,
     {"2026-06-18T09:30:00Z", "2026-06-22T09:30:00Z", "2026-06-18T09:30:00Z",
      "2026-06-17T15:30:00Z", "2026-06-18T07:30:00Z"}},
    {"summer web red",
     "2026-06-17T09:30:00Z",
     "web",
     BRAG_RED,
     {"2026-06-18T09:30:00Z", "2026-06-22T09:30:00Z", NULL,
      "2026-06-17T13:30:00Z", "2026-06-18T07:30:00Z"}},
    /* Thursday before Easter, 2 April 2026 15:00 BST. */
    {"Easter email amber",
     "2026-04-02T14:00:00Z",
     "email",
     BRAG_AMBER,
     {"2026-04-07T14:00:00Z", "2026-04-09T14:00:00Z", NULL,
      "2026-04-07T10:30:00Z", "2026-04-07T12:00:00Z"}},
    {"Easter phone red",
     "2026-04-02T14:00:00Z",
     "phone",
     BRAG_RED,
     {"2026-04-07T14:00:00Z", "2026-04-09T14:00:00Z", "2026-04-03T14:00:00Z",
      "2026-04-02T18:00:00Z", "2026-04-07T12:00:00Z"}},
    /* Christmas 2026: Friday 25, Boxing Day substitute Monday 28. */
    {"Wed 23 Dec 16:00 phone red",
     "2026-12-23T16:00:00Z",
     "phone",
     BRAG_RED,
     {"2026-12-24T16:00:00Z", "2026-12-30T16:00:00Z", "2026-12-24T16:00:00Z",
      "2026-12-23T20:00:00Z", "2026-12-24T14:00:00Z"}},
    {"Thu 24 Dec 10:00 web amber",
     "2026-12-24T10:00:00Z",
     "web",
     BRAG_AMBER,
     {"2026-12-29T10:00:00Z", "2026-12-31T10:00:00Z", NULL,
      "2026-12-24T16:00:00Z", "2026-12-29T08:00:00Z"}},
    {"Thu 24 Dec 16:00 phone amber",
     "2026-12-24T16:00:00Z",
     "phone",
     BRAG_AMBER,
     {"2026-12-29T16:00:00Z", "2026-12-31T16:00:00Z", "2026-12-25T16:00:00Z",
      "2026-12-29T12:30:00Z", "2026-12-29T14:00:00Z"}},
    /* Friday 27 March 2026 16:00 GMT; Monday is BST. */
    {"spring clock change phone amber",
     "2026-03-27T16:00:00Z",
     "phone",
     BRAG_AMBER,
     {"2026-03-30T15:00:00Z", "2026-04-01T15:00:00Z", "2026-03-28T16:00:00Z",
      "2026-03-30T12:30:00Z", "2026-03-30T13:00:00Z"}},
    /* Saturday 24 October 2026 12:00 BST; Sunday is GMT from 02:00. */
    {"autumn clock change phone red",
     "2026-10-24T11:00:00Z",
     "phone",
     BRAG_RED,
     {"2026-10-27T08:00:00Z", "2026-10-29T08:00:00Z", "2026-10-25T11:00:00Z",
      "2026-10-24T15:00:00Z", "2026-10-26T15:30:00Z"}},
    /* Only "phone" starts the written-confirmation timer. */
    {"unknown channel",
     "2026-01-13T15:00:00Z",
     "fax",
     BRAG_GREEN,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", NULL, NULL,
      "2026-01-14T13:00:00Z"}},
    {"no channel",
     "2026-01-13T15:00:00Z",
     NULL,
     BRAG_GREEN,
     {"2026-01-14T15:00:00Z", "2026-01-16T15:00:00Z", NULL, NULL,
      "2026-01-14T13:00:00Z"}},
};

static void
run_compute(const struct calendar *cal, const struct deadline_rules *r,
	    const struct compute_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct deadlines d;

		memset(&d, 0xff, sizeof(d));
		deadline_compute(cal, r, at(c[i].received), c[i].channel,
				 c[i].brag, &d);
		for (int t = 0; t < TIMER_COUNT; t++) {
			char what[256];

			/* test_screening_escalate's own */
			if (t == TIMER_SCREENING_ESCALATE)
				continue;
			snprintf(what, sizeof(what), "%s (%s): %s", c[i].note,
				 c[i].received, timer_name(t));
			expect_instant(what, d.due[t], c[i].due[t]);
		}
	}
}

/* The supervisors' stage of a missed screening: 2 working hours after
 * the screening's due time by default; none without a screening. */
static void
test_screening_escalate(void **state)
{
	static const struct {
		const char *received;
		enum brag brag;
		const char *want;
	} c[] = {
	    /* screening Wednesday 11:30 */
	    {"2026-01-13T15:00:00Z", BRAG_AMBER, "2026-01-14T13:30:00Z"},
	    /* screening Saturday 02:00, elapsed: Monday 08:00 + 2 h */
	    {"2026-01-16T22:00:00Z", BRAG_RED, "2026-01-19T10:00:00Z"},
	    /* screening Christmas Eve 16:00: 1.5 h that day, then Tuesday
	     * 29th (25th, 28th closed) */
	    {"2026-12-24T10:00:00Z", BRAG_AMBER, "2026-12-29T08:30:00Z"},
	    {"2026-01-13T15:00:00Z", BRAG_GREEN, NULL},
	};
	struct calendar *cal = hub_calendar();
	struct deadline_rules r;
	struct deadlines d;

	(void)state;
	deadline_rules_default(&r);
	for (size_t i = 0; i < N(c); i++) {
		deadline_compute(cal, &r, at(c[i].received), "web", c[i].brag,
				 &d);
		expect_instant(c[i].received, d.due[TIMER_SCREENING_ESCALATE],
			       c[i].want);
	}
	r.screening_escalate = (struct span){SPAN_NONE, 0};
	deadline_compute(cal, &r, at(c[0].received), "web", BRAG_AMBER, &d);
	assert_int_equal(d.due[TIMER_SCREENING_ESCALATE], 0);
	calendar_free(cal);
}

static void
test_compute(void **state)
{
	struct calendar *cal = hub_calendar();
	struct deadline_rules r;

	(void)state;
	deadline_rules_default(&r);
	run_compute(cal, &r, compute_cases, N(compute_cases));
	calendar_free(cal);
}

/* A hub's own rules, as mashd.conf may set them. */
static const struct compute_case custom_cases[] = {
    /* decision 2 working days, warning 1 working day before; green
     * screened in 1 working day; written 48 hours; no escalation. */
    {"custom phone green",
     "2026-01-13T15:00:00Z",
     "phone",
     BRAG_GREEN,
     {"2026-01-15T15:00:00Z", NULL, "2026-01-15T15:00:00Z",
      "2026-01-14T15:00:00Z", "2026-01-14T15:00:00Z"}},
    {"custom web red, 30 minutes",
     "2026-01-13T23:50:00Z",
     "web",
     BRAG_RED,
     {"2026-01-16T08:00:00Z", NULL, NULL, "2026-01-14T00:20:00Z",
      "2026-01-15T08:00:00Z"}},
};

static void
test_compute_custom(void **state)
{
	struct calendar *cal = hub_calendar();
	struct deadline_rules r;

	(void)state;
	deadline_rules_default(&r);
	r.decision = (struct span){SPAN_WORKING_DAYS, 2};
	r.decision_warning = (struct span){SPAN_WORKING_DAYS, 1};
	r.escalation = (struct span){SPAN_NONE, 0};
	r.written = (struct span){SPAN_ELAPSED_MINUTES, 48 * 60};
	r.screening[BRAG_GREEN] = (struct span){SPAN_WORKING_DAYS, 1};
	r.screening[BRAG_RED] = (struct span){SPAN_ELAPSED_MINUTES, 30};
	run_compute(cal, &r, custom_cases, N(custom_cases));

	/* No warning at all. */
	{
		struct deadlines d;

		r.decision_warning = (struct span){SPAN_NONE, 0};
		deadline_compute(cal, &r, at("2026-01-13T15:00:00Z"), "web",
				 BRAG_AMBER, &d);
		assert_int_equal(d.due[TIMER_DECISION_WARNING], 0);
		assert_int_equal(d.due[TIMER_DECISION],
				 at("2026-01-15T15:00:00Z"));
	}
	calendar_free(cal);
}

/* ---- One span at a time -------------------------------------------- */

struct span_case {
	const char *note;
	bool before; /* deadline_before, else deadline_after */
	struct span span;
	const char *from;
	const char *want; /* NULL: 0 */
};

#define ELAPSED(m)                                                             \
	{                                                                      \
		SPAN_ELAPSED_MINUTES, (m)                                      \
	}
#define WORKING_MIN(m)                                                         \
	{                                                                      \
		SPAN_WORKING_MINUTES, (m)                                      \
	}
#define WORKING_DAYS(n)                                                        \
	{                                                                      \
		SPAN_WORKING_DAYS, (n)                                         \
	}
#define NONE                                                                   \
	{                                                                      \
		SPAN_NONE, 0                                                   \
	}

static const struct span_case span_cases[] = {
    /* 24 elapsed hours are 24 real hours across every clock change:
     * the wall clock shows 25 or 23 hours later. */
    {"2025 spring: Sat 12:00 GMT + 24 h = Sun 13:00 BST", false,
     ELAPSED(24 * 60), "2025-03-29T12:00:00Z", "2025-03-30T12:00:00Z"},
    {"2025 autumn: Sat 13:00 BST + 24 h = Sun 12:00 GMT", false,
     ELAPSED(24 * 60), "2025-10-25T12:00:00Z", "2025-10-26T12:00:00Z"},
    {"2026 spring: Sat 12:00 GMT + 24 h", false, ELAPSED(24 * 60),
     "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"},
    {"2026 autumn: Sat 12:00 BST + 24 h = Sun 11:00 GMT", false,
     ELAPSED(24 * 60), "2026-10-24T11:00:00Z", "2026-10-25T11:00:00Z"},
    {"2027 spring: Sat 12:00 GMT + 24 h", false, ELAPSED(24 * 60),
     "2027-03-27T12:00:00Z", "2027-03-28T12:00:00Z"},
    {"2027 autumn: Sat 13:00 BST + 24 h", false, ELAPSED(24 * 60),
     "2027-10-30T12:00:00Z", "2027-10-31T12:00:00Z"},
    {"2026 spring: red 4 h from 00:30 GMT, over the missing hour", false,
     ELAPSED(4 * 60), "2026-03-29T00:30:00Z", "2026-03-29T04:30:00Z"},
    {"2026 autumn: red 4 h from 01:30 BST, over the repeated hour", false,
     ELAPSED(4 * 60), "2026-10-25T00:30:00Z", "2026-10-25T04:30:00Z"},
    {"2026 spring: 2 h just before the change", false, ELAPSED(120),
     "2026-03-28T23:30:00Z", "2026-03-29T01:30:00Z"},
    {"2027 autumn: 2 h just after the change", false, ELAPSED(120),
     "2027-10-31T01:00:00Z", "2027-10-31T03:00:00Z"},
    {"working minutes", false, WORKING_MIN(360), "2026-03-27T16:00:00Z",
     "2026-03-30T12:30:00Z"},
    {"working days", false, WORKING_DAYS(1), "2026-03-27T16:00:00Z",
     "2026-03-30T15:00:00Z"},
    {"none", false, NONE, "2026-03-27T16:00:00Z", NULL},
    {"an hour before", true, ELAPSED(60), "2026-01-14T15:00:00Z",
     "2026-01-14T14:00:00Z"},
    {"24 h before, over the autumn change", true, ELAPSED(24 * 60),
     "2026-10-25T11:00:00Z", "2026-10-24T11:00:00Z"},
    {"2 working h before, into the day before", true, WORKING_MIN(120),
     "2026-01-14T09:00:00Z", "2026-01-13T16:30:00Z"},
    {"1 working day before", true, WORKING_DAYS(1), "2026-01-14T15:00:00Z",
     "2026-01-13T15:00:00Z"},
    {"0 working days before", true, WORKING_DAYS(0), "2026-01-14T15:00:00Z",
     "2026-01-14T15:00:00Z"},
    {"none before", true, NONE, "2026-01-14T15:00:00Z", NULL},
};

static void
test_spans(void **state)
{
	struct calendar *cal = hub_calendar();

	(void)state;
	for (size_t i = 0; i < N(span_cases); i++) {
		const struct span_case *c = &span_cases[i];
		int64_t got = c->before
				  ? deadline_before(cal, &c->span, at(c->from))
				  : deadline_after(cal, &c->span, at(c->from));

		expect_instant(c->note, got, c->want);
	}
	/* Nothing is due before "no due time". */
	{
		struct span s = WORKING_MIN(120);

		assert_int_equal(deadline_before(cal, &s, 0), 0);
	}
	calendar_free(cal);
}

/* A due time the calendar cannot reach within ten years is none. */
static void
test_unreachable(void **state)
{
	struct calendar_options o;
	struct deadline_rules r;
	struct deadlines d;
	struct calendar *cal;
	char err[256] = "";

	(void)state;
	calendar_options_default(&o);
	for (int i = 0; i < 7; i++)
		o.hours[i] = (struct calendar_hours){-1, -1};
	o.hours[1] = (struct calendar_hours){9 * 60, 10 * 60};
	cal = calendar_new(&o, err, sizeof(err));
	assert_non_null(cal);
	deadline_rules_default(&r);
	r.decision = (struct span){SPAN_WORKING_DAYS, 5000};
	r.screening[BRAG_AMBER] = (struct span){SPAN_WORKING_MINUTES, 6000000};
	deadline_compute(cal, &r, at("2026-01-13T15:00:00Z"), "phone",
			 BRAG_AMBER, &d);
	assert_int_equal(d.due[TIMER_DECISION], 0);
	assert_int_equal(d.due[TIMER_DECISION_WARNING], 0);
	assert_int_equal(d.due[TIMER_SCREENING], 0);
	/* Escalation: next_open is Monday 19 January 09:00, then three
	 * Mondays on: 26 January, 2 and 9 February. */
	assert_int_equal(d.due[TIMER_ESCALATION], at("2026-02-09T09:00:00Z"));
	assert_int_equal(d.due[TIMER_WRITTEN], at("2026-01-14T15:00:00Z"));
	calendar_free(cal);
}

/* The queue: BRAG rank first, then the earliest running deadline. */
static void
test_queue_score(void **state)
{
	struct deadlines late = {{0}}, early = {{0}}, none = {{0}};

	(void)state;
	late.due[TIMER_DECISION] = 1795000000000LL;
	early.due[TIMER_DECISION] = 1795000000000LL;
	early.due[TIMER_SCREENING] = 1794000000000LL;
	/* Screening, when earlier, orders; else the decision; else receipt. */
	assert_int_equal(deadline_queue_score(BRAG_AMBER, &early, 1),
			 QUEUE_RANK_WIDTH + 1794000000000LL);
	assert_int_equal(deadline_queue_score(BRAG_AMBER, &late, 1),
			 QUEUE_RANK_WIDTH + 1795000000000LL);
	assert_int_equal(deadline_queue_score(BRAG_BLUE, &none, 42),
			 3 * QUEUE_RANK_WIDTH + 42);
	/* Any red before any amber, however late its deadline. */
	assert_true(deadline_queue_score(BRAG_RED, &late, 1) <
		    deadline_queue_score(BRAG_AMBER, &early, 1));
	/* Exact as a double, as a Redis score is. */
	assert_true(
	    (int64_t)(double)deadline_queue_score(BRAG_BLUE, &late, 1) ==
	    deadline_queue_score(BRAG_BLUE, &late, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timer_names),
	    cmocka_unit_test(test_rules_default),
	    cmocka_unit_test(test_compute),
	    cmocka_unit_test(test_screening_escalate),
	    cmocka_unit_test(test_compute_custom),
	    cmocka_unit_test(test_spans),
	    cmocka_unit_test(test_unreachable),
	    cmocka_unit_test(test_queue_score),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
