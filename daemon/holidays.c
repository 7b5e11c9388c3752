/*
 * holidays.c owns the bank holidays of one division (SPEC section 6), for
 * calendar.c: gov.uk's own bank-holidays.json for the years it covers,
 * and for any other year the usual rules of the division, substitute days
 * included. Titles are gov.uk's ("New Year’s Day", "Boxing Day (substitute
 * day)"). Pure but for reading the file.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "mash/timeutil.h"

#include "holidays.h"

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

/* One event of the holidays file. */
struct file_holiday {
	int64_t day; /* days since 1970-01-01 of the local date */
	char title[96];
};

struct holidays {
	char division[32];
	enum division div;
	struct file_holiday *fileh; /* the division's events, by date */
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

static int
cmp_holiday(const void *a, const void *b)
{
	const struct file_holiday *x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
}

static int
cmp_rule_holiday(const void *a, const void *b)
{
	const struct rule_holiday *x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
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

/* ---- The holidays file -------------------------------------------- */

static int
file_event(struct holidays *hs, const char *path, size_t i, json_t *ev,
	   char *err, size_t errlen)
{
	json_t *date = json_object_get(ev, "date");
	json_t *title = json_object_get(ev, "title");
	json_t *notes = json_object_get(ev, "notes");
	struct file_holiday *h = &hs->fileh[hs->nfileh];
	const char *n;
	int y, m, d;

	if (!json_is_object(ev)) {
		snprintf(err, errlen, "%s: %s event %zu is not an object", path,
			 hs->division, i + 1);
		return -1;
	}
	if (!json_is_string(date) ||
	    mash_date_parse(json_string_value(date), &y, &m, &d) != 0) {
		snprintf(err, errlen,
			 "%s: %s event %zu: bad date %s (want \"YYYY-MM-DD\")",
			 path, hs->division, i + 1,
			 json_is_string(date) ? json_string_value(date)
					      : "(not a string)");
		return -1;
	}
	if (!json_is_string(title) || json_string_length(title) == 0) {
		snprintf(err, errlen, "%s: %s event %zu (%s): no title", path,
			 hs->division, i + 1, json_string_value(date));
		return -1;
	}
	if (notes != NULL && !json_is_string(notes)) {
		snprintf(err, errlen,
			 "%s: %s event %zu (%s): notes is not text", path,
			 hs->division, i + 1, json_string_value(date));
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
	if (hs->nfileh == 0 || y < hs->file_first)
		hs->file_first = y;
	if (hs->nfileh == 0 || y > hs->file_last)
		hs->file_last = y;
	hs->nfileh++;
	return 0;
}

static int
file_load(struct holidays *hs, const char *path, char *err, size_t errlen)
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
	div = json_object_get(root, hs->division);
	if (!json_is_object(div)) {
		snprintf(err, errlen, "%s: no division \"%s\"", path,
			 hs->division);
		goto out;
	}
	events = json_object_get(div, "events");
	if (!json_is_array(events)) {
		snprintf(err, errlen, "%s: %s has no \"events\" array", path,
			 hs->division);
		goto out;
	}
	n = json_array_size(events);
	if (n > 0 && (hs->fileh = calloc(n, sizeof(*hs->fileh))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (file_event(hs, path, i, json_array_get(events, i), err,
			       errlen) != 0)
			goto out;
	if (hs->nfileh > 0)
		qsort(hs->fileh, hs->nfileh, sizeof(*hs->fileh), cmp_holiday);
	/* Two events on one date (never in gov.uk's file): keep the first. */
	for (size_t i = w = 0; i < hs->nfileh; i++)
		if (w == 0 || hs->fileh[w - 1].day != hs->fileh[i].day)
			hs->fileh[w++] = hs->fileh[i];
	hs->nfileh = w;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* ---- The holidays ------------------------------------------------- */

static int
day_year(int64_t day)
{
	int y, m, d;

	mash_civil_from_days(day, &y, &m, &d);
	return y;
}

bool
holidays_on(const struct holidays *hs, int64_t day, const char **title)
{
	int y = day_year(day);

	if (y >= hs->file_first && y <= hs->file_last) {
		struct file_holiday key = {.day = day};
		const struct file_holiday *h =
		    bsearch(&key, hs->fileh, hs->nfileh, sizeof(hs->fileh[0]),
			    cmp_holiday);

		if (h != NULL && title != NULL)
			*title = h->title;
		return h != NULL;
	} else {
		struct rule_year r;

		rules_year(hs->div, y, &r);
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

int
holidays_division(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, division_names[i]) == 0)
			return i;
	return -1;
}

struct holidays *
holidays_new(const char *division, const char *file, char *err, size_t errlen)
{
	struct holidays *hs;
	int div = holidays_division(division);

	if (div < 0) {
		snprintf(err, errlen,
			 "division \"%s\": must be england-and-wales, "
			 "scotland or northern-ireland",
			 division);
		return NULL;
	}
	if ((hs = calloc(1, sizeof(*hs))) == NULL) {
		snprintf(err, errlen, "calendar: out of memory");
		return NULL;
	}
	snprintf(hs->division, sizeof(hs->division), "%s", division);
	hs->div = (enum division)div;
	hs->file_first = 1;
	hs->file_last = 0;
	if (file != NULL && file_load(hs, file, err, errlen) != 0) {
		holidays_free(hs);
		return NULL;
	}
	return hs;
}

void
holidays_free(struct holidays *hs)
{
	if (hs == NULL)
		return;
	free(hs->fileh);
	free(hs);
}
