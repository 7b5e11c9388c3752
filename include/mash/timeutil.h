/*
 * timeutil: UTC instants as milliseconds since the epoch, and the two text
 * forms mashd speaks: ISO 8601 instants ("2026-11-22T10:15:03Z") and
 * calendar dates ("2026-11-22"). Pure: no I/O, no time zone but UTC.
 */
#ifndef MASH_TIMEUTIL_H
#define MASH_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

#define MASH_TIME_BUFSZ 32
/* 9999-12-31T23:59:59.999Z: the instants mashd works time out from lie
 * within this either side of 1970. A stored time past it (a damaged
 * record's, strtoll's INT64_MAX) would overflow the calendar's
 * arithmetic: it is none. */
#define MASH_INSTANT_MAX 253402300799999LL

static inline bool
mash_instant_ok(int64_t ms)
{
	return ms >= -MASH_INSTANT_MAX && ms <= MASH_INSTANT_MAX;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t mash_days_from_civil(int y, int m, int d);
/* Inverse of mash_days_from_civil. */
void mash_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 0 = Sunday .. 6 = Saturday. */
int mash_weekday(int64_t days);
bool mash_date_valid(int y, int m, int d);

/* Strict "YYYY-MM-DD" naming a real calendar date. 0 on success, -1 else. */
int mash_date_parse(const char *s, int *y, int *m, int *d);

/* What mash_time_format() and calendar_format_local() write for an
 * instant outside MASH_INSTANT_MAX: a stored time that is none (a
 * damaged record's), never shown as a date it does not mean. */
#define MASH_TIME_DAMAGED "a damaged time"

/* An instant as mashd stores it, whole milliseconds in decimal ("-"
 * allowed), within MASH_INSTANT_MAX: 0, and *ms; -1 for anything else
 * (empty, not a number, trailing bytes, out of range). */
int mash_ms_parse(const char *s, int64_t *ms);

/* "YYYY-MM-DDTHH:MM:SSZ" in UTC; buf must hold MASH_TIME_BUFSZ bytes;
 * MASH_TIME_DAMAGED for an instant outside MASH_INSTANT_MAX. */
char *mash_time_format(int64_t ms, char *buf);
/*
 * "YYYY-MM-DDTHH:MM:SS" followed by "Z", "+HH:MM" or "-HH:MM", optionally
 * with fractional seconds. 0 on success, -1 else.
 */
int mash_time_parse(const char *s, int64_t *ms);

/* Whole years of age on the UTC day of `at_ms` for a birth date. */
int mash_age_years(int by, int bm, int bd, int64_t at_ms);

#endif
