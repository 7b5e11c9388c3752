/*
 * timeutil.c owns UTC instants and their text forms. The civil-date
 * arithmetic is Howard Hinnant's days_from_civil, exact for any year.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/timeutil.h"

int64_t
mash_days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
mash_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
mash_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday. */
	return (int)(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

bool
mash_date_valid(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int n;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	n = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		n = 29;
	return d <= n;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_date_prefix(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (digits(s, 4, y) || digits(s + 5, 2, m) || digits(s + 8, 2, d))
		return -1;
	return mash_date_valid(*y, *m, *d) ? 0 : -1;
}

int
mash_date_parse(const char *s, int *y, int *m, int *d)
{
	if (s == NULL || strlen(s) != 10)
		return -1;
	return parse_date_prefix(s, y, m, d);
}

int
mash_ms_parse(const char *s, int64_t *ms)
{
	char *end;
	long long v;

	if (s == NULL || (s[0] != '-' && (s[0] < '0' || s[0] > '9')))
		return -1; /* strtoll would take spaces and a '+' too */
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || !mash_instant_ok(v))
		return -1;
	*ms = v;
	return 0;
}

char *
mash_time_format(int64_t ms, char *buf)
{
	int64_t secs, days, rem;
	int y, m, d;

	if (!mash_instant_ok(ms)) { /* (ms - 999) would overflow, y too */
		snprintf(buf, MASH_TIME_BUFSZ, "%s", MASH_TIME_DAMAGED);
		return buf;
	}
	secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	rem = secs - days * 86400;
	mash_civil_from_days(days, &y, &m, &d);
	snprintf(buf, MASH_TIME_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m,
		 d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return buf;
}

int
mash_time_parse(const char *s, int64_t *ms)
{
	int y, mo, d, hh, mi, ss, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, scale = 1000;
	const char *p;

	if (s == NULL || parse_date_prefix(s, &y, &mo, &d))
		return -1;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return -1;
	p = s + 11;
	if (strlen(p) < 8 || p[2] != ':' || p[5] != ':')
		return -1;
	if (digits(p, 2, &hh) || digits(p + 3, 2, &mi) || digits(p + 6, 2, &ss))
		return -1;
	if (hh > 23 || mi > 59 || ss > 59)
		return -1;
	p += 8;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
			p++;
		}
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		if (digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		sign = *p == '+' ? 1 : -1;
	} else {
		return -1;
	}
	*ms = ((mash_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 +
		ss) -
	       sign * (oh * 3600 + om * 60)) *
		  1000 +
	      frac;
	return 0;
}

int
mash_age_years(int by, int bm, int bd, int64_t at_ms)
{
	int64_t secs = at_ms >= 0 ? at_ms / 1000 : (at_ms - 999) / 1000;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int y, m, d, age;

	mash_civil_from_days(days, &y, &m, &d);
	age = y - by;
	if (m < bm || (m == bm && d < bd))
		age--;
	return age;
}
