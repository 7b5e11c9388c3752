/*
 * calendar_int.h: the calendar's own record, for calendar.c (the walks)
 * and calendar_new.c (its construction). No other file sees it.
 */
#ifndef MASHD_CALENDAR_INT_H
#define MASHD_CALENDAR_INT_H

#include "mash/calendar.h"

struct calendar {
	struct calendar_options opts; /* strings point at the copies below */
	char tz[128];
	char division[32];
	char *file;
	struct holidays *hol; /* the division's, before extra and cancelled */
};

/* qsort and bsearch's order of days since the epoch. */
int calendar_cmp_day(const void *a, const void *b);

#endif
