/*
 * test_calendar: the working-time arithmetic of SPEC section 6, the
 * clock changes of 2025-2027, the bank holidays of 2018-2027 (the shipped
 * gov.uk file and the computed rules), and the holidays file's errors.
 * Every instant is written in UTC ("Z"); the comments give the London
 * wall time (GMT in winter, BST = UTC+1 in summer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mash/calendar.h"
#include "mash/timeutil.h"

#define APOS "\xe2\x80\x99"
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Helpers ------------------------------------------------------- */

static int64_t
at(const char *iso)
{
	int64_t ms = 0;

	if (mash_time_parse(iso, &ms) != 0)
		fail_msg("bad instant in the test table: %s", iso);
	return ms;
}

static int64_t
day_of(const char *date)
{
	int y = 0, m = 0, d = 0;

	if (mash_date_parse(date, &y, &m, &d) != 0)
		fail_msg("bad date in the test table: %s", date);
	return mash_days_from_civil(y, m, d);
}

static const char *
date_text(int64_t day, char *buf, size_t len)
{
	int y, m, d;

	mash_civil_from_days(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
	return buf;
}

static void
expect_instant(const char *what, int64_t got, const char *want)
{
	char g[MASH_TIME_BUFSZ];

	if (want == NULL) {
		if (got != CALENDAR_NEVER)
			fail_msg("%s: got %s, want never", what,
				 mash_time_format(got, g));
		return;
	}
	if (got == CALENDAR_NEVER)
		fail_msg("%s: got never, want %s", what, want);
	if (got != at(want))
		fail_msg("%s: got %s, want %s", what, mash_time_format(got, g),
			 want);
}

static const char *
shipped_file(void)
{
	static char path[4096];
	const char *top = getenv("MASH_TOP");

	snprintf(path, sizeof(path), "%s/conf/bank-holidays.json",
		 top != NULL && top[0] != '\0' ? top : ".");
	return path;
}

static struct calendar *
make(const struct calendar_options *o)
{
	char err[512] = "";
	struct calendar *cal = calendar_new(o, err, sizeof(err));

	if (cal == NULL)
		fail_msg("calendar_new: %s", err);
	return cal;
}

/* The hub's default calendar with the shipped file, of a division. */
static struct calendar *
make_shipped(const char *division)
{
	struct calendar_options o;

	calendar_options_default(&o);
	o.holidays_file = shipped_file();
	o.division = division;
	return make(&o);
}

/* The default calendar without a file: every holiday is computed. */
static struct calendar *
make_rules(const char *division)
{
	struct calendar_options o;

	calendar_options_default(&o);
	o.division = division;
	return make(&o);
}

enum walk {
	NEXT_OPEN,
	ADD_DAYS,
	SUB_DAYS,
	ADD_MINUTES,
	SUB_MINUTES,
};

struct walk_case {
	const char *note;
	enum walk walk;
	const char *from;
	int64_t n;
	const char *want; /* NULL: never */
};

static void
run_walks(const struct calendar *cal, const struct walk_case *c, size_t n)
{
	static const char *const names[] = {"next_open", "+days", "-days",
					    "+minutes", "-minutes"};

	for (size_t i = 0; i < n; i++) {
		int64_t t = at(c[i].from), got = 0;
		char what[256];

		switch (c[i].walk) {
		case NEXT_OPEN:
			got = calendar_next_open(cal, t);
			break;
		case ADD_DAYS:
			got = calendar_add_working_days(cal, t, (int)c[i].n);
			break;
		case SUB_DAYS:
			got = calendar_sub_working_days(cal, t, (int)c[i].n);
			break;
		case ADD_MINUTES:
			got = calendar_add_working_minutes(cal, t, c[i].n);
			break;
		case SUB_MINUTES:
			got = calendar_sub_working_minutes(cal, t, c[i].n);
			break;
		}
		snprintf(what, sizeof(what), "%s: %s %s %lld", c[i].note,
			 c[i].from, names[c[i].walk], (long long)c[i].n);
		expect_instant(what, got, c[i].want);
	}
}

struct open_case {
	const char *note;
	const char *at;
	bool open;
};

static void
run_opens(const struct calendar *cal, const struct open_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (calendar_is_open(cal, at(c[i].at)) != c[i].open)
			fail_msg("%s: is_open(%s) should be %s", c[i].note,
				 c[i].at, c[i].open ? "true" : "false");
}

struct holiday_case {
	const char *date;
	const char *title;
};

/* ---- SPEC section 6, its examples in winter and in summer ---------- */

static const struct walk_case spec_winter[] = {
    /* GMT: the wall time is the UTC time. Week of Monday 2026-01-12. */
    {"Tue 15:00 + 1", ADD_DAYS, "2026-01-13T15:00:00Z", 1,
     "2026-01-14T15:00:00Z"},
    {"Fri 15:00 + 1", ADD_DAYS, "2026-01-16T15:00:00Z", 1,
     "2026-01-19T15:00:00Z"},
    {"Fri 15:00 + 1, Mon 1 Jan 2024 a bank holiday", ADD_DAYS,
     "2023-12-29T15:00:00Z", 1, "2024-01-02T15:00:00Z"},
    {"Thu 17:15 + 1: Friday closes at 16:30", ADD_DAYS, "2026-01-15T17:15:00Z",
     1, "2026-01-16T16:30:00Z"},
    {"Sat 11:00 + 1", ADD_DAYS, "2026-01-17T11:00:00Z", 1,
     "2026-01-20T08:00:00Z"},
    {"Tue 07:00 + 1", ADD_DAYS, "2026-01-13T07:00:00Z", 1,
     "2026-01-14T08:00:00Z"},
    {"Fri 16:45 + 1", ADD_DAYS, "2026-01-16T16:45:00Z", 1,
     "2026-01-20T08:00:00Z"},
    {"Fri 16:45 next_open", NEXT_OPEN, "2026-01-16T16:45:00Z", 0,
     "2026-01-19T08:00:00Z"},
    {"Fri 16:00 + 6 working hours", ADD_MINUTES, "2026-01-16T16:00:00Z", 360,
     "2026-01-19T13:30:00Z"},
    {"Tue 15:00 + 3 (escalation)", ADD_DAYS, "2026-01-13T15:00:00Z", 3,
     "2026-01-16T15:00:00Z"},
    {"Tue 15:00 + 0 is next_open", ADD_DAYS, "2026-01-13T15:00:00Z", 0,
     "2026-01-13T15:00:00Z"},
    {"seconds and milliseconds are kept", ADD_DAYS, "2026-01-13T15:00:37.250Z",
     1, "2026-01-14T15:00:37.250Z"},
};

static const struct walk_case spec_summer[] = {
    /* BST: the wall time is UTC + 1. Week of Monday 2026-06-15. */
    {"Tue 15:00 + 1", ADD_DAYS, "2026-06-16T14:00:00Z", 1,
     "2026-06-17T14:00:00Z"},
    {"Fri 15:00 + 1", ADD_DAYS, "2026-06-19T14:00:00Z", 1,
     "2026-06-22T14:00:00Z"},
    {"Fri 15:00 + 1, Mon 25 May a bank holiday", ADD_DAYS,
     "2026-05-22T14:00:00Z", 1, "2026-05-26T14:00:00Z"},
    {"Fri 15:00 + 1, Mon 31 Aug a bank holiday", ADD_DAYS,
     "2026-08-28T14:00:00Z", 1, "2026-09-01T14:00:00Z"},
    {"Thu 17:15 + 1: Friday closes at 16:30", ADD_DAYS, "2026-06-18T16:15:00Z",
     1, "2026-06-19T15:30:00Z"},
    {"Sat 11:00 + 1", ADD_DAYS, "2026-06-20T10:00:00Z", 1,
     "2026-06-23T07:00:00Z"},
    {"Tue 07:00 + 1", ADD_DAYS, "2026-06-16T06:00:00Z", 1,
     "2026-06-17T07:00:00Z"},
    {"Fri 16:45 + 1", ADD_DAYS, "2026-06-19T15:45:00Z", 1,
     "2026-06-23T07:00:00Z"},
    {"Fri 16:45 next_open", NEXT_OPEN, "2026-06-19T15:45:00Z", 0,
     "2026-06-22T07:00:00Z"},
    {"Fri 16:00 + 6 working hours", ADD_MINUTES, "2026-06-19T15:00:00Z", 360,
     "2026-06-22T12:30:00Z"},
};

static void
test_spec_examples(void **state)
{
	struct calendar *cal = make_shipped("england-and-wales");

	(void)state;
	run_walks(cal, spec_winter, N(spec_winter));
	run_walks(cal, spec_summer, N(spec_summer));
	calendar_free(cal);
}

/* ---- next_open and is_open at the edges ---------------------------- */

static const struct walk_case next_open_cases[] = {
    {"Mon 08:00 opening", NEXT_OPEN, "2026-01-12T08:00:00Z", 0,
     "2026-01-12T08:00:00Z"},
    {"Mon just before opening", NEXT_OPEN, "2026-01-12T07:59:59.999Z", 0,
     "2026-01-12T08:00:00Z"},
    {"Mon just before closing", NEXT_OPEN, "2026-01-12T17:29:59.999Z", 0,
     "2026-01-12T17:29:59.999Z"},
    {"Mon 17:30 closing", NEXT_OPEN, "2026-01-12T17:30:00Z", 0,
     "2026-01-13T08:00:00Z"},
    {"Mon midnight", NEXT_OPEN, "2026-01-12T00:00:00Z", 0,
     "2026-01-12T08:00:00Z"},
    {"Fri 16:30 closing", NEXT_OPEN, "2026-01-16T16:30:00Z", 0,
     "2026-01-19T08:00:00Z"},
    {"Sun", NEXT_OPEN, "2026-01-18T23:59:00Z", 0, "2026-01-19T08:00:00Z"},
    {"Wed 24 Dec 2025 evening: Christmas Thu, Boxing Day Fri", NEXT_OPEN,
     "2025-12-24T18:00:00Z", 0, "2025-12-29T08:00:00Z"},
    {"Good Friday 2026 10:00 BST", NEXT_OPEN, "2026-04-03T09:00:00Z", 0,
     "2026-04-07T07:00:00Z"},
    {"Easter Sunday 2026 noon BST", NEXT_OPEN, "2026-04-05T11:00:00Z", 0,
     "2026-04-07T07:00:00Z"},
    {"summer Mon 08:00 BST", NEXT_OPEN, "2026-06-15T07:00:00Z", 0,
     "2026-06-15T07:00:00Z"},
    {"summer Mon 07:59 BST", NEXT_OPEN, "2026-06-15T06:59:00Z", 0,
     "2026-06-15T07:00:00Z"},
    {"summer Mon 17:30 BST", NEXT_OPEN, "2026-06-15T16:30:00Z", 0,
     "2026-06-16T07:00:00Z"},
};

static const struct open_case open_cases[] = {
    {"Mon 08:00", "2026-01-12T08:00:00Z", true},
    {"Mon 07:59:59", "2026-01-12T07:59:59Z", false},
    {"Mon 17:29:59", "2026-01-12T17:29:59Z", true},
    {"Mon 17:30", "2026-01-12T17:30:00Z", false},
    {"Fri 16:29", "2026-01-16T16:29:00Z", true},
    {"Fri 16:30", "2026-01-16T16:30:00Z", false},
    {"Sat noon", "2026-01-17T12:00:00Z", false},
    {"Christmas Day 2026 (Fri) 10:00", "2026-12-25T10:00:00Z", false},
    {"Boxing Day substitute Mon 28 Dec 2026", "2026-12-28T10:00:00Z", false},
    {"summer Mon 08:00 BST", "2026-06-15T07:00:00Z", true},
    {"summer Mon 07:30 BST", "2026-06-15T06:30:00Z", false},
    {"summer Mon 17:15 BST", "2026-06-15T16:15:00Z", true},
    {"summer Mon 17:45 BST", "2026-06-15T16:45:00Z", false},
};

static void
test_next_open(void **state)
{
	struct calendar *cal = make_shipped("england-and-wales");

	(void)state;
	run_walks(cal, next_open_cases, N(next_open_cases));
	run_opens(cal, open_cases, N(open_cases));
	calendar_free(cal);
}

/* ---- Working minutes, forwards and backwards ----------------------- */

static const struct walk_case minutes_cases[] = {
    {"the day's last minute ends at the close", ADD_MINUTES,
     "2026-01-15T16:30:00Z", 60, "2026-01-15T17:30:00Z"},
    {"one minute more is the next morning", ADD_MINUTES, "2026-01-15T16:30:00Z",
     61, "2026-01-16T08:01:00Z"},
    {"the whole of Friday", ADD_MINUTES, "2026-01-16T08:00:00Z", 510,
     "2026-01-16T16:30:00Z"},
    {"the whole of Friday and a minute", ADD_MINUTES, "2026-01-16T08:00:00Z",
     511, "2026-01-19T08:01:00Z"},
    {"the whole week (4 x 570 + 510)", ADD_MINUTES, "2026-01-12T08:00:00Z",
     2790, "2026-01-16T16:30:00Z"},
    {"from Saturday, 0 minutes is next_open", ADD_MINUTES,
     "2026-01-17T10:00:00Z", 0, "2026-01-19T08:00:00Z"},
    {"from before opening", ADD_MINUTES, "2026-01-14T06:00:00Z", 90,
     "2026-01-14T09:30:00Z"},
    {"over Christmas 2026", ADD_MINUTES, "2026-12-24T16:00:00Z", 360,
     "2026-12-29T12:30:00Z"},
    {"back within the morning", SUB_MINUTES, "2026-01-14T10:00:00Z", 120,
     "2026-01-14T08:00:00Z"},
    {"back into the day before", SUB_MINUTES, "2026-01-14T09:00:00Z", 120,
     "2026-01-13T16:30:00Z"},
    {"back from Monday into Friday", SUB_MINUTES, "2026-01-19T09:00:00Z", 120,
     "2026-01-16T15:30:00Z"},
    {"back from the evening starts at the close", SUB_MINUTES,
     "2026-01-14T19:00:00Z", 120, "2026-01-14T15:30:00Z"},
    {"back from Saturday starts at Friday's close", SUB_MINUTES,
     "2026-01-17T12:00:00Z", 60, "2026-01-16T15:30:00Z"},
    {"back from the closing instant", SUB_MINUTES, "2026-01-14T17:30:00Z", 60,
     "2026-01-14T16:30:00Z"},
    {"back from the opening instant", SUB_MINUTES, "2026-01-14T08:00:00Z", 60,
     "2026-01-13T16:30:00Z"},
    {"back 0 minutes is t itself", SUB_MINUTES, "2026-01-14T19:00:00Z", 0,
     "2026-01-14T19:00:00Z"},
    {"back over New Year 2024", SUB_MINUTES, "2024-01-02T08:30:00Z", 60,
     "2023-12-29T16:00:00Z"},
    {"back over Christmas 2026", SUB_MINUTES, "2026-12-29T09:00:00Z", 120,
     "2026-12-24T16:30:00Z"},
    {"summer: back within the morning", SUB_MINUTES, "2026-06-17T09:00:00Z",
     120, "2026-06-17T07:00:00Z"},
    {"working days back: Wed 15:00 - 1", SUB_DAYS, "2026-01-14T15:00:00Z", 1,
     "2026-01-13T15:00:00Z"},
    {"working days back: Mon 15:00 - 1", SUB_DAYS, "2026-01-19T15:00:00Z", 1,
     "2026-01-16T15:00:00Z"},
    {"working days back: Mon 16:45 - 1 is Friday's close", SUB_DAYS,
     "2026-01-19T16:45:00Z", 1, "2026-01-16T16:30:00Z"},
    {"working days back: from Saturday", SUB_DAYS, "2026-01-17T11:00:00Z", 1,
     "2026-01-15T16:30:00Z"},
    {"working days back: Fri 08:00 opening - 1", SUB_DAYS,
     "2026-01-16T08:00:00Z", 1, "2026-01-15T08:00:00Z"},
    {"working days back: Thu 17:30 closing - 1", SUB_DAYS,
     "2026-01-15T17:30:00Z", 1, "2026-01-14T17:30:00Z"},
    {"working days back: Tue 07:00 is Monday's close - 1", SUB_DAYS,
     "2026-01-20T07:00:00Z", 1, "2026-01-16T16:30:00Z"},
    {"working days back: 0 from the evening is the close", SUB_DAYS,
     "2026-01-14T19:00:00Z", 0, "2026-01-14T17:30:00Z"},
    {"working days back over New Year 2024", SUB_DAYS, "2024-01-02T10:00:00Z",
     1, "2023-12-29T10:00:00Z"},
};

static void
test_working_minutes(void **state)
{
	struct calendar *cal = make_shipped("england-and-wales");

	(void)state;
	run_walks(cal, minutes_cases, N(minutes_cases));
	calendar_free(cal);
}

/* ---- Easter and Christmas ------------------------------------------ */

static const struct walk_case holiday_walks[] = {
    /* Thursday 2 April 2026 15:00 BST: Good Friday, Easter Monday. */
    {"Thursday before Easter + 1", ADD_DAYS, "2026-04-02T14:00:00Z", 1,
     "2026-04-07T14:00:00Z"},
    {"Thursday before Easter + 3", ADD_DAYS, "2026-04-02T14:00:00Z", 3,
     "2026-04-09T14:00:00Z"},
    {"Thursday before Easter + 6 working hours", ADD_MINUTES,
     "2026-04-02T14:00:00Z", 360, "2026-04-07T10:30:00Z"},
    /* Christmas 2026: Fri 25, Boxing Day (Sat) substitute Mon 28. */
    {"Wed 23 Dec 16:00 + 1", ADD_DAYS, "2026-12-23T16:00:00Z", 1,
     "2026-12-24T16:00:00Z"},
    {"Wed 23 Dec 16:00 + 3", ADD_DAYS, "2026-12-23T16:00:00Z", 3,
     "2026-12-30T16:00:00Z"},
    {"Thu 24 Dec 10:00 + 1", ADD_DAYS, "2026-12-24T10:00:00Z", 1,
     "2026-12-29T10:00:00Z"},
    {"Thu 24 Dec 10:00 + 3", ADD_DAYS, "2026-12-24T10:00:00Z", 3,
     "2026-12-31T10:00:00Z"},
    {"Thu 24 Dec 16:00 + 1", ADD_DAYS, "2026-12-24T16:00:00Z", 1,
     "2026-12-29T16:00:00Z"},
    {"Thu 24 Dec 18:00 (closed) + 1", ADD_DAYS, "2026-12-24T18:00:00Z", 1,
     "2026-12-30T08:00:00Z"},
    {"Thu 31 Dec 10:00 + 1: New Year's Day", ADD_DAYS, "2026-12-31T10:00:00Z",
     1, "2027-01-04T10:00:00Z"},
};

static void
test_easter_and_christmas(void **state)
{
	struct calendar *cal = make_shipped("england-and-wales");

	(void)state;
	run_walks(cal, holiday_walks, N(holiday_walks));
	calendar_free(cal);
}

/* ---- The clock changes of 2025, 2026 and 2027 ---------------------- */

/*
 * Europe/London goes forward at 01:00 UTC on the last Sunday of March
 * (01:00 GMT becomes 02:00 BST) and back at 01:00 UTC on the last Sunday
 * of October (02:00 BST becomes 01:00 GMT). The office is closed then;
 * what matters is that Friday is GMT and Monday BST, or the reverse.
 */
static const struct walk_case clock_office[] = {
    /* Spring 2025: Sunday 30 March. */
    {"2025 spring: Thu 17:15 GMT + 1", ADD_DAYS, "2025-03-27T17:15:00Z", 1,
     "2025-03-28T16:30:00Z"},
    {"2025 spring: Fri after close", NEXT_OPEN, "2025-03-28T17:00:00Z", 0,
     "2025-03-31T07:00:00Z"},
    {"2025 spring: just before the change", NEXT_OPEN, "2025-03-30T00:59:59Z",
     0, "2025-03-31T07:00:00Z"},
    {"2025 spring: at the change", NEXT_OPEN, "2025-03-30T01:00:00Z", 0,
     "2025-03-31T07:00:00Z"},
    {"2025 spring: Mon 07:59 BST", NEXT_OPEN, "2025-03-31T06:59:00Z", 0,
     "2025-03-31T07:00:00Z"},
    {"2025 spring: Fri 16:00 GMT + 1 = Mon 16:00 BST", ADD_DAYS,
     "2025-03-28T16:00:00Z", 1, "2025-03-31T15:00:00Z"},
    {"2025 spring: Sat 11:00 GMT + 1", ADD_DAYS, "2025-03-29T11:00:00Z", 1,
     "2025-04-01T07:00:00Z"},
    {"2025 spring: Mon 08:00 BST + 1", ADD_DAYS, "2025-03-31T07:00:00Z", 1,
     "2025-04-01T07:00:00Z"},
    {"2025 spring: Fri 16:00 GMT + 60 working min", ADD_MINUTES,
     "2025-03-28T16:00:00Z", 60, "2025-03-31T07:30:00Z"},
    {"2025 spring: Fri 16:00 GMT + 6 working h", ADD_MINUTES,
     "2025-03-28T16:00:00Z", 360, "2025-03-31T12:30:00Z"},
    {"2025 spring: Mon 09:00 BST - 2 working h", SUB_MINUTES,
     "2025-03-31T08:00:00Z", 120, "2025-03-28T15:30:00Z"},
    /* Autumn 2025: Sunday 26 October. */
    {"2025 autumn: Thu 17:15 BST + 1", ADD_DAYS, "2025-10-23T16:15:00Z", 1,
     "2025-10-24T15:30:00Z"},
    {"2025 autumn: Fri after close", NEXT_OPEN, "2025-10-24T15:30:00Z", 0,
     "2025-10-27T08:00:00Z"},
    {"2025 autumn: 01:30 BST, the first time", NEXT_OPEN,
     "2025-10-26T00:30:00Z", 0, "2025-10-27T08:00:00Z"},
    {"2025 autumn: 01:30 GMT, the second time", NEXT_OPEN,
     "2025-10-26T01:30:00Z", 0, "2025-10-27T08:00:00Z"},
    {"2025 autumn: Fri 16:00 BST + 1 = Mon 16:00 GMT", ADD_DAYS,
     "2025-10-24T15:00:00Z", 1, "2025-10-27T16:00:00Z"},
    {"2025 autumn: Sat 11:00 BST + 1", ADD_DAYS, "2025-10-25T10:00:00Z", 1,
     "2025-10-28T08:00:00Z"},
    {"2025 autumn: Mon 08:00 GMT + 1", ADD_DAYS, "2025-10-27T08:00:00Z", 1,
     "2025-10-28T08:00:00Z"},
    {"2025 autumn: Fri 16:00 BST + 60 working min", ADD_MINUTES,
     "2025-10-24T15:00:00Z", 60, "2025-10-27T08:30:00Z"},
    {"2025 autumn: Fri 16:00 BST + 6 working h", ADD_MINUTES,
     "2025-10-24T15:00:00Z", 360, "2025-10-27T13:30:00Z"},
    {"2025 autumn: Mon 09:00 GMT - 2 working h", SUB_MINUTES,
     "2025-10-27T09:00:00Z", 120, "2025-10-24T14:30:00Z"},

    /* Spring 2026: Sunday 29 March. */
    {"2026 spring: Fri 27 Mar 16:00 GMT + 1 = Mon 16:00 BST", ADD_DAYS,
     "2026-03-27T16:00:00Z", 1, "2026-03-30T15:00:00Z"},
    {"2026 spring: Fri 16:00 GMT + 3", ADD_DAYS, "2026-03-27T16:00:00Z", 3,
     "2026-04-01T15:00:00Z"},
    {"2026 spring: Sat noon", NEXT_OPEN, "2026-03-28T12:00:00Z", 0,
     "2026-03-30T07:00:00Z"},
    {"2026 spring: Sun 00:30 GMT, before", NEXT_OPEN, "2026-03-29T00:30:00Z", 0,
     "2026-03-30T07:00:00Z"},
    {"2026 spring: Sun 02:30 BST, after", NEXT_OPEN, "2026-03-29T01:30:00Z", 0,
     "2026-03-30T07:00:00Z"},
    {"2026 spring: Fri 16:00 GMT + 6 working h", ADD_MINUTES,
     "2026-03-27T16:00:00Z", 360, "2026-03-30T12:30:00Z"},
    {"2026 spring: Sun + 1", ADD_DAYS, "2026-03-29T10:00:00Z", 1,
     "2026-03-31T07:00:00Z"},
    {"2026 spring: Mon 16:00 BST - 2 working h", SUB_MINUTES,
     "2026-03-30T15:00:00Z", 120, "2026-03-30T13:00:00Z"},
    {"2026 spring: Mon 08:30 BST - 1 working h", SUB_MINUTES,
     "2026-03-30T07:30:00Z", 60, "2026-03-27T16:00:00Z"},
    /* Autumn 2026: Sunday 25 October. */
    {"2026 autumn: Fri 16:00 BST + 1 = Mon 16:00 GMT", ADD_DAYS,
     "2026-10-23T15:00:00Z", 1, "2026-10-26T16:00:00Z"},
    {"2026 autumn: Sat noon BST", NEXT_OPEN, "2026-10-24T11:00:00Z", 0,
     "2026-10-26T08:00:00Z"},
    {"2026 autumn: 01:30 BST, the first time", NEXT_OPEN,
     "2026-10-25T00:30:00Z", 0, "2026-10-26T08:00:00Z"},
    {"2026 autumn: 01:30 GMT, the second time", NEXT_OPEN,
     "2026-10-25T01:30:00Z", 0, "2026-10-26T08:00:00Z"},
    {"2026 autumn: Fri 16:00 BST + 6 working h", ADD_MINUTES,
     "2026-10-23T15:00:00Z", 360, "2026-10-26T13:30:00Z"},
    {"2026 autumn: Sat 12:00 BST + 1", ADD_DAYS, "2026-10-24T11:00:00Z", 1,
     "2026-10-27T08:00:00Z"},
    {"2026 autumn: Mon 09:00 GMT - 2 working h", SUB_MINUTES,
     "2026-10-26T09:00:00Z", 120, "2026-10-23T14:30:00Z"},

    /* Spring 2027: Sunday 28 March is Easter Sunday. */
    {"2027 spring: Thu 25 Mar 16:00 GMT + 1, over Easter", ADD_DAYS,
     "2027-03-25T16:00:00Z", 1, "2027-03-30T15:00:00Z"},
    {"2027 spring: Thu 16:00 GMT + 2 working h", ADD_MINUTES,
     "2027-03-25T16:00:00Z", 120, "2027-03-30T07:30:00Z"},
    {"2027 spring: Good Friday", NEXT_OPEN, "2027-03-26T10:00:00Z", 0,
     "2027-03-30T07:00:00Z"},
    {"2027 spring: just before the change", NEXT_OPEN, "2027-03-28T00:59:00Z",
     0, "2027-03-30T07:00:00Z"},
    {"2027 spring: just after the change", NEXT_OPEN, "2027-03-28T01:00:01Z", 0,
     "2027-03-30T07:00:00Z"},
    {"2027 spring: Tue 09:00 BST - 2 working h", SUB_MINUTES,
     "2027-03-30T08:00:00Z", 120, "2027-03-25T16:30:00Z"},
    {"2027 spring: Fri 19 Mar 16:00 GMT + 1 (a week before)", ADD_DAYS,
     "2027-03-19T16:00:00Z", 1, "2027-03-22T16:00:00Z"},
    /* Autumn 2027: Sunday 31 October. */
    {"2027 autumn: Fri 29 Oct 16:00 BST + 1 = Mon 16:00 GMT", ADD_DAYS,
     "2027-10-29T15:00:00Z", 1, "2027-11-01T16:00:00Z"},
    {"2027 autumn: 01:30 BST, the first time", NEXT_OPEN,
     "2027-10-31T00:30:00Z", 0, "2027-11-01T08:00:00Z"},
    {"2027 autumn: 01:30 GMT, the second time", NEXT_OPEN,
     "2027-10-31T01:30:00Z", 0, "2027-11-01T08:00:00Z"},
    {"2027 autumn: Fri 16:00 BST + 60 working min", ADD_MINUTES,
     "2027-10-29T15:00:00Z", 60, "2027-11-01T08:30:00Z"},
    {"2027 autumn: Thu 17:15 BST + 1", ADD_DAYS, "2027-10-28T16:15:00Z", 1,
     "2027-10-29T15:30:00Z"},
    {"2027 autumn: Mon 09:00 GMT - 1 working day", SUB_DAYS,
     "2027-11-01T09:00:00Z", 1, "2027-10-29T08:00:00Z"},
};

/*
 * An office open round the clock every day: office time runs through
 * the missing and the repeated hour, and a wall time names the first
 * instant the clock reads it (in the gap: the change itself).
 */
static const struct walk_case clock_all_day[] = {
    {"spring: 60 working min from 00:30 GMT is 02:30 BST", ADD_MINUTES,
     "2026-03-29T00:30:00Z", 60, "2026-03-29T01:30:00Z"},
    {"spring: Sat 01:30 GMT + 1 day: 01:30 does not exist on Sunday", ADD_DAYS,
     "2026-03-28T01:30:00Z", 1, "2026-03-29T01:00:00Z"},
    {"spring: Sat 00:30 GMT + 1 day", ADD_DAYS, "2026-03-28T00:30:00Z", 1,
     "2026-03-29T00:30:00Z"},
    {"spring: Sat 02:30 GMT + 1 day = 02:30 BST", ADD_DAYS,
     "2026-03-28T02:30:00Z", 1, "2026-03-29T01:30:00Z"},
    {"spring: Sunday has 23 hours", ADD_MINUTES, "2026-03-29T00:00:00Z",
     23 * 60, "2026-03-29T23:00:00Z"},
    {"spring: 2025, 60 min across the change", ADD_MINUTES,
     "2025-03-30T00:30:00Z", 60, "2025-03-30T01:30:00Z"},
    {"spring: 2027, Sat 01:30 GMT + 1 day", ADD_DAYS, "2027-03-27T01:30:00Z", 1,
     "2027-03-28T01:00:00Z"},
    {"autumn: Sat 01:30 BST + 1 day is the first 01:30", ADD_DAYS,
     "2026-10-24T00:30:00Z", 1, "2026-10-25T00:30:00Z"},
    {"autumn: 90 working min from 01:00 BST is 01:30 GMT", ADD_MINUTES,
     "2026-10-25T00:00:00Z", 90, "2026-10-25T01:30:00Z"},
    {"autumn: 01:30 GMT (second) + 1 day", ADD_DAYS, "2026-10-25T01:30:00Z", 1,
     "2026-10-26T01:30:00Z"},
    {"autumn: Sat 12:00 BST + 1 day = Sun 12:00 GMT", ADD_DAYS,
     "2026-10-24T11:00:00Z", 1, "2026-10-25T12:00:00Z"},
    {"autumn: Sunday has 25 hours", ADD_MINUTES, "2026-10-24T23:00:00Z",
     25 * 60, "2026-10-26T00:00:00Z"},
    {"autumn: back 90 min from 01:30 GMT is 01:00 BST", SUB_MINUTES,
     "2026-10-25T01:30:00Z", 90, "2026-10-25T00:00:00Z"},
    {"autumn: 2025, Sat 01:30 BST + 1 day", ADD_DAYS, "2025-10-25T00:30:00Z", 1,
     "2025-10-26T00:30:00Z"},
    {"autumn: 2027, 90 min from 01:00 BST", ADD_MINUTES, "2027-10-31T00:00:00Z",
     90, "2027-10-31T01:30:00Z"},
};

static const struct open_case clock_all_day_open[] = {
    {"spring: the last second of GMT", "2026-03-29T00:59:59Z", true},
    {"spring: the first second of BST", "2026-03-29T01:00:00Z", true},
    {"autumn: the repeated hour", "2026-10-25T01:30:00Z", true},
};

/* Sunday office hours that start or end in the missing/repeated hour. */
static const struct walk_case clock_sunday[] = {
    /* Sunday 01:30-03:00: 01:30 falls in the spring gap. */
    {"spring: opening in the gap is the change", NEXT_OPEN,
     "2026-03-28T12:00:00Z", 0, "2026-03-29T01:00:00Z"},
    {"spring: an hour of office time, to 03:00 BST", ADD_MINUTES,
     "2026-03-28T12:00:00Z", 60, "2026-03-29T02:00:00Z"},
    {"spring: and a minute more is Monday", ADD_MINUTES, "2026-03-28T12:00:00Z",
     61, "2026-03-30T07:01:00Z"},
    /* In autumn 01:30 comes twice: the office opens at the first. */
    {"autumn: opening at the first 01:30", NEXT_OPEN, "2026-10-24T12:00:00Z", 0,
     "2026-10-25T00:30:00Z"},
    {"autumn: 01:30 BST to 03:00 GMT is 150 minutes", ADD_MINUTES,
     "2026-10-24T12:00:00Z", 150, "2026-10-25T03:00:00Z"},
};

static const struct open_case clock_sunday_open[] = {
    {"spring: 00:59 GMT", "2026-03-29T00:59:00Z", false},
    {"spring: 02:00 BST", "2026-03-29T01:00:00Z", true},
    {"spring: 03:00 BST", "2026-03-29T02:00:00Z", false},
    {"autumn: 01:15 BST", "2026-10-25T00:15:00Z", false},
    {"autumn: 01:30 BST", "2026-10-25T00:30:00Z", true},
    {"autumn: 01:15 GMT, the second time", "2026-10-25T01:15:00Z", true},
    {"autumn: 03:00 GMT", "2026-10-25T03:00:00Z", false},
};

/* Sunday 00:00-01:30: in autumn the office closes at the first 01:30. */
static const struct open_case clock_sunday_close[] = {
    {"autumn: 01:15 BST", "2026-10-25T00:15:00Z", true},
    {"autumn: 01:30 BST", "2026-10-25T00:30:00Z", false},
    {"autumn: 01:15 GMT, the second time", "2026-10-25T01:15:00Z", false},
    {"spring: 00:59 GMT", "2026-03-29T00:59:00Z", true},
    {"spring: 02:00 BST", "2026-03-29T01:00:00Z", false},
};

static void
test_clock_changes(void **state)
{
	struct calendar_options o;
	struct calendar *cal = make_shipped("england-and-wales");

	(void)state;
	run_walks(cal, clock_office, N(clock_office));
	calendar_free(cal);

	calendar_options_default(&o);
	for (int i = 0; i < 7; i++)
		o.hours[i] = (struct calendar_hours){0, 24 * 60};
	cal = make(&o);
	run_walks(cal, clock_all_day, N(clock_all_day));
	run_opens(cal, clock_all_day_open, N(clock_all_day_open));
	calendar_free(cal);

	calendar_options_default(&o);
	o.hours[0] = (struct calendar_hours){90, 180};
	cal = make(&o);
	run_walks(cal, clock_sunday, N(clock_sunday));
	run_opens(cal, clock_sunday_open, N(clock_sunday_open));
	calendar_free(cal);

	calendar_options_default(&o);
	o.hours[0] = (struct calendar_hours){0, 90};
	cal = make(&o);
	run_opens(cal, clock_sunday_close, N(clock_sunday_close));
	calendar_free(cal);
}

/* ---- Bank holidays ------------------------------------------------- */

/* England and Wales, 2018-2027, as gov.uk lists them. */
static const struct holiday_case england_and_wales[] = {
    {"2018-01-01", "New Year" APOS "s Day"},
    {"2018-03-30", "Good Friday"},
    {"2018-04-02", "Easter Monday"},
    {"2018-05-07", "Early May bank holiday"},
    {"2018-05-28", "Spring bank holiday"},
    {"2018-08-27", "Summer bank holiday"},
    {"2018-12-25", "Christmas Day"},
    {"2018-12-26", "Boxing Day"},
    {"2019-01-01", "New Year" APOS "s Day"},
    {"2019-04-19", "Good Friday"},
    {"2019-04-22", "Easter Monday"},
    {"2019-05-06", "Early May bank holiday"},
    {"2019-05-27", "Spring bank holiday"},
    {"2019-08-26", "Summer bank holiday"},
    {"2019-12-25", "Christmas Day"},
    {"2019-12-26", "Boxing Day"},
    {"2020-01-01", "New Year" APOS "s Day"},
    {"2020-04-10", "Good Friday"},
    {"2020-04-13", "Easter Monday"},
    {"2020-05-08", "Early May bank holiday (VE day)"},
    {"2020-05-25", "Spring bank holiday"},
    {"2020-08-31", "Summer bank holiday"},
    {"2020-12-25", "Christmas Day"},
    {"2020-12-28", "Boxing Day (substitute day)"},
    {"2021-01-01", "New Year" APOS "s Day"},
    {"2021-04-02", "Good Friday"},
    {"2021-04-05", "Easter Monday"},
    {"2021-05-03", "Early May bank holiday"},
    {"2021-05-31", "Spring bank holiday"},
    {"2021-08-30", "Summer bank holiday"},
    {"2021-12-27", "Christmas Day (substitute day)"},
    {"2021-12-28", "Boxing Day (substitute day)"},
    {"2022-01-03", "New Year" APOS "s Day (substitute day)"},
    {"2022-04-15", "Good Friday"},
    {"2022-04-18", "Easter Monday"},
    {"2022-05-02", "Early May bank holiday"},
    {"2022-06-02", "Spring bank holiday"},
    {"2022-06-03", "Platinum Jubilee bank holiday"},
    {"2022-08-29", "Summer bank holiday"},
    {"2022-09-19", "Bank Holiday for the State Funeral of Queen Elizabeth II"},
    {"2022-12-26", "Boxing Day"},
    {"2022-12-27", "Christmas Day (substitute day)"},
    {"2023-01-02", "New Year" APOS "s Day (substitute day)"},
    {"2023-04-07", "Good Friday"},
    {"2023-04-10", "Easter Monday"},
    {"2023-05-01", "Early May bank holiday"},
    {"2023-05-08", "Bank holiday for the coronation of King Charles III"},
    {"2023-05-29", "Spring bank holiday"},
    {"2023-08-28", "Summer bank holiday"},
    {"2023-12-25", "Christmas Day"},
    {"2023-12-26", "Boxing Day"},
    {"2024-01-01", "New Year" APOS "s Day"},
    {"2024-03-29", "Good Friday"},
    {"2024-04-01", "Easter Monday"},
    {"2024-05-06", "Early May bank holiday"},
    {"2024-05-27", "Spring bank holiday"},
    {"2024-08-26", "Summer bank holiday"},
    {"2024-12-25", "Christmas Day"},
    {"2024-12-26", "Boxing Day"},
    {"2025-01-01", "New Year" APOS "s Day"},
    {"2025-04-18", "Good Friday"},
    {"2025-04-21", "Easter Monday"},
    {"2025-05-05", "Early May bank holiday"},
    {"2025-05-26", "Spring bank holiday"},
    {"2025-08-25", "Summer bank holiday"},
    {"2025-12-25", "Christmas Day"},
    {"2025-12-26", "Boxing Day"},
    {"2026-01-01", "New Year" APOS "s Day"},
    {"2026-04-03", "Good Friday"},
    {"2026-04-06", "Easter Monday"},
    {"2026-05-04", "Early May bank holiday"},
    {"2026-05-25", "Spring bank holiday"},
    {"2026-08-31", "Summer bank holiday"},
    {"2026-12-25", "Christmas Day"},
    {"2026-12-28", "Boxing Day (substitute day)"},
    {"2027-01-01", "New Year" APOS "s Day"},
    {"2027-03-26", "Good Friday"},
    {"2027-03-29", "Easter Monday"},
    {"2027-05-03", "Early May bank holiday"},
    {"2027-05-31", "Spring bank holiday"},
    {"2027-08-30", "Summer bank holiday"},
    {"2027-12-27", "Christmas Day (substitute day)"},
    {"2027-12-28", "Boxing Day (substitute day)"},
};

static int
year_of(const char *date)
{
	return atoi(date);
}

/* The expected holidays of one year, skipping those listed in `skip`. */
static size_t
expected_year(int year, const char *const *skip, size_t nskip,
	      struct holiday_case *out)
{
	size_t n = 0;

	for (size_t i = 0; i < N(england_and_wales); i++) {
		bool skipped = false;

		if (year_of(england_and_wales[i].date) != year)
			continue;
		for (size_t k = 0; k < nskip; k++)
			if (strcmp(skip[k], england_and_wales[i].date) == 0)
				skipped = true;
		if (!skipped)
			out[n++] = england_and_wales[i];
	}
	return n;
}

/* calendar_holidays(year) is exactly `want` (dates and titles). */
static void
expect_year(const struct calendar *cal, int year,
	    const struct holiday_case *want, size_t nwant)
{
	struct calendar_holiday got[32];
	size_t n = calendar_holidays(cal, year, got, N(got));
	char buf[16];

	for (size_t i = 0; i < n && i < nwant; i++) {
		if (got[i].day != day_of(want[i].date))
			fail_msg("%d: holiday %zu is %s, want %s", year, i + 1,
				 date_text(got[i].day, buf, sizeof(buf)),
				 want[i].date);
		if (strcmp(got[i].title, want[i].title) != 0)
			fail_msg("%s: title \"%s\", want \"%s\"", want[i].date,
				 got[i].title, want[i].title);
	}
	if (n != nwant)
		fail_msg("%d: %zu holidays, want %zu", year, n, nwant);
}

static void
test_england_and_wales_file(void **state)
{
	struct calendar *cal = make_shipped("england-and-wales");
	struct holiday_case want[16];

	(void)state;
	for (size_t i = 0; i < N(england_and_wales); i++) {
		const char *title = NULL;
		int64_t d = day_of(england_and_wales[i].date);

		if (!calendar_is_holiday(cal, d, &title))
			fail_msg("%s (%s) is not a holiday",
				 england_and_wales[i].date,
				 england_and_wales[i].title);
		assert_string_equal(title, england_and_wales[i].title);
		/* Every one is a weekday, so the office is shut all day. */
		assert_false(
		    calendar_is_open(cal, d * 86400000 + 12 * 3600000));
	}
	for (int y = 2018; y <= 2027; y++)
		expect_year(cal, y, want, expected_year(y, NULL, 0, want));
	/* The days the one-offs displaced are working days. */
	assert_false(calendar_is_holiday(cal, day_of("2020-05-04"), NULL));
	assert_false(calendar_is_holiday(cal, day_of("2022-05-30"), NULL));
	assert_false(calendar_is_holiday(cal, day_of("2026-12-26"), NULL));
	calendar_free(cal);
}

static void
test_england_and_wales_rules(void **state)
{
	static const int plain[] = {2018, 2019, 2021, 2024, 2025, 2026, 2027};
	static const char *const coronation[] = {"2023-05-08"};
	static const char *const ve_day[] = {"2020-05-08"};
	static const char *const jubilee[] = {"2022-06-02", "2022-06-03",
					      "2022-09-19"};
	struct calendar *cal = make_rules("england-and-wales");
	struct holiday_case want[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < N(plain); i++)
		expect_year(cal, plain[i], want,
			    expected_year(plain[i], NULL, 0, want));
	expect_year(cal, 2023, want,
		    expected_year(2023, coronation, N(coronation), want));

	/* 2020: the rules keep the early May holiday on Monday 4 May. */
	n = expected_year(2020, ve_day, N(ve_day), want);
	memmove(&want[4], &want[3], (n - 3) * sizeof(want[0]));
	want[3] = (struct holiday_case){"2020-05-04", "Early May bank holiday"};
	expect_year(cal, 2020, want, n + 1);

	/* 2022: spring bank holiday on Monday 30 May, no jubilee, no funeral.
	 */
	n = expected_year(2022, jubilee, N(jubilee), want);
	memmove(&want[5], &want[4], (n - 4) * sizeof(want[0]));
	want[4] = (struct holiday_case){"2022-05-30", "Spring bank holiday"};
	expect_year(cal, 2022, want, n + 1);
	calendar_free(cal);
}

/* For every division, the rules give the file's holidays (dates and
 * titles) in every year the one-offs left alone. */
static void
test_rules_match_file(void **state)
{
	static const char *const divisions[] = {"england-and-wales", "scotland",
						"northern-ireland"};
	static const int plain[] = {2018, 2019, 2021, 2024, 2025, 2026, 2027};

	(void)state;
	for (size_t v = 0; v < N(divisions); v++) {
		struct calendar *file = make_shipped(divisions[v]);
		struct calendar *rules = make_rules(divisions[v]);

		for (size_t i = 0; i < N(plain); i++) {
			struct calendar_holiday a[32], b[32];
			size_t na = calendar_holidays(file, plain[i], a, N(a));
			size_t nb = calendar_holidays(rules, plain[i], b, N(b));

			if (na != nb)
				fail_msg("%s %d: file %zu, rules %zu",
					 divisions[v], plain[i], na, nb);
			for (size_t k = 0; k < na; k++) {
				assert_int_equal(a[k].day, b[k].day);
				assert_string_equal(a[k].title, b[k].title);
			}
		}
		calendar_free(file);
		calendar_free(rules);
	}
}

static void
expect_holidays(const struct calendar *cal, const char *const *dates, size_t n,
		bool holiday, const char *division)
{
	for (size_t i = 0; i < n; i++)
		if (calendar_is_holiday(cal, day_of(dates[i]), NULL) != holiday)
			fail_msg("%s: %s should %sbe a holiday", division,
				 dates[i], holiday ? "" : "not ");
}

static void
test_scotland_and_northern_ireland(void **state)
{
	static const char *const scot_yes[] = {
	    "2018-01-02", "2018-08-06", "2018-11-30", "2019-12-02",
	    "2021-01-04", "2022-01-04", "2022-06-03", "2022-09-19",
	    "2023-01-02", "2023-01-03", "2023-05-08", "2023-08-07",
	    "2024-12-02", "2025-12-01", "2026-08-03", "2027-01-04",
	    "2026-04-03",
	};
	static const char *const scot_no[] = {
	    "2026-04-06", /* no Easter Monday in Scotland */
	    "2026-08-31", /* nor the last Monday of August */
	    "2025-12-02", "2026-03-17", "2026-07-13",
	};
	static const char *const ni_yes[] = {
	    "2018-03-19", "2019-03-18", "2020-07-13", "2024-03-18",
	    "2025-07-14", "2026-03-17", "2026-07-13", "2026-04-06",
	    "2026-08-31", "2027-03-17", "2027-07-12", "2022-06-03",
	};
	static const char *const ni_no[] = {
	    "2026-01-02",
	    "2026-08-03",
	    "2026-11-30",
	    "2025-07-11",
	};
	/* Computed, past the file (2028): 1 Jan is a Saturday. */
	static const char *const scot_2028[] = {
	    "2028-01-03", "2028-01-04", "2028-04-14",
	    "2028-05-01", "2028-05-29", "2028-08-07",
	    "2028-11-30", "2028-12-25", "2028-12-26",
	};
	static const char *const ni_2028[] = {
	    "2028-01-03", "2028-03-17", "2028-04-14", "2028-04-17",
	    "2028-05-01", "2028-05-29", "2028-07-12", "2028-08-28",
	    "2028-12-25", "2028-12-26",
	};
	struct calendar_holiday h[32];
	struct calendar *cal = make_shipped("scotland");
	const char *title = NULL;

	(void)state;
	expect_holidays(cal, scot_yes, N(scot_yes), true, "scotland");
	expect_holidays(cal, scot_no, N(scot_no), false, "scotland");
	expect_holidays(cal, scot_2028, N(scot_2028), true, "scotland");
	assert_int_equal(calendar_holidays(cal, 2028, h, N(h)), N(scot_2028));
	assert_true(calendar_is_holiday(cal, day_of("2023-01-03"), &title));
	assert_string_equal(title, "2nd January (substitute day)");
	assert_true(calendar_is_holiday(cal, day_of("2025-12-01"), &title));
	assert_string_equal(title, "St Andrew" APOS "s Day (substitute day)");
	assert_string_equal(calendar_options(cal)->division, "scotland");
	calendar_free(cal);

	cal = make_shipped("northern-ireland");
	expect_holidays(cal, ni_yes, N(ni_yes), true, "northern-ireland");
	expect_holidays(cal, ni_no, N(ni_no), false, "northern-ireland");
	expect_holidays(cal, ni_2028, N(ni_2028), true, "northern-ireland");
	assert_int_equal(calendar_holidays(cal, 2028, h, N(h)), N(ni_2028));
	assert_true(calendar_is_holiday(cal, day_of("2025-07-14"), &title));
	assert_string_equal(title, "Battle of the Boyne (Orangemen" APOS
				   "s Day) (substitute day)");
	calendar_free(cal);
}

/* Before and after the file, the England and Wales rules apply. */
static const struct holiday_case ew_2017[] = {
    {"2017-01-02", "New Year" APOS "s Day (substitute day)"},
    {"2017-04-14", "Good Friday"},
    {"2017-04-17", "Easter Monday"},
    {"2017-05-01", "Early May bank holiday"},
    {"2017-05-29", "Spring bank holiday"},
    {"2017-08-28", "Summer bank holiday"},
    {"2017-12-25", "Christmas Day"},
    {"2017-12-26", "Boxing Day"},
};

static const struct holiday_case ew_2028[] = {
    {"2028-01-03", "New Year" APOS "s Day (substitute day)"},
    {"2028-04-14", "Good Friday"},
    {"2028-04-17", "Easter Monday"},
    {"2028-05-01", "Early May bank holiday"},
    {"2028-05-29", "Spring bank holiday"},
    {"2028-08-28", "Summer bank holiday"},
    {"2028-12-25", "Christmas Day"},
    {"2028-12-26", "Boxing Day"},
};

/* Years when Christmas falls at a weekend, and a late Easter. */
static const struct holiday_case ew_2032[] = {
    {"2032-01-01", "New Year" APOS "s Day"},
    {"2032-03-26", "Good Friday"},
    {"2032-03-29", "Easter Monday"},
    {"2032-05-03", "Early May bank holiday"},
    {"2032-05-31", "Spring bank holiday"},
    {"2032-08-30", "Summer bank holiday"},
    {"2032-12-27", "Christmas Day (substitute day)"},
    {"2032-12-28", "Boxing Day (substitute day)"},
};

static const struct holiday_case ew_2038[] = {
    {"2038-01-01", "New Year" APOS "s Day"},
    {"2038-04-23", "Good Friday"},
    {"2038-04-26", "Easter Monday"},
    {"2038-05-03", "Early May bank holiday"},
    {"2038-05-31", "Spring bank holiday"},
    {"2038-08-30", "Summer bank holiday"},
    {"2038-12-27", "Christmas Day (substitute day)"},
    {"2038-12-28", "Boxing Day (substitute day)"},
};

/* An instant past MASH_INSTANT_MAX either side (a damaged record's) is
 * told as such, in UTC and in local time: no year 292278994, and no
 * overflow in the arithmetic (UBSan). */
static void
test_instant_damaged(void **state)
{
	static const int64_t bad[] = {
	    INT64_MAX, INT64_MIN, MASH_INSTANT_MAX + 1, -MASH_INSTANT_MAX - 1};
	struct calendar *cal = make_rules("england-and-wales");
	char utc[MASH_TIME_BUFSZ], local[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_string_equal(mash_time_format(bad[i], utc),
				    MASH_TIME_DAMAGED);
		assert_string_equal(
		    calendar_format_local(cal, bad[i], local, sizeof(local)),
		    MASH_TIME_DAMAGED);
	}
	assert_string_equal(mash_time_format(MASH_INSTANT_MAX, utc),
			    "9999-12-31T23:59:59Z");
	/* what mashd stores, read strictly */
	{
		static const char *const none[] = {"",
						   "abc",
						   "12x",
						   " 12",
						   "+12",
						   "253402300800000",
						   "-253402300800000",
						   "9223372036854775808",
						   "-"};
		int64_t ms = 0;

		for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
			assert_int_equal(mash_ms_parse(none[i], &ms), -1);
		assert_int_equal(mash_ms_parse("1795860000000", &ms), 0);
		assert_int_equal(ms, 1795860000000LL);
		assert_int_equal(mash_ms_parse("-1000", &ms), 0);
		assert_int_equal(ms, -1000);
	}
	assert_string_equal(
	    calendar_format_local(cal, MASH_INSTANT_MAX, local, sizeof(local)),
	    "Fri 31 Dec 9999 23:59 GMT");
	calendar_free(cal);
}

static void
test_years_outside_the_file(void **state)
{
	struct calendar *cal = make_shipped("england-and-wales");

	(void)state;
	expect_year(cal, 2017, ew_2017, N(ew_2017));
	expect_year(cal, 2028, ew_2028, N(ew_2028));
	expect_year(cal, 2032, ew_2032, N(ew_2032));
	expect_year(cal, 2038, ew_2038, N(ew_2038));
	calendar_free(cal);
}

/* ---- The holidays file --------------------------------------------- */

/* Write `text` to a new temporary file; its name goes to `path`. */
static void
write_temp(char *path, size_t len, const char *text)
{
	int fd;
	size_t n = strlen(text);

	snprintf(path, len, "%s/mash-calendar-XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

static const char good_file[] =
    "{\"england-and-wales\": {\"division\": \"england-and-wales\", "
    "\"events\": ["
    "{\"title\": \"Boxing Day\", \"date\": \"2030-12-27\", "
    "\"notes\": \"Substitute day\", \"bunting\": true},"
    "{\"title\": \"Founders" APOS " Day\", \"date\": \"2030-06-12\", "
    "\"notes\": \"\", \"bunting\": true},"
    "{\"title\": \"Christmas Day\", \"date\": \"2030-12-25\", "
    "\"notes\": \"\", \"bunting\": true}]},"
    " \"scotland\": {\"division\": \"scotland\", \"events\": []}}";

static void
test_file_good(void **state)
{
	struct calendar_options o;
	struct calendar_holiday h[32];
	struct calendar *cal;
	char path[512];
	size_t n;

	(void)state;
	write_temp(path, sizeof(path), good_file);
	calendar_options_default(&o);
	o.holidays_file = path;
	cal = make(&o);
	unlink(path);
	assert_string_equal(calendar_options(cal)->holidays_file, path);
	/* 2030 is the file's only year: its three events, in date order. */
	n = calendar_holidays(cal, 2030, h, N(h));
	assert_int_equal(n, 3);
	assert_int_equal(h[0].day, day_of("2030-06-12"));
	assert_string_equal(h[0].title, "Founders" APOS " Day");
	assert_int_equal(h[1].day, day_of("2030-12-25"));
	assert_int_equal(h[2].day, day_of("2030-12-27"));
	assert_string_equal(h[2].title, "Boxing Day (substitute day)");
	assert_false(calendar_is_holiday(cal, day_of("2030-01-01"), NULL));
	/* Other years are computed: 2031 has the usual eight. */
	assert_int_equal(calendar_holidays(cal, 2031, h, N(h)), 8);
	assert_int_equal(calendar_holidays(cal, 2029, h, N(h)), 8);
	/* At most `max` are written. */
	assert_int_equal(calendar_holidays(cal, 2031, h, 3), 3);
	calendar_free(cal);

	/* A division with no events: every year is computed. */
	write_temp(path, sizeof(path), good_file);
	o.division = "scotland";
	cal = make(&o);
	unlink(path);
	assert_int_equal(calendar_holidays(cal, 2030, h, N(h)), 9);
	calendar_free(cal);
}

struct bad_file {
	const char *note;
	const char *text; /* NULL: no such file */
	const char *division;
	const char *says;
};

static const struct bad_file bad_files[] = {
    {"missing file", NULL, "england-and-wales", "cannot read"},
    {"not JSON", "{\"england-and-wales\": {\"events\": [", "england-and-wales",
     "not valid JSON"},
    {"empty file", "", "england-and-wales", "not valid JSON"},
    {"not an object", "[1, 2, 3]", "england-and-wales", "not an object"},
    {"unknown division", "{\"england-and-wales\": {\"events\": []}}",
     "northern-ireland", "no division \"northern-ireland\""},
    {"no events", "{\"england-and-wales\": {\"division\": \"x\"}}",
     "england-and-wales", "\"events\""},
    {"a bad date",
     "{\"england-and-wales\": {\"events\": [{\"title\": "
     "\"Leap\", \"date\": \"2023-02-29\"}]}}",
     "england-and-wales", "bad date 2023-02-29"},
    {"a date that is not a date",
     "{\"england-and-wales\": {\"events\": "
     "[{\"title\": \"X\", \"date\": "
     "\"1 May 2026\"}]}}",
     "england-and-wales", "bad date 1 May 2026"},
    {"a date that is a number",
     "{\"england-and-wales\": {\"events\": "
     "[{\"title\": \"X\", \"date\": 20260501}]}}",
     "england-and-wales", "bad date"},
    {"no title",
     "{\"england-and-wales\": {\"events\": [{\"date\": "
     "\"2026-05-04\"}]}}",
     "england-and-wales", "no title"},
    {"an event that is not an object",
     "{\"england-and-wales\": {\"events\": [\"2026-05-04\"]}}",
     "england-and-wales", "event 1 is not an object"},
};

static void
test_file_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad_files); i++) {
		const struct bad_file *b = &bad_files[i];
		struct calendar_options o;
		char path[512], err[512] = "";
		struct calendar *cal;

		if (b->text != NULL)
			write_temp(path, sizeof(path), b->text);
		else
			snprintf(path, sizeof(path),
				 "/nonexistent/bank-holidays.json");
		calendar_options_default(&o);
		o.holidays_file = path;
		o.division = b->division;
		cal = calendar_new(&o, err, sizeof(err));
		if (b->text != NULL)
			unlink(path);
		if (cal != NULL)
			fail_msg("%s: accepted", b->note);
		if (strstr(err, path) == NULL || strstr(err, b->says) == NULL)
			fail_msg("%s: error \"%s\" should name %s and say %s",
				 b->note, err, path, b->says);
	}
}

