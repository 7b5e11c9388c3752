/*
 * calendar.c owns the hub's working time (SPEC section 6): which local
 * days are working days, when the office is open, and the walks over
 * them (next opening, N working days, N working minutes forwards and
 * backwards). Bank holidays are holidays.c's: a gov.uk bank-holidays.json
 * for the years it covers, the usual rules of the division otherwise.
 * A walk given a trace tells it each step it takes (mashctl explain); its
 * construction from the options is calendar_new.c's.
 *
 * Process-wide state: local time is the C library's. Every entry point
 * that converts between UTC and local time first makes the process's TZ
 * the calendar's zone (setenv("TZ") and tzset()), so after any call the
 * whole process sees the hub's zone. mashd is single-threaded; do not call
 * these functions from two threads at once.
 *
 * Around a clock change a local wall time may not exist (the spring gap)
 * or exist twice (the autumn repeat). A wall time stands for the FIRST
 * instant at which the local clock reads at least that time: a time in
 * the gap is the instant of the change, a repeated time is its first
 * occurrence. Office time is measured in real elapsed time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mash/calendar.h"
#include "mash/timeutil.h"

#include "calendar_int.h"
#include "holidays.h"

/* A walk that finds no answer within ten years gives up. */
#define HORIZON_DAYS 3660
#define MS_PER_MIN 60000LL
#define MS_PER_DAY 86400000LL

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int
calendar_cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static bool
day_in(const int64_t *days, size_t n, int64_t day)
{
	return n > 0 &&
	       bsearch(&day, days, n, sizeof(*days), calendar_cmp_day) != NULL;
}

/* ---- Holidays ------------------------------------------------------ */

bool
calendar_is_holiday(const struct calendar *cal, int64_t day, const char **title)
{
	const struct calendar_options *o = &cal->opts;

	if (day_in(o->cancelled, o->ncancelled, day))
		return false;
	if (holidays_on(cal->hol, day, title))
		return true;
	if (day_in(o->extra, o->nextra, day)) {
		if (title != NULL)
			*title = "Extra holiday";
		return true;
	}
	return false;
}

size_t
calendar_holidays(const struct calendar *cal, int year,
		  struct calendar_holiday *out, size_t max)
{
	int64_t first = mash_days_from_civil(year, 1, 1);
	int64_t end = mash_days_from_civil(year + 1, 1, 1);
	size_t n = 0;

	for (int64_t d = first; d < end && n < max; d++) {
		const char *title = NULL;

		if (!calendar_is_holiday(cal, d, &title))
			continue;
		out[n].day = d;
		snprintf(out[n].title, sizeof(out[n].title), "%s", title);
		n++;
	}
	return n;
}

/* ---- Local time ---------------------------------------------------- */

/*
 * local_to_utc() costs a mktime() and up to six localtime_r() calls, and a
 * referral's deadlines ask for the same few openings and closings each
 * time: its answers are kept, by wall time, for the zone they were worked
 * out in. tz_use() empties the cache when the calendar's zone is another.
 */
#define ZONE_CACHE 64 /* entries, a power of two */

static struct {
	char tz[sizeof(((struct calendar *)0)->tz)];
	struct {
		int64_t naive, utc;
		bool exact, used;
	} e[ZONE_CACHE];
} zone_cache;

static void
tz_use(const struct calendar *cal)
{
	const char *cur = getenv("TZ");

	if (cur == NULL || strcmp(cur, cal->tz) != 0)
		setenv("TZ", cal->tz, 1);
	tzset();
	if (strcmp(zone_cache.tz, cal->tz) != 0) {
		memset(&zone_cache, 0, sizeof(zone_cache));
		snprintf(zone_cache.tz, sizeof(zone_cache.tz), "%s", cal->tz);
	}
}

/* Local wall time of the UTC second u, as seconds since the epoch. */
static int64_t
local_naive(int64_t u)
{
	time_t t = (time_t)u;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return u;
	return mash_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
				    tm.tm_mday) *
		   86400 +
	       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/*
 * The first UTC second whose local wall time is at least `naive`; *exact
 * is false when that wall time does not exist (the spring gap). mktime()
 * answers ordinary times; around a change its choice is unspecified, so
 * the answer is checked against the UTC offsets a day either side.
 */
