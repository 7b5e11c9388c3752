/*
 * calendar.c owns the hub's working time (SPEC section 6): which local
 * days are working days, when the office is open, and the walks over
 * them (next opening, N working days, N working minutes forwards and
 * backwards). Bank holidays come from a gov.uk bank-holidays.json for the
 * years it covers and from the usual rules of the division otherwise.
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
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/timeutil.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"
/* A walk that finds no answer within ten years gives up. */
#define HORIZON_DAYS 3660
#define MS_PER_MIN 60000LL
#define MS_PER_DAY 86400000LL
/* U+2019 RIGHT SINGLE QUOTATION MARK, as gov.uk writes "New Year’s Day". */
#define APOS "\xe2\x80\x99"
#define SUB " (substitute day)"

enum division {
	DIV_ENGLAND_AND_WALES,
	DIV_SCOTLAND,
	DIV_NORTHERN_IRELAND,
};

static const char *const division_names[] = {"england-and-wales", "scotland",
					     "northern-ireland"};

struct calendar {
	struct calendar_options opts; /* strings point at the copies below */
	char tz[128];
	char division[32];
	char *file;
	enum division div;
	struct calendar_holiday *fileh; /* the division's events, by date */
	size_t nfileh;
	/* The years the file covers; first > last when it covers none. */
	int file_first, file_last;
};

/* A holiday computed by the rules; titles are string literals. */
struct rule_holiday {
	int64_t day;
	const char *title;
};

/* A fixed-date holiday: its title, and its title on a substitute day. */
struct fixed_rule {
	int m, d;
	const char *title, *sub;
};

struct rule_year {
	struct rule_holiday h[16];
	size_t n;
};

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int
cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
cmp_holiday(const void *a, const void *b)
{
	const struct calendar_holiday *x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
}

static int
cmp_rule_holiday(const void *a, const void *b)
{
	const struct rule_holiday *x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
}

static bool
day_in(const int64_t *days, size_t n, int64_t day)
{
	return n > 0 && bsearch(&day, days, n, sizeof(*days), cmp_day) != NULL;
}

/* ---- The usual rules ---------------------------------------------- */

/* Gregorian Easter Sunday (the anonymous algorithm of 1876). */
static int64_t
easter_sunday(int y)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;

	return mash_days_from_civil(y, month, day);
}

static int64_t
first_monday(int y, int m)
{
	int64_t d = mash_days_from_civil(y, m, 1);

	return d + (8 - mash_weekday(d)) % 7;
}

static int64_t
last_monday(int y, int m)
{
	int64_t d = m == 12 ? mash_days_from_civil(y, 12, 31)
			    : mash_days_from_civil(y, m + 1, 1) - 1;

	return d - (mash_weekday(d) + 6) % 7;
}

static bool
rule_taken(const struct rule_year *r, int64_t day)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->h[i].day == day)
			return true;
	return false;
}

static void
rule_add(struct rule_year *r, int64_t day, const char *title)
{
	if (r->n < sizeof(r->h) / sizeof(r->h[0]))
		r->h[r->n++] = (struct rule_holiday){day, title};
}

/* The first weekday on or after `day` that is not already a holiday. */
static int64_t
rule_free_weekday(const struct rule_year *r, int64_t day)
{
	while (mash_weekday(day) == 0 || mash_weekday(day) == 6 ||
	       rule_taken(r, day))
		day++;
	return day;
}

/*
 * The usual holidays of a division in year y, in date order. A fixed-date
 * holiday that falls on a weekend (or on another holiday) moves to the
 * next weekday that is not already one; the Mondays and Easter are placed
 * first so that a substitute never lands on them. In Scotland 2 January
 * follows New Year's Day, as gov.uk counts it (2023: 2 and 3 January).
 */
