/*
 * test_report: the timeliness report's every figure over one week of a
 * hub (Monday 23 to Sunday 29 November 2026, GMT, so UTC is the wall
 * time): decisions in and out of time, a decision reopened and made
 * again, screening in and out of time and restarted by a re-rating, two
 * telephone referrals confirmed in and out of time, an escalation, repeat
 * referrals, and events before and after the range that do not count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/report.h"
#include "mash/timeutil.h"

static int64_t
at(const char *iso)
{
	int64_t ms = 0;

	if (mash_time_parse(iso, &ms) != 0)
		fail_msg("bad instant in the test: %s", iso);
	return ms;
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

static const struct {
	const char *ref, *at, *action, *detail;
} week[] = {
    /* Before the range: not counted, nor its decision. */
    {"MASH-2026-000005", "2026-11-22T12:00:00Z", "submit",
     "channel=web brag=amber timers=decision prior=0 agency=School A"},
    {"MASH-2026-000001", "2026-11-23T10:00:00Z", "submit",
     "channel=web brag=amber timers=decision,screening prior=0 "
     "agency=School A"},
    {"MASH-2026-000001", "2026-11-23T14:00:00Z", "screen", "reason=seen"},
    {"MASH-2026-000005", "2026-11-23T15:00:00Z", "decide",
     "outcome=nfa reason=x"},
    {"MASH-2026-000002", "2026-11-23T16:00:00Z", "submit",
     "channel=phone brag=red timers=decision,written prior=1 agency=GP"},
    {"MASH-2026-000002", "2026-11-23T21:00:00Z", "screen", "reason=late"},
    {"MASH-2026-000001", "2026-11-24T09:00:00Z", "decide",
     "outcome=s17 reason=child in need"},
    {"MASH-2026-000003", "2026-11-24T11:00:00Z", "submit",
     "channel=phone brag=amber timers=decision prior=0 "
     "agency=County Constabulary"},
    {"MASH-2026-000003", "2026-11-24T12:00:00Z", "rate",
     "amber->green reason=lower"},
    {"MASH-2026-000003", "2026-11-24T15:00:00Z", "confirm",
     "written confirmation via email"},
    {"MASH-2026-000004", "2026-11-25T09:00:00Z", "submit",
     "channel=web brag=amber timers=decision prior=2 agency=School A"},
    {"MASH-2026-000002", "2026-11-25T09:00:00Z", "confirm",
     "written confirmation via mashctl"},
    {"MASH-2026-000002", "2026-11-25T10:00:00Z", "decide",
     "outcome=s47 reason=strategy"},
    {"MASH-2026-000004", "2026-11-25T15:00:00Z", "decide",
     "outcome=nfa reason=x"},
    {"MASH-2026-000004", "2026-11-26T10:00:00Z", "reopen", "reason=new"},
    {"MASH-2026-000004", "2026-11-27T10:00:00Z", "decide",
     "outcome=early_help reason=y"},
    {"MASH-2026-000003", "2026-11-27T11:00:00Z", "fire",
     "timer=escalation due=1 late_ms=0"},
    {"MASH-2026-000003", "2026-11-27T11:00:00Z", "fire",
     "timer=decision due=1 late_ms=0"},
    {"MASH-2026-000006", "2026-11-28T10:00:00Z", "submit",
     "channel=web brag=blue timers=decision"},
    /* After the range: not seen. */
    {"MASH-2026-000006", "2026-11-30T09:00:00Z", "decide",
     "outcome=universal reason=z"},
    {"MASH-2026-000007", "2026-11-30T09:30:00Z", "submit",
     "channel=web brag=red timers=decision prior=0"},
};

static json_t *
week_report(enum report_by by)
{
	struct calendar *cal = hub_calendar();
	struct deadline_rules rules;
	struct report *r;
	json_t *o;

	deadline_rules_default(&rules);
	r = report_new(cal, &rules, at("2026-11-23T00:00:00Z"),
		       at("2026-11-30T00:00:00Z"));
	assert_non_null(r);
	for (size_t i = 0; i < sizeof(week) / sizeof(week[0]); i++) {
		struct report_event e = {week[i].ref, at(week[i].at),
					 week[i].action, week[i].detail};

		assert_int_equal(report_add(r, &e), 0);
	}
	o = report_json(r, by);
	report_free(r);
	calendar_free(cal);
	return o;
}

static long long
num(const json_t *o, const char *path)
{
	char buf[128], *k, *save = NULL;
	const json_t *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", path);
	return (long long)json_integer_value(v);
}

/* A one-decimal figure, as tenths; -1 for null. */
static long long
tenths(const json_t *o, const char *path)
{
	char buf[128], *k, *save = NULL;
	const json_t *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	if (json_is_null(v))
		return -1;
	if (!json_is_number(v))
		fail_msg("%s is not a number", path);
	return (long long)(json_number_value(v) * 10 + 0.5);
}

