/*
 * test_explain: mashctl explain's steps come from the walk that computes
 * the due time. Over many start instants (every 47 minutes across
 * Christmas 2026 and the clock changes of 2027, with the shipped gov.uk
 * file and extra closed days), each timer's traced due time equals the
 * one deadline_after/deadline_before compute, and the last step says so;
 * and the steps across Christmas and the spring clock change are checked
 * one by one. Every instant is UTC ("Z").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/calendar.h"
#include "mash/deadline.h"
#include "mash/explain.h"
#include "mash/timeutil.h"

static int64_t
at(const char *iso)
{
	int64_t ms = 0;

	if (mash_time_parse(iso, &ms) != 0)
		fail_msg("bad instant in the test table: %s", iso);
	return ms;
}

static struct calendar *
hub_calendar(bool extra)
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
	if (extra) {
		o.extra[o.nextra++] = mash_days_from_civil(2026, 12, 24);
		o.extra[o.nextra++] = mash_days_from_civil(2027, 10, 29);
		o.hours[6] = (struct calendar_hours){9 * 60, 12 * 60};
	}
	if ((cal = calendar_new(&o, err, sizeof(err))) == NULL)
		fail_msg("calendar_new: %s", err);
	return cal;
}

/* The due time of timer k from `start`, computed as the daemon does. */
static int64_t
computed(const struct calendar *cal, const struct deadline_rules *r,
	 enum timer_kind k, enum brag b, int64_t start, int64_t base)
{
	switch (k) {
	case TIMER_DECISION:
		return deadline_after(cal, &r->decision, start);
	case TIMER_ESCALATION:
		return deadline_after(cal, &r->escalation, start);
	case TIMER_WRITTEN:
		return deadline_after(cal, &r->written, start);
	case TIMER_SCREENING:
		return deadline_after(cal, &r->screening[b], start);
	case TIMER_DECISION_WARNING:
		return deadline_before(cal, &r->decision_warning, base);
	case TIMER_SCREENING_ESCALATE:
		return deadline_screening_escalate(cal, r, base);
	default:
		return 0;
	}
}

static void
check_one(const struct calendar *cal, const struct deadline_rules *r,
	  enum timer_kind k, enum brag b, int64_t start)
{
	struct explain_in in = {k, b, start, "receipt", 0, NULL};
	char want[MASH_TIME_BUFSZ], got[MASH_TIME_BUFSZ];
	int64_t due, expect;
	json_t *o, *steps, *last;

	if (k == TIMER_DECISION_WARNING)
		in.base = deadline_after(cal, &r->decision, start);
	if (k == TIMER_SCREENING_ESCALATE)
		in.base = deadline_after(cal, &r->screening[b], start);
	expect = computed(cal, r, k, b, start, in.base);
	o = explain_timer(cal, r, &in, &due);
	assert_non_null(o);
	if (due != expect)
		fail_msg("%s from %s: traced %s, computed %s", timer_name(k),
			 mash_time_format(start, got),
			 mash_time_format(due, got),
			 mash_time_format(expect, want));
	steps = json_object_get(o, "steps");
	last = json_array_get(steps, json_array_size(steps) - 1);
	if (expect != 0) {
		mash_time_format(expect, want);
		assert_string_equal(
		    json_string_value(json_object_get(o, "due")), want);
		assert_string_equal(
		    json_string_value(json_object_get(last, "step")), "due");
		assert_string_equal(
		    json_string_value(json_object_get(last, "at")), want);
	}
	json_decref(o);
}

static void
sweep(const struct calendar *cal, const struct deadline_rules *r,
      const char *from, const char *to)
{
	for (int64_t t = at(from); t < at(to); t += 47 * 60000LL)
		for (int k = 0; k < TIMER_OVERDUE_REMINDER; k++)
			for (int b = 0; b < BRAG_COUNT; b++) {
				if (k != TIMER_SCREENING &&
				    k != TIMER_SCREENING_ESCALATE && b > 0)
					break;
				check_one(cal, r, (enum timer_kind)k,
					  (enum brag)b, t);
			}
}