/* ---- Options ------------------------------------------------------- */

static void
test_options(void **state)
{
	struct calendar_options o;
	struct calendar *cal;

	(void)state;
	calendar_options_default(&o);
	assert_string_equal(o.timezone, "Europe/London");
	assert_string_equal(o.division, "england-and-wales");
	assert_null(o.holidays_file);
	assert_int_equal(o.nextra, 0);
	assert_int_equal(o.ncancelled, 0);
	assert_int_equal(o.hours[0].open, -1);
	assert_int_equal(o.hours[6].open, -1);
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(o.hours[i].open, 8 * 60);
		assert_int_equal(o.hours[i].close, 17 * 60 + 30);
	}
	assert_int_equal(o.hours[5].open, 8 * 60);
	assert_int_equal(o.hours[5].close, 16 * 60 + 30);

	/* The calendar keeps its own copies of the strings. */
	{
		char zone[32] = "Europe/London";

		o.timezone = zone;
		cal = make(&o);
		strcpy(zone, "Nowhere/Else");
		assert_string_equal(calendar_options(cal)->timezone,
				    "Europe/London");
		assert_int_equal(calendar_options(cal)->hours[5].close,
				 16 * 60 + 30);
		calendar_free(cal);
	}
	calendar_free(NULL);
}

struct bad_options {
	const char *note;
	const char *zone;
	const char *division;
	int day, open, close; /* day -1: hours unchanged; 7: all closed */
	const char *says;
};