static void
rules_year(enum division div, int y, struct rule_year *r)
{
	struct fixed_rule fixed[5];
	size_t nfixed = 0;
	bool placed[5] = {false};
	int64_t easter = easter_sunday(y);

	r->n = 0;
	rule_add(r, easter - 2, "Good Friday");
	if (div != DIV_SCOTLAND)
		rule_add(r, easter + 1, "Easter Monday");
	rule_add(r, first_monday(y, 5), "Early May bank holiday");
	rule_add(r, last_monday(y, 5), "Spring bank holiday");
	rule_add(r,
		 div == DIV_SCOTLAND ? first_monday(y, 8) : last_monday(y, 8),
		 "Summer bank holiday");

	if (div == DIV_SCOTLAND) {
		int64_t jan1 = mash_days_from_civil(y, 1, 1);
		int64_t nyd = rule_free_weekday(r, jan1);
		int64_t jan2;

		rule_add(r, nyd,
			 nyd == jan1 ? "New Year" APOS "s Day"
				     : "New Year" APOS "s Day" SUB);
		jan2 = rule_free_weekday(r, nyd + 1);
		rule_add(r, jan2,
			 jan2 == jan1 + 1 ? "2nd January" : "2nd January" SUB);
	} else {
		fixed[nfixed++] = (struct fixed_rule){
		    1, 1, "New Year" APOS "s Day", "New Year" APOS "s Day" SUB};
	}
	if (div == DIV_NORTHERN_IRELAND) {
		fixed[nfixed++] =
		    (struct fixed_rule){3, 17, "St Patrick" APOS "s Day",
					"St Patrick" APOS "s Day" SUB};
		fixed[nfixed++] = (struct fixed_rule){
		    7, 12, "Battle of the Boyne (Orangemen" APOS "s Day)",
		    "Battle of the Boyne (Orangemen" APOS "s Day)" SUB};
	}
	if (div == DIV_SCOTLAND)
		fixed[nfixed++] =
		    (struct fixed_rule){11, 30, "St Andrew" APOS "s Day",
					"St Andrew" APOS "s Day" SUB};
	fixed[nfixed++] =
	    (struct fixed_rule){12, 25, "Christmas Day", "Christmas Day" SUB};
	fixed[nfixed++] =
	    (struct fixed_rule){12, 26, "Boxing Day", "Boxing Day" SUB};

	for (size_t i = 0; i < nfixed; i++) {
		int64_t d = mash_days_from_civil(y, fixed[i].m, fixed[i].d);
		int wd = mash_weekday(d);

		if (wd != 0 && wd != 6 && !rule_taken(r, d)) {
			rule_add(r, d, fixed[i].title);
			placed[i] = true;
		}
	}
	for (size_t i = 0; i < nfixed; i++) {
		int64_t d = mash_days_from_civil(y, fixed[i].m, fixed[i].d);

		if (!placed[i])
			rule_add(r, rule_free_weekday(r, d), fixed[i].sub);
	}
	qsort(r->h, r->n, sizeof(r->h[0]), cmp_rule_holiday);
}

/* ---- Holidays ------------------------------------------------------ */

static int
day_year(int64_t day)
{
	int y, m, d;

	mash_civil_from_days(day, &y, &m, &d);
	return y;
}

/* The holiday of the file or the rules on `day` (before extra/cancelled). */
static bool
base_holiday(const struct calendar *cal, int64_t day, const char **title)
{
	int y = day_year(day);

	if (y >= cal->file_first && y <= cal->file_last) {
		struct calendar_holiday key = {.day = day};
		const struct calendar_holiday *h =
		    bsearch(&key, cal->fileh, cal->nfileh,
			    sizeof(cal->fileh[0]), cmp_holiday);

		if (h != NULL && title != NULL)
			*title = h->title;
		return h != NULL;
	} else {
		struct rule_year r;

		rules_year(cal->div, y, &r);
		for (size_t i = 0; i < r.n; i++) {
			if (r.h[i].day == day) {
				if (title != NULL)
					*title = r.h[i].title;
				return true;
			}
		}
		return false;
	}
}