static void
test_traced_equals_computed(void **state)
{
	struct deadline_rules r, odd;

	(void)state;
	deadline_rules_default(&r);
	odd = r;
	odd.decision = (struct span){SPAN_WORKING_DAYS, 2};
	odd.decision_warning = (struct span){SPAN_WORKING_DAYS, 1};
	odd.screening[BRAG_AMBER] = (struct span){SPAN_WORKING_MINUTES, 1000};
	for (int e = 0; e < 2; e++) {
		struct calendar *cal = hub_calendar(e == 1);

		sweep(cal, &r, "2026-12-22T00:00:00Z", "2027-01-05T00:00:00Z");
		sweep(cal, &r, "2027-03-24T00:00:00Z", "2027-04-02T00:00:00Z");
		sweep(cal, &r, "2027-10-27T00:00:00Z", "2027-11-02T00:00:00Z");
		sweep(cal, &odd, "2027-03-25T00:00:00Z",
		      "2027-03-31T00:00:00Z");
		calendar_free(cal);
	}
}

static const char *
field(const json_t *steps, size_t i, const char *k)
{
	const char *v =
	    json_string_value(json_object_get(json_array_get(steps, i), k));

	return v ? v : "";
}

/* Thu 24 Dec 2026 15:00 GMT: Christmas, the weekend, the substitute
 * Boxing Day, then Tue 29 Dec counted. */
static void
test_christmas_steps(void **state)
{
	struct calendar *cal = hub_calendar(false);
	struct deadline_rules r;
	struct explain_in in = {
	    TIMER_DECISION, BRAG_AMBER, at("2026-12-24T15:00:00Z"),
	    "receipt",	    0,		NULL};
	int64_t due;
	json_t *o, *s;

	(void)state;
	deadline_rules_default(&r);
	o = explain_timer(cal, &r, &in, &due);
	s = json_object_get(o, "steps");
	assert_string_equal(json_string_value(json_object_get(o, "rule")),
			    "decision: 1 working day after receipt");
	assert_int_equal(json_array_size(s), 8);
	assert_string_equal(field(s, 0, "step"), "start");
	assert_string_equal(field(s, 1, "step"), "open");
	assert_string_equal(field(s, 2, "date"), "2026-12-25");
	assert_string_equal(field(s, 2, "why"), "bank_holiday");
	assert_string_equal(field(s, 2, "title"), "Christmas Day");
	assert_string_equal(field(s, 3, "why"), "weekend");
	assert_string_equal(field(s, 4, "why"), "weekend");
	assert_string_equal(field(s, 5, "date"), "2026-12-28");
	assert_string_equal(field(s, 5, "title"),
			    "Boxing Day (substitute day)");
	assert_string_equal(field(s, 6, "step"), "count");
	assert_string_equal(field(s, 6, "date"), "2026-12-29");
	assert_string_equal(field(s, 6, "hours"), "08:00-17:30");
	assert_string_equal(field(s, 7, "at"), "2026-12-29T15:00:00Z");
	json_decref(o);
	calendar_free(cal);
}

/* Thu 25 Mar 2027 16:00 GMT, 1 working day: Good Friday, the weekend
 * with the change to BST, Easter Monday; due Tue 30 Mar 16:00 BST. */
static void
test_clock_change_steps(void **state)
{
	struct calendar *cal = hub_calendar(false);
	struct deadline_rules r;
	struct explain_in in = {
	    TIMER_DECISION, BRAG_AMBER, at("2027-03-25T16:00:00Z"),
	    "receipt",	    0,		NULL};
	int64_t due;
	json_t *o, *s;
	size_t i, n;

	(void)state;
	deadline_rules_default(&r);
	o = explain_timer(cal, &r, &in, &due);
	s = json_object_get(o, "steps");
	n = json_array_size(s);
	for (i = 0; i < n; i++)
		if (strcmp(field(s, i, "step"), "clock_change") == 0)
			break;
	assert_true(i < n);
	assert_string_equal(field(s, i, "at"), "2027-03-28T01:00:00Z");
	assert_string_equal(field(s, i, "from"), "GMT");
	assert_string_equal(field(s, i, "to"), "BST");
	assert_string_equal(field(s, i - 1, "date"), "2027-03-28");
	assert_string_equal(field(s, n - 1, "at"), "2027-03-30T15:00:00Z");
	json_decref(o);
	calendar_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_traced_equals_computed),
	    cmocka_unit_test(test_christmas_steps),
	    cmocka_unit_test(test_clock_change_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