static const struct bad_options bad_options[] = {
    {"no such zone", "Europe/Atlantis", NULL, -1, 0, 0, "Europe/Atlantis"},
    {"a path, not a name", "../../../etc/passwd", NULL, -1, 0, 0,
     "not a tz database name"},
    {"an absolute path", "/etc/localtime", NULL, -1, 0, 0,
     "not a tz database name"},
    {"an empty zone", "", NULL, -1, 0, 0, "not a tz database name"},
    {"a directory of zones", "Europe", NULL, -1, 0, 0, "not a zone file"},
    {"unknown division", NULL, "wales", -1, 0, 0, "division \"wales\""},
    {"closing before opening", NULL, NULL, 1, 600, 500, "Monday"},
    {"closing after midnight", NULL, NULL, 3, 480, 1500, "Wednesday"},
    {"opening below -1", NULL, NULL, 5, -5, 100, "Friday"},
    {"every weekday closed", NULL, NULL, 7, -1, -1, "every weekday"},
};

static void
test_options_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad_options); i++) {
		const struct bad_options *b = &bad_options[i];
		struct calendar_options o;
		char err[512] = "";

		calendar_options_default(&o);
		if (b->zone != NULL)
			o.timezone = b->zone;
		if (b->division != NULL)
			o.division = b->division;
		if (b->day == 7)
			for (int d = 0; d < 7; d++)
				o.hours[d] = (struct calendar_hours){-1, -1};
		else if (b->day >= 0)
			o.hours[b->day] =
			    (struct calendar_hours){b->open, b->close};
		if (calendar_new(&o, err, sizeof(err)) != NULL)
			fail_msg("%s: accepted", b->note);
		if (strstr(err, b->says) == NULL)
			fail_msg("%s: error \"%s\" should say %s", b->note, err,
				 b->says);
	}
}

