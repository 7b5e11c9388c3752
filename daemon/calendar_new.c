/*
 * calendar_new.c: a calendar made from its options (calendar.h): the
 * office hours, the zone and the division checked, the holidays file
 * read (holidays.c), extra and cancelled days sorted for calendar.c's
 * walks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/calendar.h"

#include "calendar_int.h"
#include "holidays.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"

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

	if (check_hours(o, err, errlen) != 0 || tz_check(tz, err, errlen) != 0)
		return NULL;
	if (holidays_division(div) < 0) {
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
	cal->opts.timezone = cal->tz;
	cal->opts.division = cal->division;
	cal->opts.holidays_file = NULL;
	qsort(cal->opts.extra, cal->opts.nextra, sizeof(int64_t),
	      calendar_cmp_day);
	qsort(cal->opts.cancelled, cal->opts.ncancelled, sizeof(int64_t),
	      calendar_cmp_day);
	if (o->holidays_file != NULL) {
		if ((cal->file = strdup(o->holidays_file)) == NULL) {
			snprintf(err, errlen, "calendar: out of memory");
			goto fail;
		}
		cal->opts.holidays_file = cal->file;
	}
	if ((cal->hol = holidays_new(cal->division, cal->file, err, errlen)) ==
	    NULL)
		goto fail;
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
	holidays_free(cal->hol);
	free(cal->file);
	free(cal);
}

const struct calendar_options *
calendar_options(const struct calendar *cal)
{
	return &cal->opts;
}