static void
test_week(void **state)
{
	json_t *o = week_report(REPORT_BY_NONE);
	const json_t *t = json_object_get(o, "total");

	(void)state;
	assert_int_equal(num(t, "received"), 5);
	assert_int_equal(num(t, "decided"), 3);
	assert_int_equal(num(t, "decided_in_time"), 1);
	assert_int_equal(tenths(t, "decided_in_time_pct"), 200);
	/* 510, 780 and 1200 working minutes. */
	assert_int_equal(tenths(t, "decision_working_hours_p50"), 130);
	assert_int_equal(tenths(t, "decision_working_hours_p90"), 200);
	assert_int_equal(tenths(t, "screened_in_time_pct.amber"), 1000);
	assert_int_equal(tenths(t, "screened_in_time_pct.red"), 0);
	assert_int_equal(tenths(t, "screened_in_time_pct.green"), -1);
	assert_int_equal(tenths(t, "screened_in_time_pct.blue"), -1);
	assert_int_equal(num(t, "screening_due.amber"), 2);
	assert_int_equal(num(t, "screening_due.red"), 1);
	assert_int_equal(num(t, "written_due"), 2);
	assert_int_equal(num(t, "written_in_time"), 1);
	assert_int_equal(num(t, "escalations"), 1);
	assert_int_equal(num(t, "outcomes.s17"), 1);
	assert_int_equal(num(t, "outcomes.s47"), 1);
	assert_int_equal(num(t, "outcomes.early_help"), 1);
	assert_int_equal(num(t, "outcomes.nfa"), 0);
	assert_int_equal(num(t, "outcomes.universal"), 0);
	assert_int_equal(num(t, "repeats"), 2);
	assert_int_equal(tenths(t, "repeat_pct"), 500);
	assert_int_equal(num(t, "open_overdue"), 1);
	assert_int_equal(json_array_size(json_object_get(o, "groups")), 0);
	json_decref(o);
}

static void
test_by_channel(void **state)
{
	json_t *o = week_report(REPORT_BY_CHANNEL);
	const json_t *g = json_object_get(o, "groups"), *phone, *web;

	(void)state;
	assert_int_equal(json_array_size(g), 2);
	phone = json_array_get(g, 0);
	web = json_array_get(g, 1);
	assert_string_equal(json_string_value(json_object_get(phone, "group")),
			    "phone");
	assert_int_equal(num(phone, "received"), 2);
	assert_int_equal(num(phone, "decided_in_time"), 0);
	assert_int_equal(num(phone, "written_due"), 2);
	assert_int_equal(num(phone, "open_overdue"), 1);
	assert_string_equal(json_string_value(json_object_get(web, "group")),
			    "web");
	assert_int_equal(num(web, "received"), 3);
	assert_int_equal(tenths(web, "decided_in_time_pct"), 333);
	assert_int_equal(num(web, "written_due"), 0);
	json_decref(o);
}

static void
test_by_outcome_and_agency(void **state)
{
	json_t *o = week_report(REPORT_BY_OUTCOME);
	const json_t *g = json_object_get(o, "groups");

	(void)state;
	/* early_help, s17, s47, undecided (C and F). */
	assert_int_equal(json_array_size(g), 4);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(g, 3), "group")),
	    "undecided");
	assert_int_equal(num(json_array_get(g, 3), "received"), 2);
	assert_int_equal(num(json_array_get(g, 3), "open_overdue"), 1);
	json_decref(o);
	o = week_report(REPORT_BY_AGENCY);
	g = json_object_get(o, "groups");
	assert_int_equal(json_array_size(g), 4);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(g, 2), "group")),
	    "School A");
	assert_int_equal(num(json_array_get(g, 2), "received"), 2);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(g, 3), "group")),
	    "unknown");
	json_decref(o);
}

static void
test_working_minutes(void **state)
{
	struct calendar *cal = hub_calendar();

	(void)state;
	/* Friday 16:00 to Monday 09:00: 30 + 60 minutes. */
	assert_int_equal(report_working_minutes(cal, at("2026-11-27T16:00:00Z"),
						at("2026-11-30T09:00:00Z")),
			 90);
	/* Saturday to Sunday: none; backwards: none. */
	assert_int_equal(report_working_minutes(cal, at("2026-11-28T10:00:00Z"),
						at("2026-11-29T10:00:00Z")),
			 0);
	assert_int_equal(report_working_minutes(cal, at("2026-11-24T10:00:00Z"),
						at("2026-11-23T10:00:00Z")),
			 0);
	/* A damaged record's time (strtoll's limits): none, not an
	 * overflow (b - a, and the calendar's ms of a second). */
	assert_int_equal(
	    report_working_minutes(cal, INT64_MIN, at("2026-11-23T10:00:00Z")),
	    0);
	assert_int_equal(
	    report_working_minutes(cal, at("2026-11-23T10:00:00Z"), INT64_MAX),
	    0);
	calendar_free(cal);
}

static void
test_by_words(void **state)
{
	enum report_by by;

	(void)state;
	assert_int_equal(report_by_parse("brag", &by), 0);
	assert_int_equal(by, REPORT_BY_BRAG);
	assert_int_equal(report_by_parse(NULL, &by), 0);
	assert_int_equal(by, REPORT_BY_NONE);
	assert_int_equal(report_by_parse("child", &by), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_week),
	    cmocka_unit_test(test_by_channel),
	    cmocka_unit_test(test_by_outcome_and_agency),
	    cmocka_unit_test(test_working_minutes),
	    cmocka_unit_test(test_by_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