/* Another zone: the arithmetic follows it, not the machine's. */
static void
test_other_zone(void **state)
{
	static const struct walk_case ny[] = {
	    /* New York: EST = UTC-5; EDT from 8 March 2026. */
	    {"Tue 15:00 EST + 1", ADD_DAYS, "2026-01-13T20:00:00Z", 1,
	     "2026-01-14T20:00:00Z"},
	    {"Fri 6 Mar 15:00 EST + 1 = Mon 15:00 EDT", ADD_DAYS,
	     "2026-03-06T20:00:00Z", 1, "2026-03-09T19:00:00Z"},
	    {"Sat 11:00 EST", NEXT_OPEN, "2026-01-17T16:00:00Z", 0,
	     "2026-01-19T13:00:00Z"},
	};
	struct calendar_options o;
	struct calendar *cal, *london;

	(void)state;
	calendar_options_default(&o);
	o.timezone = "America/New_York";
	cal = make(&o);
	london = make_shipped("england-and-wales");
	run_walks(cal, ny, N(ny));
	/* Two calendars in one process each use their own zone. */
	expect_instant("London after New York",
		       calendar_next_open(london, at("2026-06-20T10:00:00Z")),
		       "2026-06-22T07:00:00Z");
	run_walks(cal, ny, N(ny));
	/* The same local wall time (Mon 19 Jan 08:00) in each zone: what
	 * one zone worked out is not the other's answer. */
	expect_instant("London's Monday opening after New York's",
		       calendar_next_open(london, at("2026-01-17T16:00:00Z")),
		       "2026-01-19T08:00:00Z");
	run_walks(cal, ny, N(ny));
	calendar_free(london);
	calendar_free(cal);
}