bool
calendar_is_holiday(const struct calendar *cal, int64_t day, const char **title)
{
	const struct calendar_options *o = &cal->opts;

	if (day_in(o->cancelled, o->ncancelled, day))
		return false;
	if (base_holiday(cal, day, title))
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

/* ---- The holidays file -------------------------------------------- */

static int
file_event(struct calendar *cal, const char *path, size_t i, json_t *ev,
	   char *err, size_t errlen)
{
	json_t *date = json_object_get(ev, "date");
	json_t *title = json_object_get(ev, "title");
	json_t *notes = json_object_get(ev, "notes");
	struct calendar_holiday *h = &cal->fileh[cal->nfileh];
	const char *n;
	int y, m, d;

	if (!json_is_object(ev)) {
		snprintf(err, errlen, "%s: %s event %zu is not an object", path,
			 cal->division, i + 1);
		return -1;
	}
	if (!json_is_string(date) ||
	    mash_date_parse(json_string_value(date), &y, &m, &d) != 0) {
		snprintf(err, errlen,
			 "%s: %s event %zu: bad date %s (want \"YYYY-MM-DD\")",
			 path, cal->division, i + 1,
			 json_is_string(date) ? json_string_value(date)
					      : "(not a string)");
		return -1;
	}
	if (!json_is_string(title) || json_string_length(title) == 0) {
		snprintf(err, errlen, "%s: %s event %zu (%s): no title", path,
			 cal->division, i + 1, json_string_value(date));
		return -1;
	}
	if (notes != NULL && !json_is_string(notes)) {
		snprintf(err, errlen,
			 "%s: %s event %zu (%s): notes is not text", path,
			 cal->division, i + 1, json_string_value(date));
		return -1;
	}
	n = notes != NULL ? json_string_value(notes) : "";
	h->day = mash_days_from_civil(y, m, d);
	if (strcasecmp(n, "Substitute day") == 0)
		snprintf(h->title, sizeof(h->title), "%s" SUB,
			 json_string_value(title));
	else if (n[0] != '\0')
		snprintf(h->title, sizeof(h->title), "%s (%s)",
			 json_string_value(title), n);
	else
		snprintf(h->title, sizeof(h->title), "%s",
			 json_string_value(title));
	if (cal->nfileh == 0 || y < cal->file_first)
		cal->file_first = y;
	if (cal->nfileh == 0 || y > cal->file_last)
		cal->file_last = y;
	cal->nfileh++;
	return 0;
}

static int
file_load(struct calendar *cal, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *div, *events;
	size_t n, w;
	int rc = -1;

	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s: cannot read the bank holidays file",
			 path);
		return -1;
	}
	if ((root = json_load_file(path, 0, &je)) == NULL) {
		snprintf(err, errlen, "%s:%d: not valid JSON: %s", path,
			 je.line, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen,
			 "%s: not a gov.uk bank holidays file "
			 "(the top level is not an object)",
			 path);
		goto out;
	}
	div = json_object_get(root, cal->division);
	if (!json_is_object(div)) {
		snprintf(err, errlen, "%s: no division \"%s\"", path,
			 cal->division);
		goto out;
	}
	events = json_object_get(div, "events");
	if (!json_is_array(events)) {
		snprintf(err, errlen, "%s: %s has no \"events\" array", path,
			 cal->division);
		goto out;
	}
	n = json_array_size(events);
	if (n > 0 && (cal->fileh = calloc(n, sizeof(*cal->fileh))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (file_event(cal, path, i, json_array_get(events, i), err,
			       errlen) != 0)
			goto out;
	if (cal->nfileh > 0)
		qsort(cal->fileh, cal->nfileh, sizeof(*cal->fileh),
		      cmp_holiday);
	/* Two events on one date (never in gov.uk's file): keep the first. */
	for (size_t i = w = 0; i < cal->nfileh; i++)
		if (w == 0 || cal->fileh[w - 1].day != cal->fileh[i].day)
			cal->fileh[w++] = cal->fileh[i];
	cal->nfileh = w;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* ---- Local time ---------------------------------------------------- */

static void
tz_use(const struct calendar *cal)
{
	const char *cur = getenv("TZ");

	if (cur == NULL || strcmp(cur, cal->tz) != 0)
		setenv("TZ", cal->tz, 1);
	tzset();
}

static int
tz_check(const char *name, char *err, size_t errlen)
{
	char path[sizeof(ZONEINFO_DIR) + 130], magic[4];
	FILE *f;
	size_t got;

	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL ||
	    strlen(name) >= 128) {
		snprintf(err, errlen,
			 "time zone \"%s\": not a tz database name", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, name);
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "time zone \"%s\": no such zone in %s",
			 name, ZONEINFO_DIR);
		return -1;
	}
	got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (got != sizeof(magic) || memcmp(magic, "TZif", 4) != 0) {
		snprintf(err, errlen, "time zone \"%s\": %s is not a zone file",
			 name, path);
		return -1;
	}
	return 0;
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
local_to_utc(int64_t naive, bool *exact)
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
	time_t t = (time_t)floor_div(t_ms, 1000);
	struct tm tm;

	tz_use(cal);
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
next_open_in(const struct calendar *cal, int64_t t, int64_t *dayp)
{
	int64_t day, tod;

	if (open_in(cal, t, dayp))
		return t;
	local_of(t, &day, &tod);
	for (int64_t d = day - 1; d <= day + HORIZON_DAYS; d++) {
		int64_t o;

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
prev_close_in(const struct calendar *cal, int64_t t, int64_t *dayp)
{
	int64_t day, tod;

	local_of(t, &day, &tod);
	for (int64_t d = day + 1; d >= day - HORIZON_DAYS; d--) {
		int64_t o, c;

		if (!office_day(cal, d))
			continue;
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
	return next_open_in(cal, t_ms, &d);
}

int64_t
calendar_add_working_days(const struct calendar *cal, int64_t t_ms, int n)
{
	int64_t s, d, start, tod;

	tz_use(cal);
	if ((s = next_open_in(cal, t_ms, &d)) == CALENDAR_NEVER)
		return CALENDAR_NEVER;
	if (n <= 0)
		return s;
	tod = office_tod(cal, s, d);
	start = d;
	for (int i = 0; i < n;) {
		if (++d > start + HORIZON_DAYS)
			return CALENDAR_NEVER;
		if (working_day(cal, d))
			i++;
	}
	return at_clamped(cal, d, tod);
}

int64_t
calendar_sub_working_days(const struct calendar *cal, int64_t t_ms, int n)
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
	} else if ((e = prev_close_in(cal, t_ms, &d)) == CALENDAR_NEVER) {
		return CALENDAR_NEVER;
	}
	if (n <= 0)
		return e;
	tod = office_tod(cal, e, d);
	start = d;
	for (int i = 0; i < n;) {
		if (--d < start - HORIZON_DAYS)
			return CALENDAR_NEVER;
		if (working_day(cal, d))
			i++;
	}
	return at_clamped(cal, d, tod);
}

int64_t
calendar_add_working_minutes(const struct calendar *cal, int64_t t_ms,
			     int64_t minutes)
{
	int64_t s, d, start, left;

	tz_use(cal);
	if ((s = next_open_in(cal, t_ms, &d)) == CALENDAR_NEVER)
		return CALENDAR_NEVER;
	if (minutes <= 0)
		return s;
	if (minutes > (int64_t)HORIZON_DAYS * 1440)
		return CALENDAR_NEVER;
	left = minutes * MS_PER_MIN;
	start = d;
	for (;;) {
		int64_t avail = close_at(cal, d) - s;

		/* Using up the day's last minute ends at its close. */
		if (left <= avail)
			return s + left;
		left -= avail;
		do {
			if (++d > start + HORIZON_DAYS)
				return CALENDAR_NEVER;
		} while (!office_day(cal, d));
		s = open_at(cal, d);
	}
}

int64_t
calendar_sub_working_minutes(const struct calendar *cal, int64_t t_ms,
			     int64_t minutes)
{
	int64_t e, d, start, left;

	if (minutes <= 0 || t_ms == CALENDAR_NEVER)
		return t_ms;
	if (minutes > (int64_t)HORIZON_DAYS * 1440)
		return CALENDAR_NEVER;
	tz_use(cal);
	if ((e = prev_close_in(cal, t_ms, &d)) == CALENDAR_NEVER)
		return CALENDAR_NEVER;
	left = minutes * MS_PER_MIN;
	start = d;
	for (;;) {
		int64_t avail = e - open_at(cal, d);

		/* Using up the day's first minute ends at its opening. */
		if (left <= avail)
			return e - left;
		left -= avail;
		do {
			if (--d < start - HORIZON_DAYS)
				return CALENDAR_NEVER;
		} while (!office_day(cal, d));
		e = close_at(cal, d);
	}
}

/* ---- Construction -------------------------------------------------- */

void
calendar_options_default(struct calendar_options *o)
{
	memset(o, 0, sizeof(*o));
	o->timezone = "Europe/London";
	o->hours[0] = (struct calendar_hours){-1, -1};
	for (int i = 1; i <= 4; i++)
		o->hours[i] = (struct calendar_hours){8 * 60, 17 * 60 + 30};
	o->hours[5] = (struct calendar_hours){8 * 60, 16 * 60 + 30};
	o->hours[6] = (struct calendar_hours){-1, -1};
	o->holidays_file = NULL;
	o->division = "england-and-wales";
}

static int
check_hours(const struct calendar_options *o, char *err, size_t errlen)
{
	static const char *const days[7] = {"Sunday",	 "Monday",   "Tuesday",
					    "Wednesday", "Thursday", "Friday",
					    "Saturday"};
	bool any = false;

	for (int i = 0; i < 7; i++) {
		const struct calendar_hours *h = &o->hours[i];

		if (h->open == -1)
			continue;
		if (h->open < 0 || h->open >= 1440 || h->close <= h->open ||
		    h->close > 1440) {
			snprintf(err, errlen,
				 "office hours of %s: opening %d and closing "
				 "%d (minutes after midnight) must satisfy "
				 "0 <= opening < closing <= 1440, or opening "
				 "-1 for closed",
				 days[i], h->open, h->close);
			return -1;
		}
		any = true;
	}
	if (!any) {
		snprintf(err, errlen,
			 "office hours: every weekday is closed, so no "
			 "deadline could ever fall due");
		return -1;
	}
	return 0;
}

struct calendar *
calendar_new(const struct calendar_options *o, char *err, size_t errlen)
{
	struct calendar *cal;
	const char *tz = o->timezone ? o->timezone : "Europe/London";
	const char *div = o->division ? o->division : "england-and-wales";
	size_t i;

	if (check_hours(o, err, errlen) != 0 || tz_check(tz, err, errlen) != 0)
		return NULL;
	for (i = 0; i < 3 && strcmp(div, division_names[i]) != 0; i++)
		;
	if (i == 3) {
		snprintf(err, errlen,
			 "division \"%s\": must be england-and-wales, "
			 "scotland or northern-ireland",
			 div);
		return NULL;
	}
	if (o->nextra > CALENDAR_MAX_DAYS ||
	    o->ncancelled > CALENDAR_MAX_DAYS) {
		snprintf(err, errlen,
			 "at most %d extra and %d cancelled holidays",
			 CALENDAR_MAX_DAYS, CALENDAR_MAX_DAYS);
		return NULL;
	}
	if ((cal = calloc(1, sizeof(*cal))) == NULL) {
		snprintf(err, errlen, "calendar: out of memory");
		return NULL;
	}
	cal->opts = *o;
	snprintf(cal->tz, sizeof(cal->tz), "%s", tz);
	snprintf(cal->division, sizeof(cal->division), "%s", div);
	cal->div = (enum division)i;
	cal->opts.timezone = cal->tz;
	cal->opts.division = cal->division;
	cal->opts.holidays_file = NULL;
	cal->file_first = 1;
	cal->file_last = 0;
	qsort(cal->opts.extra, cal->opts.nextra, sizeof(int64_t), cmp_day);
	qsort(cal->opts.cancelled, cal->opts.ncancelled, sizeof(int64_t),
	      cmp_day);
	if (o->holidays_file != NULL) {
		if ((cal->file = strdup(o->holidays_file)) == NULL) {
			snprintf(err, errlen, "calendar: out of memory");
			goto fail;
		}
		cal->opts.holidays_file = cal->file;
		if (file_load(cal, cal->file, err, errlen) != 0)
			goto fail;
	}
	return cal;
fail:
	calendar_free(cal);
	return NULL;
}

void
calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	free(cal->fileh);
	free(cal->file);
	free(cal);
}

const struct calendar_options *
calendar_options(const struct calendar *cal)
{
	return &cal->opts;
}
