/*
 * config_time.c owns the working time of mashd.conf: calendar.* (the
 * zone, office hours, the holidays file and division, extra and cancelled
 * days) and timers.* (each statutory timer's span, by BRAG for
 * screening), read into the calendar and the deadline rules that
 * calendar.c and deadline.c apply. mashctl reads them too, for its
 * offline deadlines and calendar.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mash/brag.h"
#include "mash/config.h"
#include "mash/protocol.h"
#include "mash/timeutil.h"

#include "config_schema.h"

static int
parse_hhmm(const char *s, int *min)
{
	int h, m;
	char end;

	if (sscanf(s, "%2d:%2d%c", &h, &m, &end) != 2 || strlen(s) != 5 ||
	    h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*min = h * 60 + m;
	return 0;
}

static int
load_hours(struct mash_config *c, char *err, size_t errlen)
{
	static const char *const days[7] = {"sunday",	 "monday",   "tuesday",
					    "wednesday", "thursday", "friday",
					    "saturday"};
	struct calendar_hours *h = c->calendar_options.hours;

	for (int i = 0; i < 7; i++) {
		char path[64], open[8], close[8];
		const char *v;

		snprintf(path, sizeof(path), "calendar.hours.%s", days[i]);
		if (!config_lookup_string(&c->cfg, path, &v))
			continue;
		if (strcmp(v, "closed") == 0) {
			h[i].open = h[i].close = -1;
			continue;
		}
		if (strlen(v) != 11 || v[5] != '-')
			goto bad;
		memcpy(open, v, 5);
		open[5] = '\0';
		memcpy(close, v + 6, 5);
		close[5] = '\0';
		if (parse_hhmm(open, &h[i].open) ||
		    parse_hhmm(close, &h[i].close) || h[i].open >= h[i].close)
			goto bad;
		continue;
	bad:
		return config_fail(
		    err, errlen, c->path, config_lookup(&c->cfg, path),
		    "must be \"HH:MM-HH:MM\" (opening before closing) "
		    "or \"closed\"");
	}
	return 0;
}

static int
load_days(struct mash_config *c, const char *path, int64_t *out, size_t *n,
	  char *err, size_t errlen)
{
	config_setting_t *a = config_lookup(&c->cfg, path);
	int len = a ? config_setting_length(a) : 0;

	if (len > CALENDAR_MAX_DAYS)
		return config_fail(err, errlen, c->path, a, "at most %d dates",
				   CALENDAR_MAX_DAYS);
	for (int i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(a, i);
		const char *v = config_setting_get_string(e);
		int y, m, d;

		if (v == NULL || mash_date_parse(v, &y, &m, &d) != 0)
			return config_fail(err, errlen, c->path, e,
					   "must be a date \"YYYY-MM-DD\"");
		out[(*n)++] = mash_days_from_civil(y, m, d);
	}
	return 0;
}

/*
 * A span of time as people write it: "none", "24 hours", "4 hours",
 * "30 minutes", "6 working hours", "90 working minutes", "1 working day",
 * "3 working days".
 */
int
config_parse_span(const char *s, struct span *out)
{
	static const struct {
		const char *unit;
		enum span_unit kind;
		int64_t mult;
	} units[] = {
	    {"working day", SPAN_WORKING_DAYS, 1},
	    {"working days", SPAN_WORKING_DAYS, 1},
	    {"working hour", SPAN_WORKING_MINUTES, 60},
	    {"working hours", SPAN_WORKING_MINUTES, 60},
	    {"working minute", SPAN_WORKING_MINUTES, 1},
	    {"working minutes", SPAN_WORKING_MINUTES, 1},
	    {"hour", SPAN_ELAPSED_MINUTES, 60},
	    {"hours", SPAN_ELAPSED_MINUTES, 60},
	    {"minute", SPAN_ELAPSED_MINUTES, 1},
	    {"minutes", SPAN_ELAPSED_MINUTES, 1},
	};
	long long n;
	int used = 0;

	if (strcmp(s, "none") == 0) {
		out->unit = SPAN_NONE;
		out->amount = 0;
		return 0;
	}
	if (sscanf(s, "%lld %n", &n, &used) != 1 || used == 0 || n < 1 ||
	    n > 100000)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + used, units[i].unit) == 0) {
			out->unit = units[i].kind;
			out->amount = n * units[i].mult;
			return 0;
		}
	}
	return -1;
}

