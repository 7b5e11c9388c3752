/*
 * words.c owns the tables of include/mash/words.h. Each is indexed by its
 * enum; tools/words-lua.c refuses to build the scripts' constants, and
 * test_words fails, when a row is missing or two rows share a name.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mash/words.h"

_Static_assert(sizeof(MASH_REF_SHAPE) - 1 == MASH_REF_LEN, "MASH_REF_LEN");
_Static_assert(sizeof(MASH_REF_EXAMPLE) - 1 == MASH_REF_LEN, "example");

const char *const channel_names[CHANNEL_COUNT] = {
    [CHANNEL_WEB] = "web",
    [CHANNEL_PARTNER] = "partner",
    [CHANNEL_PHONE] = "phone",
    [CHANNEL_EMAIL] = "email",
};

const char *const alert_event_names[EVENT_COUNT] = {
    [EVENT_ACK] = "ack",
    [EVENT_RED] = "red",
    [EVENT_REPEAT] = "repeat",
    [EVENT_WARNING] = "warning",
    [EVENT_OVERDUE] = "overdue",
    [EVENT_ESCALATION] = "escalation",
    [EVENT_WRITTEN_REMINDER] = "written_reminder",
    [EVENT_SCREENING] = "screening",
    [EVENT_OUTCOME] = "outcome",
    [EVENT_DEAD_LETTER] = "dead_letter",
    [EVENT_QUARANTINE] = "quarantine",
    [EVENT_SCREENING_ESCALATION] = "screening_escalation",
    [EVENT_OVERDUE_REMINDER] = "overdue_reminder",
    [EVENT_DIGEST] = "digest",
};

/* `written` runs on after a decision: a telephone referral still needs
 * its written confirmation. */
const struct timer_word timer_words[TIMER_COUNT] = {
    [TIMER_DECISION] = {"decision", EVENT_OVERDUE, true, false},
    [TIMER_ESCALATION] = {"escalation", EVENT_ESCALATION, true, false},
    [TIMER_WRITTEN] = {"written", EVENT_WRITTEN_REMINDER, false, false},
    [TIMER_SCREENING] = {"screening", EVENT_SCREENING, true, false},
    [TIMER_DECISION_WARNING] = {"decision_warning", EVENT_WARNING, true, true},
    /* The supervisors' stage of a missed screening (SPEC section 5:
     * "navigators, then the supervisor"). */
    [TIMER_SCREENING_ESCALATE] = {"screening_escalate",
				  EVENT_SCREENING_ESCALATION, true, true},
    [TIMER_OVERDUE_REMINDER] = {"overdue_reminder", EVENT_OVERDUE_REMINDER,
				true, true},
};

const char *const outcome_names[OUTCOME_COUNT] = {
    [OUTCOME_S47] = "s47",
    [OUTCOME_S17] = "s17",
    [OUTCOME_EARLY_HELP] = "early_help",
    [OUTCOME_UNIVERSAL] = "universal",
    [OUTCOME_NFA] = "nfa",
    [OUTCOME_OPEN_CASE] = "open_case",
};

const char *const outcome_meanings[OUTCOME_COUNT] = {
    [OUTCOME_S47] = "a child protection enquiry (section 47)",
    [OUTCOME_S17] = "a child in need assessment (section 17)",
    [OUTCOME_EARLY_HELP] = "early help for the family",
    [OUTCOME_UNIVERSAL] = "signposting to universal services",
    [OUTCOME_NFA] = "no further action by children's social care",
    [OUTCOME_OPEN_CASE] =
	("passed to the team already working with the family"),
};

bool
mash_ref_at(const char *s, bool any_case)
{
	if (s == NULL)
		return false;
	/* A digit where the shape has 'Y' or 'N', the very character
	 * elsewhere. */
	for (size_t i = 0; i < MASH_REF_LEN; i++) {
		char want = MASH_REF_SHAPE[i], got = s[i];

		if (any_case)
			got = (char)toupper((unsigned char)got);
		if (want == 'Y' || want == 'N' ? !(got >= '0' && got <= '9')
					       : got != want)
			return false;
	}
	return true;
}

bool
mash_ref_valid(const char *s)
{
	return mash_ref_at(s, false) && s[MASH_REF_LEN] == '\0';
}

const char *
timer_name(enum timer_kind k)
{
	return (unsigned)k < TIMER_COUNT ? timer_words[k].name : "unknown";
}

int
timer_parse(const char *s, enum timer_kind *out)
{
	if (s == NULL)
		return -1;
	for (int k = 0; k < TIMER_COUNT; k++) {
		if (strcasecmp(s, timer_words[k].name) == 0) {
			*out = (enum timer_kind)k;
			return 0;
		}
	}
	return -1;
}

int
words_find(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

char *
words_join(const char *const *names, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
				 i == 0	      ? ""
				 : i + 1 == n ? " or "
					      : ", ",
				 names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

/* Longer words than this are never near anything: a command line's word
 * is short, and the table below stays on the stack. */
#define WORDS_NEAR_MAX 64

/* The optimal string alignment distance of a and b, ignoring case. */
static size_t
words_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[WORDS_NEAR_MAX + 1][WORDS_NEAR_MAX + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    cb == tolower((unsigned char)a[i - 2]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* The cost of suggesting name for s, or SIZE_MAX when it is not near. */
static size_t
words_cost(const char *name, const char *s)
{
	size_t ls = strlen(s), ln = strlen(name), limit, cost;

	if (ls == 0 || ls > WORDS_NEAR_MAX || ln > WORDS_NEAR_MAX)
		return (size_t)-1;
	limit = ls <= 3 ? 1 : ls <= 6 ? 2 : 3;
	cost = words_distance(s, ls, name, ln);
	if (ls >= 2 && ls < ln && strncasecmp(name, s, ls) == 0 && cost > 1)
		cost = 1;
	return cost <= limit ? cost : (size_t)-1;
}

size_t
words_near(const char *const *names, size_t n, const char *s, int *out,
	   size_t max)
{
	size_t found = 0, cost[16];

	if (s == NULL || max == 0)
		return 0;
	if (max > sizeof(cost) / sizeof(cost[0]))
		max = sizeof(cost) / sizeof(cost[0]);
	for (size_t i = 0; i < n && i <= (size_t)0x7fffffff; i++) {
		size_t c = words_cost(names[i], s), at;

		if (c == (size_t)-1)
			continue;
		/* Insert by cost, after any of the same cost. */
		for (at = found; at > 0 && cost[at - 1] > c; at--)
			;
		if (at >= max)
			continue;
		if (found == max)
			found--;
		memmove(cost + at + 1, cost + at, (found - at) * sizeof(*cost));
		memmove(out + at + 1, out + at, (found - at) * sizeof(*out));
		cost[at] = c;
		out[at] = (int)i;
		found++;
	}
	return found;
}

int
words_nearest(const char *const *names, size_t n, const char *s)
{
	int best;

	return words_near(names, n, s, &best, 1) == 1 ? best : -1;
}
