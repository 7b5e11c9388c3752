/*
 * report: the timeliness report of `mashctl report` (mashctl(1) defines
 * each figure), computed exactly from the audit stream. Pure: it is fed
 * the events one at a time, oldest first, as mashd reads them page by
 * page, and asks the calendar for working time.
 *
 * The referrals counted are those received in [from, to); what they show
 * is their state at `to`: an event at or after `to` is not seen, so the
 * same range gives the same figures whenever it is asked.
 */
#ifndef MASH_REPORT_H
#define MASH_REPORT_H

#include <stdint.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/deadline.h"

/* The most referrals one report holds: a wider range is refused. */
#define REPORT_MAX_REFERRALS 200000

enum report_by {
	REPORT_BY_NONE = 0,
	REPORT_BY_BRAG,	   /* the rating last given before `to` */
	REPORT_BY_CHANNEL, /* web, partner, phone, email */
	REPORT_BY_AGENCY,  /* the referrer's agency, as submitted */
	REPORT_BY_OUTCOME, /* the decision in force at `to`, or undecided */
};

/* One audit event, as audit() in lib.lua writes it. */
struct report_event {
	const char *ref;    /* the referral, or "" */
	int64_t at;	    /* UTC ms */
	const char *action; /* "submit", "rate", "screen", "decide", ... */
	const char *detail; /* "channel=web brag=amber ...", ... */
};

struct report;

/* "brag", "channel", "agency", "outcome"; NULL or "" is none. 0 on
 * success, -1 for another word. */
int report_by_parse(const char *s, enum report_by *out);
const char *report_by_name(enum report_by by);

/* A report of referrals received in [from_ms, to_ms), screening by
 * `rules` (their screening spans); NULL when out of memory. */
struct report *report_new(const struct calendar *cal,
			  const struct deadline_rules *rules, int64_t from_ms,
			  int64_t to_ms);
void report_free(struct report *r);

/* Take one event, in the stream's order. -1 when the range holds more
 * than REPORT_MAX_REFERRALS referrals or memory ran out; 0 else (an
 * event that does not count is passed over). */
int report_add(struct report *r, const struct report_event *e);

/*
 * The figures: {"total": {...}, "groups": [{"group": key, ...}]}, the
 * groups by `by` in order of their key (none for REPORT_BY_NONE). A
 * percentage or hours figure with nothing to measure is null.
 */
json_t *report_json(const struct report *r, enum report_by by);

/* The office time between two instants, in whole minutes (0 when b <= a). */
int64_t report_working_minutes(const struct calendar *cal, int64_t a_ms,
			       int64_t b_ms);

#endif