/* ---- Extra and cancelled days -------------------------------------- */

static void
test_extra_and_cancelled(void **state)
{
	static const struct walk_case walks[] = {
	    {"Tue 15:00 + 1 over an extra Wednesday", ADD_DAYS,
	     "2026-01-13T15:00:00Z", 1, "2026-01-15T15:00:00Z"},
	    {"an extra day is closed", NEXT_OPEN, "2026-01-14T10:00:00Z", 0,
	     "2026-01-15T08:00:00Z"},
	    {"Fri 15:00 BST + 1, spring bank holiday cancelled", ADD_DAYS,
	     "2026-05-22T14:00:00Z", 1, "2026-05-25T14:00:00Z"},
	    {"a cancelled computed holiday", ADD_DAYS, "2030-12-24T10:00:00Z",
	     1, "2030-12-25T10:00:00Z"},
	};
	struct calendar_options o;
	struct calendar_holiday h[32];
	struct calendar *cal;
	const char *title = NULL;
	size_t n;

	(void)state;
	calendar_options_default(&o);
	o.holidays_file = shipped_file();
	o.extra[o.nextra++] = day_of("2026-12-31");
	o.extra[o.nextra++] = day_of("2026-01-14");
	o.extra[o.nextra++] = day_of("2026-12-25"); /* already a holiday */
	o.cancelled[o.ncancelled++] = day_of("2026-05-25");
	o.cancelled[o.ncancelled++] = day_of("2030-12-25");
	cal = make(&o);
	run_walks(cal, walks, N(walks));

	assert_true(calendar_is_holiday(cal, day_of("2026-01-14"), &title));
	assert_string_equal(title, "Extra holiday");
	assert_true(calendar_is_holiday(cal, day_of("2026-12-25"), &title));
	assert_string_equal(title, "Christmas Day");
	assert_false(calendar_is_holiday(cal, day_of("2026-05-25"), NULL));
	/* 2026: the eight, less 25 May, plus 14 Jan and 31 Dec, in order. */
	n = calendar_holidays(cal, 2026, h, N(h));
	assert_int_equal(n, 9);
	assert_int_equal(h[0].day, day_of("2026-01-01"));
	assert_int_equal(h[1].day, day_of("2026-01-14"));
	assert_int_equal(h[4].day, day_of("2026-05-04"));
	assert_int_equal(h[5].day, day_of("2026-08-31"));
	assert_int_equal(h[8].day, day_of("2026-12-31"));
	assert_string_equal(h[8].title, "Extra holiday");
	calendar_free(cal);

	/* More than CALENDAR_MAX_DAYS is refused, not overrun. */
	calendar_options_default(&o);
	o.nextra = CALENDAR_MAX_DAYS + 1;
	{
		char err[256] = "";

		assert_null(calendar_new(&o, err, sizeof(err)));
		assert_non_null(strstr(err, "at most"));
	}
}

