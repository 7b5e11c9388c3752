/*
 * calendar: the hub's working time (SPEC section 6). Office hours per
 * weekday in the hub's zone, bank holidays from a gov.uk-format
 * bank-holidays.json (computed by the usual rules of the division for
 * years outside the file), extra and cancelled days; and the arithmetic
 * next_open, N working days, N working hours, N elapsed hours.
 * All instants are UTC milliseconds; all arithmetic is in local wall-clock
 * time. Pure but for reading the holidays file and the zone, and for
 * setting the process's TZ to the calendar's zone (see calendar.c).
 */
#ifndef MASH_CALENDAR_H
#define MASH_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CALENDAR_MAX_DAYS 256
/* What a walk returns when it finds no answer within ten years. */
#define CALENDAR_NEVER INT64_MAX

struct calendar_hours {
	int open;  /* minutes after local midnight; -1 when closed all day */
	int close; /* minutes after local midnight, > open, <= 1440 */
};

struct calendar_options {
	const char *timezone;		/* tz database name, "Europe/London" */
	struct calendar_hours hours[7]; /* index 0 = Sunday .. 6 = Saturday */
	const char *holidays_file;	/* gov.uk bank-holidays.json, or NULL */
	const char *division; /* "england-and-wales", "scotland", ... */
	int64_t extra[CALENDAR_MAX_DAYS]; /* days since epoch (local dates) */
	size_t nextra;
	int64_t cancelled[CALENDAR_MAX_DAYS]; /* days since epoch */
	size_t ncancelled;
};

struct calendar_holiday {
	int64_t day; /* days since 1970-01-01 of the local date */
	char title[96];
};

struct calendar;

/* Fill `o` with the defaults of SPEC section 6 (no holidays file). */
void calendar_options_default(struct calendar_options *o);

/*
 * NULL with a sentence in `err` naming the file (or the zone, the hours,
 * the division) and what is wrong. The calendar copies what it keeps.
 */
struct calendar *calendar_new(const struct calendar_options *o, char *err,
			      size_t errlen);
void calendar_free(struct calendar *cal);

/*
 * Is the local date `day` (days since epoch) a holiday? `title` may be
 * NULL; the text it gets lives as long as the calendar.
 */
bool calendar_is_holiday(const struct calendar *cal, int64_t day,
			 const char **title);
/* Is the hub open at the instant t? */
bool calendar_is_open(const struct calendar *cal, int64_t t_ms);
/* t itself when the hub is open at t, else the next opening instant. */
int64_t calendar_next_open(const struct calendar *cal, int64_t t_ms);
/* SPEC section 6, "N working days after t". */
int64_t calendar_add_working_days(const struct calendar *cal, int64_t t_ms,
				  int n);
/*
 * The mirror image: from t if t is within a working day's hours (its
 * opening and closing instants included), else from the previous close;
 * back N working days, at the same local time of day clamped to that
 * day's hours. Friday 08:00 - 1 is Thursday 08:00.
 */
int64_t calendar_sub_working_days(const struct calendar *cal, int64_t t_ms,
				  int n);
/* SPEC section 6, "N working hours after t", in minutes of office time. */
int64_t calendar_add_working_minutes(const struct calendar *cal, int64_t t_ms,
				     int64_t minutes);
/*
 * The latest instant w <= t such that the office time between w and t is
 * `minutes` (used for warnings before a working-time deadline).
 */
int64_t calendar_sub_working_minutes(const struct calendar *cal, int64_t t_ms,
				     int64_t minutes);
/*
 * The effective holidays of a year in date order (file or rules, plus
 * extra, less cancelled); returns how many were written.
 */
size_t calendar_holidays(const struct calendar *cal, int year,
			 struct calendar_holiday *out, size_t max);
/* An instant as the hub's local wall time, for people: "Mon 30 Nov 2026
 * 15:00 GMT"; MASH_TIME_DAMAGED (timeutil.h) for one outside
 * MASH_INSTANT_MAX. Returns buf. */
char *calendar_format_local(const struct calendar *cal, int64_t t_ms, char *buf,
			    size_t len);
/* The options the calendar was made with (hours, zone, division). */
const struct calendar_options *calendar_options(const struct calendar *cal);

/*
 * A walk's trace, for `mashctl explain`: the walks below that end in
 * _traced tell each step they take to tr->step (tr NULL: nothing, at no
 * cost), so an explanation is the computation itself and cannot disagree
 * with it. Days are local dates (days since the epoch), instants UTC ms.
 */
enum calendar_step_kind {
	/* from: the walk's instant; at: where counting starts (the next
	 * opening when closed at `from`, or `from`); day: at's day. A
	 * backward walk starts at the last close before `from`. */
	CALENDAR_STEP_START,
	CALENDAR_STEP_COUNT, /* day: a working day counted, the n-th */
	CALENDAR_STEP_SKIP,  /* day: passed over, `why` (and `title`) */
	/* day: office time used, from..at (at..from going back), n min */
	CALENDAR_STEP_HOURS,
	/* at: the answer, on `day`; n = 1 when the time of day was moved
	 * into that day's office hours */
	CALENDAR_STEP_END,
};

enum calendar_closed {
	CALENDAR_WORKING = 0,
	CALENDAR_CLOSED_WEEKDAY, /* no office hours on that weekday */
	CALENDAR_BANK_HOLIDAY,	 /* title: its name in the holidays file */
	CALENDAR_EXTRA_DAY,	 /* a configured extra closed day */
	CALENDAR_NO_HOURS,	 /* its hours fall in a clock change's gap */
};

struct calendar_step {
	enum calendar_step_kind kind;
	int64_t day, from, at, n;
	enum calendar_closed why;
	const char *title; /* lives as long as the calendar */
};

struct calendar_trace {
	void (*step)(void *arg, const struct calendar_step *s);
	void *arg;
};

int64_t calendar_add_working_days_traced(const struct calendar *cal,
					 int64_t t_ms, int n,
					 const struct calendar_trace *tr);
int64_t calendar_sub_working_days_traced(const struct calendar *cal,
					 int64_t t_ms, int n,
					 const struct calendar_trace *tr);
int64_t calendar_add_working_minutes_traced(const struct calendar *cal,
					    int64_t t_ms, int64_t minutes,
					    const struct calendar_trace *tr);
int64_t calendar_sub_working_minutes_traced(const struct calendar *cal,
					    int64_t t_ms, int64_t minutes,
					    const struct calendar_trace *tr);
/* The UTC offset in force at t (seconds east of UTC) and the zone's
 * abbreviation then ("GMT", "BST") in abbr. */
long calendar_utc_offset(const struct calendar *cal, int64_t t_ms, char *abbr,
			 size_t len);

#endif