static int64_t
local_to_utc_uncached(int64_t naive, bool *exact)
{
	struct tm tm = {0};
	int64_t days = floor_div(naive, 86400), rem = naive - days * 86400;
	int64_t guess, off[3], best = INT64_MAX, lo, hi;
	time_t g;
	int y, m, d;

	mash_civil_from_days(days, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = (int)(rem / 3600);
	tm.tm_min = (int)(rem / 60 % 60);
	tm.tm_sec = (int)(rem % 60);
	tm.tm_isdst = -1;
	g = mktime(&tm);
	guess = g == (time_t)-1 ? naive : (int64_t)g;
	off[0] = local_naive(guess) - guess;
	off[1] = local_naive(guess - 86400) - (guess - 86400);
	off[2] = local_naive(guess + 86400) - (guess + 86400);
	for (int i = 0; i < 3; i++) {
		int64_t u = naive - off[i];

		if (local_naive(u) == naive && u < best)
			best = u;
	}
	*exact = best != INT64_MAX;
	if (*exact)
		return best;
	/* In the gap: the instant of the change, found by bisection. */
	lo = hi = naive - off[0];
	for (int i = 1; i < 3; i++) {
		if (naive - off[i] < lo)
			lo = naive - off[i];
		if (naive - off[i] > hi)
			hi = naive - off[i];
	}
	if (local_naive(lo) >= naive || local_naive(hi) < naive)
		return naive - off[0];
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (local_naive(mid) >= naive)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

static int64_t
local_to_utc(int64_t naive, bool *exact)
{
	uint64_t h = (uint64_t)naive * 0x9E3779B97F4A7C15ULL;
	size_t i = (size_t)(h >> 58) & (ZONE_CACHE - 1);

	if (!zone_cache.e[i].used || zone_cache.e[i].naive != naive) {
		zone_cache.e[i].naive = naive;
		zone_cache.e[i].utc =
		    local_to_utc_uncached(naive, &zone_cache.e[i].exact);
		zone_cache.e[i].used = true;
	}
	*exact = zone_cache.e[i].exact;
	return zone_cache.e[i].utc;
}

/* The instant of the local wall time `tod_ms` after midnight of `day`. */
static int64_t
utc_of(int64_t day, int64_t tod_ms)
{
	int64_t naive = day * 86400 + floor_div(tod_ms, 1000);
	bool exact;
	int64_t u = local_to_utc(naive, &exact);

	return u * 1000 + (exact ? tod_ms - floor_div(tod_ms, 1000) * 1000 : 0);
}

/* The local day and time of day (ms after midnight) of the instant t. */
static void
local_of(int64_t t_ms, int64_t *day, int64_t *tod_ms)
{
	int64_t secs = floor_div(t_ms, 1000);
	int64_t naive = local_naive(secs);

	*day = floor_div(naive, 86400);
	*tod_ms = (naive - *day * 86400) * 1000 + (t_ms - secs * 1000);
}

char *
calendar_format_local(const struct calendar *cal, int64_t t_ms, char *buf,
		      size_t len)
{
	time_t t;
	struct tm tm;

	tz_use(cal);
	if (!mash_instant_ok(t_ms)) {
		snprintf(buf, len, "%s", MASH_TIME_DAMAGED);
		return buf;
	}
	t = (time_t)floor_div(t_ms, 1000);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%a %d %b %Y %H:%M %Z", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

/* ---- Office hours -------------------------------------------------- */

static const struct calendar_hours *
hours_of(const struct calendar *cal, int64_t day)
{
	return &cal->opts.hours[mash_weekday(day)];
}

static bool
working_day(const struct calendar *cal, int64_t day)
{
	return hours_of(cal, day)->open >= 0 &&
	       !calendar_is_holiday(cal, day, NULL);
}

static int64_t
open_at(const struct calendar *cal, int64_t day)
{
	return utc_of(day, hours_of(cal, day)->open * MS_PER_MIN);
}

static int64_t
close_at(const struct calendar *cal, int64_t day)
{
	return utc_of(day, hours_of(cal, day)->close * MS_PER_MIN);
}

/* A working day whose office time is not swallowed by a clock change. */
static bool
office_day(const struct calendar *cal, int64_t day)
{
	return working_day(cal, day) && open_at(cal, day) < close_at(cal, day);
}

/* Day d at the local time tod, clamped to d's office hours. */
static int64_t
at_clamped(const struct calendar *cal, int64_t d, int64_t tod)
{
	const struct calendar_hours *h = hours_of(cal, d);

	if (tod < h->open * MS_PER_MIN)
		tod = h->open * MS_PER_MIN;
	if (tod > h->close * MS_PER_MIN)
		tod = h->close * MS_PER_MIN;
	return utc_of(d, tod);
}

/* Why day d is no working day (CALENDAR_WORKING: it is one). */
static enum calendar_closed
closed_why(const struct calendar *cal, int64_t d, const char **title)
{
	*title = NULL;
	if (hours_of(cal, d)->open < 0)
		return CALENDAR_CLOSED_WEEKDAY;
	if (calendar_is_holiday(cal, d, title))
		return holidays_on(cal->hol, d, NULL) ? CALENDAR_BANK_HOLIDAY
						      : CALENDAR_EXTRA_DAY;
	return office_day(cal, d) ? CALENDAR_WORKING : CALENDAR_NO_HOURS;
}

/* One step of a walk to its trace, if it has one. */
static void
emit(const struct calendar *cal, const struct calendar_trace *tr,
     enum calendar_step_kind k, int64_t day, int64_t from, int64_t at,
     int64_t n)
{
	struct calendar_step s = {k, day, from, at, n, CALENDAR_WORKING, NULL};

	if (tr == NULL || tr->step == NULL)
		return;
	if (k == CALENDAR_STEP_SKIP)
		s.why = closed_why(cal, day, &s.title);
	tr->step(tr->arg, &s);
}

/* Day d at tod clamped to its hours, told to the trace as the end. */
static int64_t
end_at(const struct calendar *cal, const struct calendar_trace *tr, int64_t d,
       int64_t tod)
{
	const struct calendar_hours *h = hours_of(cal, d);
	int64_t t = at_clamped(cal, d, tod);

	emit(cal, tr, CALENDAR_STEP_END, d, 0, t,
	     tod < h->open * MS_PER_MIN || tod > h->close * MS_PER_MIN);
	return t;
}

/* Is the office open at t: open_at(d) <= t < close_at(d)? Sets *dayp. */
static bool
open_in(const struct calendar *cal, int64_t t, int64_t *dayp)
{
	static const int try[] = {0, -1, 1};
	int64_t day, tod;

	local_of(t, &day, &tod);
	for (size_t i = 0; i < sizeof(try) / sizeof(try[0]); i++) {
		int64_t d = day + try[i];

		if (working_day(cal, d) && open_at(cal, d) <= t &&
		    t < close_at(cal, d)) {
			*dayp = d;
			return true;
		}
	}
	return false;
}

static int64_t
next_open_in(const struct calendar *cal, int64_t t, int64_t *dayp,
	     const struct calendar_trace *tr)
{
	int64_t day, tod;

	if (open_in(cal, t, dayp))
		return t;
	local_of(t, &day, &tod);
	for (int64_t d = day - 1; d <= day + HORIZON_DAYS; d++) {
		int64_t o;

		if (!office_day(cal, d) && d >= day)
			emit(cal, tr, CALENDAR_STEP_SKIP, d, 0, 0, 0);
		if (!office_day(cal, d) || (o = open_at(cal, d)) <= t)
			continue;
		*dayp = d;
		return o;
	}
	return CALENDAR_NEVER;
}

/*
 * The mirror of next_open: t itself when the office was open just before
 * t (open_at(d) < t <= close_at(d)), else the latest closing before t.
 */
static int64_t
prev_close_in(const struct calendar *cal, int64_t t, int64_t *dayp,
	      const struct calendar_trace *tr)
{
	int64_t day, tod;

	local_of(t, &day, &tod);
	for (int64_t d = day + 1; d >= day - HORIZON_DAYS; d--) {
		int64_t o, c;

		if (!office_day(cal, d)) {
			if (d <= day)
				emit(cal, tr, CALENDAR_STEP_SKIP, d, 0, 0, 0);
			continue;
		}
		o = open_at(cal, d);
		c = close_at(cal, d);
		if (o < t && t <= c) {
			*dayp = d;
			return t;
		}
		if (c <= t) {
			*dayp = d;
			return c;
		}
	}
	return CALENDAR_NEVER;
}

/* The local time of day of s, an instant of day d's office time. */
static int64_t
office_tod(const struct calendar *cal, int64_t s, int64_t d)
{
	int64_t day, tod;

	if (s == open_at(cal, d))
		return hours_of(cal, d)->open * MS_PER_MIN;
	if (s == close_at(cal, d))
		return hours_of(cal, d)->close * MS_PER_MIN;
	local_of(s, &day, &tod);
	return tod + (day - d) * MS_PER_DAY;
}

/* ---- The public walks ---------------------------------------------- */

bool
calendar_is_open(const struct calendar *cal, int64_t t_ms)
{
	int64_t d;

	tz_use(cal);
	return open_in(cal, t_ms, &d);
}

int64_t
calendar_next_open(const struct calendar *cal, int64_t t_ms)
{
	int64_t d;

	tz_use(cal);
	return next_open_in(cal, t_ms, &d, NULL);
}

int64_t
calendar_add_working_days(const struct calendar *cal, int64_t t_ms, int n)
{
	return calendar_add_working_days_traced(cal, t_ms, n, NULL);
}

int64_t
calendar_add_working_days_traced(const struct calendar *cal, int64_t t_ms,
				 int n, const struct calendar_trace *tr)
{
	int64_t s, d, start, tod;

	tz_use(cal);
	if ((s = next_open_in(cal, t_ms, &d, tr)) == CALENDAR_NEVER)
		return CALENDAR_NEVER;
	emit(cal, tr, CALENDAR_STEP_START, d, t_ms, s, 0);
	if (n <= 0) {
		emit(cal, tr, CALENDAR_STEP_END, d, 0, s, 0);
		return s;
	}
	tod = office_tod(cal, s, d);
	start = d;
	for (int i = 0; i < n;) {
		if (++d > start + HORIZON_DAYS)
			return CALENDAR_NEVER;
		if (working_day(cal, d))
			emit(cal, tr, CALENDAR_STEP_COUNT, d, 0, 0, ++i);
		else
			emit(cal, tr, CALENDAR_STEP_SKIP, d, 0, 0, 0);
	}
	return end_at(cal, tr, d, tod);
}

int64_t
calendar_sub_working_days(const struct calendar *cal, int64_t t_ms, int n)
{
	return calendar_sub_working_days_traced(cal, t_ms, n, NULL);
}

int64_t
calendar_sub_working_days_traced(const struct calendar *cal, int64_t t_ms,
				 int n, const struct calendar_trace *tr)
{
	int64_t e, d, start, tod;

	if (t_ms == CALENDAR_NEVER)
		return CALENDAR_NEVER;
	tz_use(cal);
	local_of(t_ms, &d, &tod);
	/* Within a day's hours, its opening and closing instants included,
	 * the time of day is t's; else the previous close. */
	if (working_day(cal, d) && open_at(cal, d) <= t_ms &&
	    t_ms <= close_at(cal, d)) {
		e = t_ms;
	} else if ((e = prev_close_in(cal, t_ms, &d, tr)) == CALENDAR_NEVER) {
		return CALENDAR_NEVER;
	}
	emit(cal, tr, CALENDAR_STEP_START, d, t_ms, e, 0);
	if (n <= 0) {
		emit(cal, tr, CALENDAR_STEP_END, d, 0, e, 0);
		return e;
	}
	tod = office_tod(cal, e, d);
	start = d;
	for (int i = 0; i < n;) {
		if (--d < start - HORIZON_DAYS)
			return CALENDAR_NEVER;
		if (working_day(cal, d))
			emit(cal, tr, CALENDAR_STEP_COUNT, d, 0, 0, ++i);
		else
			emit(cal, tr, CALENDAR_STEP_SKIP, d, 0, 0, 0);
	}
	return end_at(cal, tr, d, tod);
}

int64_t
calendar_add_working_minutes(const struct calendar *cal, int64_t t_ms,
			     int64_t minutes)
{
	return calendar_add_working_minutes_traced(cal, t_ms, minutes, NULL);
}

int64_t
calendar_add_working_minutes_traced(const struct calendar *cal, int64_t t_ms,
				    int64_t minutes,
				    const struct calendar_trace *tr)
{
	int64_t s, d, start, left;

	tz_use(cal);
	if ((s = next_open_in(cal, t_ms, &d, tr)) == CALENDAR_NEVER)
		return CALENDAR_NEVER;
	emit(cal, tr, CALENDAR_STEP_START, d, t_ms, s, 0);
	if (minutes > (int64_t)HORIZON_DAYS * 1440)
		return CALENDAR_NEVER;
	left = minutes > 0 ? minutes * MS_PER_MIN : 0;
	start = d;
	for (;;) {
		int64_t avail = close_at(cal, d) - s;

		/* Using up the day's last minute ends at its close. */
		if (left <= avail) {
			if (left > 0)
				emit(cal, tr, CALENDAR_STEP_HOURS, d, s,
				     s + left, left / MS_PER_MIN);
			emit(cal, tr, CALENDAR_STEP_END, d, 0, s + left, 0);
			return s + left;
		}
		emit(cal, tr, CALENDAR_STEP_HOURS, d, s, s + avail,
		     avail / MS_PER_MIN);
		left -= avail;
		do {
			if (++d > start + HORIZON_DAYS)
				return CALENDAR_NEVER;
			if (!office_day(cal, d))
				emit(cal, tr, CALENDAR_STEP_SKIP, d, 0, 0, 0);
		} while (!office_day(cal, d));
		s = open_at(cal, d);
	}
}

int64_t
calendar_sub_working_minutes(const struct calendar *cal, int64_t t_ms,
			     int64_t minutes)
{
	return calendar_sub_working_minutes_traced(cal, t_ms, minutes, NULL);
}

int64_t
calendar_sub_working_minutes_traced(const struct calendar *cal, int64_t t_ms,
				    int64_t minutes,
				    const struct calendar_trace *tr)
{
	int64_t e, d, start, left;

	if (minutes <= 0 || t_ms == CALENDAR_NEVER)
		return t_ms;
	if (minutes > (int64_t)HORIZON_DAYS * 1440)
		return CALENDAR_NEVER;
	tz_use(cal);
	if ((e = prev_close_in(cal, t_ms, &d, tr)) == CALENDAR_NEVER)
		return CALENDAR_NEVER;
	emit(cal, tr, CALENDAR_STEP_START, d, t_ms, e, 0);
	left = minutes * MS_PER_MIN;
	start = d;
	for (;;) {
		int64_t avail = e - open_at(cal, d);

		/* Using up the day's first minute ends at its opening. */
		if (left <= avail) {
			emit(cal, tr, CALENDAR_STEP_HOURS, d, e, e - left,
			     left / MS_PER_MIN);
			emit(cal, tr, CALENDAR_STEP_END, d, 0, e - left, 0);
			return e - left;
		}
		emit(cal, tr, CALENDAR_STEP_HOURS, d, e, e - avail,
		     avail / MS_PER_MIN);
		left -= avail;
		do {
			if (--d < start - HORIZON_DAYS)
				return CALENDAR_NEVER;
			if (!office_day(cal, d))
				emit(cal, tr, CALENDAR_STEP_SKIP, d, 0, 0, 0);
		} while (!office_day(cal, d));
		e = close_at(cal, d);
	}
}

long
calendar_utc_offset(const struct calendar *cal, int64_t t_ms, char *abbr,
		    size_t len)
{
	time_t t = (time_t)floor_div(t_ms, 1000);
	struct tm tm;

	tz_use(cal);
	if (localtime_r(&t, &tm) == NULL) {
		snprintf(abbr, len, "?");
		return 0;
	}
	snprintf(abbr, len, "%s", tm.tm_zone ? tm.tm_zone : "?");
	return tm.tm_gmtoff;
}