/* ---- Walks that cannot end give up --------------------------------- */

static void
test_gives_up(void **state)
{
	struct calendar_options o;
	struct calendar *cal;
	int64_t t = at("2026-01-01T00:00:00Z");

	(void)state;
	/* Open on Mondays only, and the next 256 Mondays are holidays. */
	calendar_options_default(&o);
	for (int d = 0; d < 7; d++)
		o.hours[d] = (struct calendar_hours){-1, -1};
	o.hours[1] = (struct calendar_hours){9 * 60, 10 * 60};
	for (int i = 0; i < CALENDAR_MAX_DAYS; i++)
		o.extra[o.nextra++] = day_of("2026-01-05") + 7 * i;
	cal = make(&o);
	/* The first Monday after them: 2026-01-05 + 256 weeks. */
	expect_instant("next_open", calendar_next_open(cal, t),
		       "2030-12-02T09:00:00Z");
	expect_instant("1000 Mondays", calendar_add_working_days(cal, t, 1000),
		       NULL);
	expect_instant("a billion minutes",
		       calendar_add_working_minutes(cal, t, 1000000000), NULL);
	expect_instant("600000 minutes back",
		       calendar_sub_working_minutes(cal, t, 600000), NULL);
	expect_instant("back 1000 Mondays",
		       calendar_sub_working_days(cal, t, 1000), NULL);
	expect_instant("from never",
		       calendar_sub_working_minutes(cal, CALENDAR_NEVER, 60),
		       NULL);
	calendar_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_examples),
	    cmocka_unit_test(test_next_open),
	    cmocka_unit_test(test_working_minutes),
	    cmocka_unit_test(test_easter_and_christmas),
	    cmocka_unit_test(test_clock_changes),
	    cmocka_unit_test(test_england_and_wales_file),
	    cmocka_unit_test(test_england_and_wales_rules),
	    cmocka_unit_test(test_rules_match_file),
	    cmocka_unit_test(test_scotland_and_northern_ireland),
	    cmocka_unit_test(test_years_outside_the_file),
	    cmocka_unit_test(test_instant_damaged),
	    cmocka_unit_test(test_file_good),
	    cmocka_unit_test(test_file_bad),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_options_bad),
	    cmocka_unit_test(test_other_zone),
	    cmocka_unit_test(test_extra_and_cancelled),
	    cmocka_unit_test(test_gives_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
