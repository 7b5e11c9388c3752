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
};

/* `written` runs on after a decision: a telephone referral still needs
 * its written confirmation. */
const struct timer_word timer_words[TIMER_COUNT] = {
    [TIMER_DECISION] = {"decision", EVENT_OVERDUE, true, false},
    [TIMER_ESCALATION] = {"escalation", EVENT_ESCALATION, true, false},
    [TIMER_WRITTEN] = {"written", EVENT_WRITTEN_REMINDER, false, false},
    [TIMER_SCREENING] = {"screening", EVENT_SCREENING, true, false},
    [TIMER_DECISION_WARNING] = {"decision_warning", EVENT_WARNING, true, true},
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