static int
load_span(struct mash_config *c, const char *path, struct span *out, char *err,
	  size_t errlen)
{
	const char *v;

	if (!config_lookup_string(&c->cfg, path, &v))
		return 0;
	if (config_parse_span(v, out) == 0)
		return 0;
	return config_fail(err, errlen, c->path, config_lookup(&c->cfg, path),
			   "must be \"none\" or like \"24 hours\", \"6 working "
			   "hours\", \"1 working day\"");
}

/* A rung of the reminder ladder: 1 to 1000; absent keeps the default. */
static int
load_rung(struct mash_config *c, const char *path, int *out, char *err,
	  size_t errlen)
{
	long long v;

	if (!config_lookup_int64(&c->cfg, path, &v))
		return 0;
	if (v >= 1 && v <= 1000) {
		*out = (int)v;
		return 0;
	}
	return config_fail(err, errlen, c->path, config_lookup(&c->cfg, path),
			   "must be a reminder's number, 1 to 1000");
}

int
config_load_timers(struct mash_config *c, char *err, size_t errlen)
{
	static const char *const screening[BRAG_COUNT] = {
	    "timers.screening.red", "timers.screening.amber",
	    "timers.screening.green", "timers.screening.blue"};
	struct deadline_rules *r = &c->timers;

	deadline_rules_default(r);
	if (load_span(c, "timers.decision", &r->decision, err, errlen) ||
	    load_span(c, "timers.escalation", &r->escalation, err, errlen) ||
	    load_span(c, "timers.written", &r->written, err, errlen) ||
	    load_span(c, "timers.decision_warning", &r->decision_warning, err,
		      errlen) ||
	    load_span(c, "timers.screening_escalate", &r->screening_escalate,
		      err, errlen) ||
	    load_span(c, "timers.overdue_repeat", &r->overdue_repeat, err,
		      errlen) ||
	    load_rung(c, "timers.overdue_supervisor", &r->overdue_supervisor,
		      err, errlen) ||
	    load_rung(c, "timers.overdue_manager", &r->overdue_manager, err,
		      errlen))
		return -1;
	for (int b = 0; b < BRAG_COUNT; b++)
		if (load_span(c, screening[b], &r->screening[b], err, errlen))
			return -1;
	return 0;
}

int
config_load_calendar(struct mash_config *c, char *err, size_t errlen)
{
	struct calendar_options *o = &c->calendar_options;
	char cerr[512];

	calendar_options_default(o);
	o->timezone = config_get_str(&c->cfg, "calendar.timezone", o->timezone);
	o->division = config_get_str(&c->cfg, "calendar.division", o->division);
	o->holidays_file = config_get_str(&c->cfg, "calendar.holidays_file",
					  MASH_HOLIDAYS_FILE);
	if (load_hours(c, err, errlen) ||
	    load_days(c, "calendar.extra_holidays", o->extra, &o->nextra, err,
		      errlen) ||
	    load_days(c, "calendar.cancelled_holidays", o->cancelled,
		      &o->ncancelled, err, errlen))
		return -1;
	/* The shipped default may be absent (a build tree): rules suffice. */
	if (config_lookup(&c->cfg, "calendar.holidays_file") == NULL &&
	    access(o->holidays_file, R_OK) != 0)
		o->holidays_file = NULL;
	if ((c->calendar = calendar_new(o, cerr, sizeof(cerr))) == NULL)
		return config_fail(err, errlen, c->path,
				   config_lookup(&c->cfg, "calendar"), "%s",
				   cerr);
	return 0;
}
