/*
 * ask_date: dates as they are said on a call (see ask_date.h). A British
 * caller says the day first; a form or a letter may give ISO 8601.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mash/timeutil.h"

#include "ask_date.h"

/* Up to `max` (at least `min`) digits at *s; advances *s. -1 if none. */
static int
digits(const char **s, int min, int max)
{
	int n = 0, v = 0;

	while (n < max && isdigit((unsigned char)**s)) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n >= min ? v : -1;
}

int
ask_date_parse(const char *text, char iso[ASK_DATE_LEN], const char **why)
{
	const char *s = text;
	int y, m, d;

	*why = "give the date as DD/MM/YYYY or YYYY-MM-DD";
	if (strchr(text, '/') != NULL) {
		if ((d = digits(&s, 1, 2)) < 0 || *s++ != '/' ||
		    (m = digits(&s, 1, 2)) < 0 || *s++ != '/' ||
		    (y = digits(&s, 4, 4)) < 0 || *s != '\0')
			return -1;
	} else if (mash_date_parse(text, &y, &m, &d) != 0) {
		/* The shape right, the day not: say that. */
		if (strlen(text) == 10 && text[4] == '-' && text[7] == '-')
			*why = "that date does not exist";
		return -1;
	}
	if (!mash_date_valid(y, m, d)) {
		*why = "that date does not exist";
		return -1;
	}
	snprintf(iso, ASK_DATE_LEN, "%04d-%02d-%02d", y, m, d);
	return 0;
}

int
ask_date_unknown(const char *text)
{
	return strcasecmp(text, "unknown") == 0;
}
