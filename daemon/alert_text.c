/*
 * alert_text.c owns the words of every alert; see alert_text.h.
 *
 * One row per alert event of words.h: whom it concerns, the subject's
 * words, and the body for staff and (where it differs) for the referrer.
 * A body is a template: {name} is the outbox field of that name, except
 * these, made here:
 *   {BRAG}          the rating in capitals
 *   {due_local}     the due time in the hub's time, or "(no due time)"
 *   {outcome_words} the outcome as a referrer reads it
 *   {closed}        ", received while the hub is closed" for an EDT alert
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/words.h"
#include "mash/jfield.h"

#include "alert_text.h"

#define TO_NAVIGATORS ALERT_TO_ROLE(ROLE_NAVIGATORS)
#define TO_SUPERVISORS ALERT_TO_ROLE(ROLE_SUPERVISORS)
#define TO_FIRST_RESPONSE ALERT_TO_ROLE(ROLE_FIRST_RESPONSE)
#define TO_EDT_IF_CLOSED ALERT_TO_ROLE(ROLE_EDT)

static const struct alert_kind {
	unsigned to;
	const char *what;     /* the subject's words */
	const char *staff;    /* the body */
	const char *referrer; /* the referrer's body, when it differs */
} kinds[EVENT_COUNT] = {
    [EVENT_ACK] =
	{
	    .to = ALERT_TO_REFERRER,
	    .what = "referral received",
	    .staff =
		"Thank you. Your referral to the Multi-Agency Safeguarding "
		"Hub has been received.\n\n"
		"Reference: {ref}\n\n"
		"Please quote this reference whenever you contact the hub "
		"about this child. A decision on what happens next is due by "
		"{due_local}, and you will be told the outcome.\n\n"
		"If a child is in immediate danger, call 999.\n",
	},
    [EVENT_RED] =
	{
	    .to = TO_NAVIGATORS | TO_FIRST_RESPONSE | TO_EDT_IF_CLOSED,
	    .what = "new RED referral",
	    .staff = "New RED referral {ref}{closed}.\n"
		     "Screening is due by {due_local}.\n"
		     "Review it now: mashctl show {ref}\n",
	},
    [EVENT_REPEAT] =
	{
	    .to = TO_NAVIGATORS,
	    .what = "repeat referral",
	    .staff =
		"Referral {ref} ({BRAG}) is a repeat referral about a child "
		"with earlier referrals. Read them together: mashctl show "
		"{ref}\n",
	},
    [EVENT_WARNING] =
	{
	    .to = TO_NAVIGATORS,
	    .what = "decision due soon",
	    .staff = "Referral {ref} ({BRAG}): the decision is due by "
		     "{due_local}.\n"
		     "mashctl show {ref}\n",
	},
    [EVENT_OVERDUE] =
	{
	    .to = TO_SUPERVISORS | TO_NAVIGATORS,
	    .what = "decision overdue",
	    .staff = "Referral {ref} ({BRAG}): the decision was due by "
		     "{due_local} and has not been recorded.\n"
		     "Decide now: mashctl decide {ref} OUTCOME --reason TEXT\n",
	},
    [EVENT_ESCALATION] =
	{
	    .to = ALERT_TO_REFERRER | TO_SUPERVISORS,
	    .what = "no decision after 3 working days",
	    .staff =
		"Referral {ref} ({BRAG}) has no decision after three working "
		"days (due {due_local}). The referrer has been told to "
		"contact the hub and ask for a line manager.\n"
		"Decide it now: mashctl show {ref}\n",
	    .referrer =
		"No decision has been recorded on your referral {ref} "
		"within three working days (due {due_local}).\n\n"
		"Please contact the Multi-Agency Safeguarding Hub again, "
		"ask for a line manager, and quote the reference {ref}.\n",
	},
    [EVENT_WRITTEN_REMINDER] =
	{
	    .to = ALERT_TO_REFERRER | TO_NAVIGATORS,
	    .what = "written confirmation overdue",
	    .staff =
		"Telephone referral {ref} ({BRAG}) has no written "
		"confirmation; it was due by {due_local}. The referrer has "
		"been reminded.\n"
		"When it arrives: mashctl confirm {ref}\n",
	    .referrer =
		"Your telephone referral {ref} must be confirmed in "
		"writing; it was due by {due_local}.\n\n"
		"Please send the written referral now, quoting {ref} in "
		"its subject.\n",
	},
    [EVENT_SCREENING] =
	{
	    .to = TO_NAVIGATORS,
	    .what = "screening target missed",
	    .staff =
		"Referral {ref} ({BRAG}): the screening target ({due_local}) "
		"was missed.\n"
		"Screen it now: mashctl show {ref}; then mashctl screen {ref} "
		"--reason TEXT\n",
	},
    [EVENT_SCREENING_ESCALATION] =
	{
	    .to = TO_SUPERVISORS,
	    .what = "screening still not done",
	    .staff =
		"Referral {ref} ({BRAG}): screening was due by {due_local} "
		"and is still not recorded; the navigators were alerted "
		"then.\n"
		"See to it: mashctl show {ref}\n",
	},
    [EVENT_OVERDUE_REMINDER] =
	{
	    .to = TO_NAVIGATORS, /* and by its rung: ladder.h */
	    .what = "decision still overdue",
	    .staff = "Referral {ref} ({BRAG}): reminder {rung}: the decision "
		     "was due by {due_local} and is still not recorded.\n"
		     "Decide now: mashctl decide {ref} OUTCOME --reason TEXT\n",
	},
    [EVENT_DIGEST] =
	{
	    .to = TO_SUPERVISORS,
	    .what = "daily digest",
	    .staff = "{text}", /* composed by digest_text.c */
	},
    [EVENT_OUTCOME] =
	{
	    .to = ALERT_TO_REFERRER,
	    .what = "decision recorded",
	    .staff = "{changed}A decision has been recorded on your referral "
		     "{ref}: {outcome_words}.\n\n"
		     "{actions_taken}"
		     "Please quote the reference if you contact the hub about "
		     "it.\n",
	},
    [EVENT_DEAD_LETTER] =
	{
	    .to = TO_SUPERVISORS,
	    .what = "ALERT NOT DELIVERED",
	    .staff =
		"An alert could not be delivered after {attempts} "
		"attempts.\n"
		"Alert: {of} ({of_event}) for referral {ref}\n"
		"Last error: {error}\n\n"
		"Act on the referral yourself, and see: mashctl alerts --state "
		"dead\n",
	},
    [EVENT_QUARANTINE] =
	{
	    .to = TO_NAVIGATORS,
	    .what = "mail referral quarantined",
	    .staff =
		"A message in the secure-mail spool could not be taken as a "
		"referral and was quarantined; nothing was stored from it.\n"
		"File: {file}\n"
		"Why: {reason}.\n\n"
		"Read it in the spool's quarantine directory ({file}.why "
		"beside it says why). If it is a referral, enter it: mashctl "
		"referral new\n",
	},
};

/* An event no row names (none should reach the outbox). */
static const char unknown_body[] = "Referral {ref} ({BRAG}): {event}.\n";

static const struct alert_kind *
kind_of(const char *event)
{
	int e = words_find(alert_event_names, EVENT_COUNT, event);

	return e < 0 || kinds[e].staff == NULL ? NULL : &kinds[e];
}

/* An outcome as a referrer reads it; an unknown one as it is. */
static const char *
outcome_words(const char *o)
{
	int i = words_find(outcome_names, OUTCOME_COUNT, o);

	return i < 0 ? o : outcome_meanings[i];
}

unsigned
alert_text_audience(const char *event)
{
	const struct alert_kind *k = kind_of(event);

	return k ? k->to : TO_SUPERVISORS;
}

/* What a template's words are made of. */
struct words {
	const json_t *fields;
	char brag[16];
	char due[64];
	char actions[1100]; /* "Actions taken: ...", or "" */
	char changed[256];  /* "The decision ... has changed ...", or "" */
};

static const char *
word(const struct words *w, const char *name, size_t len)
{
	char key[32];

	if (len >= sizeof(key))
		return "";
	memcpy(key, name, len);
	key[len] = '\0';
	if (strcmp(key, "BRAG") == 0)
		return w->brag;
	if (strcmp(key, "due_local") == 0)
		return w->due;
	if (strcmp(key, "outcome_words") == 0)
		return outcome_words(jfield(w->fields, "outcome"));
	if (strcmp(key, "actions_taken") == 0)
		return w->actions;
	if (strcmp(key, "changed") == 0)
		return w->changed;
	if (strcmp(key, "closed") == 0)
		return strcmp(jfield(w->fields, "edt"), "1") == 0
			   ? ", received while the hub is closed"
			   : "";
	return jfield(w->fields, key);
}

/* The template with its words in, cut to `len` as snprintf cuts. */
static void
expand(const char *t, const struct words *w, char *out, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	while (*t != '\0') {
		const char *end, *v;

		if (*t == '{' && (end = strchr(t + 1, '}')) != NULL) {
			for (v = word(w, t + 1, (size_t)(end - t - 1));
			     *v != '\0' && n + 1 < len; v++)
				out[n++] = *v;
			t = end + 1;
		} else {
			if (n + 1 < len)
				out[n++] = *t;
			t++;
		}
	}
	out[n] = '\0';
}

/* An outcome's actions taken, and the earlier outcome it replaces. */
static void
outcome_extras(const json_t *fields, struct words *w)
{
	const char *actions = jfield(fields, "actions");
	const char *previous = jfield(fields, "previous");

	w->actions[0] = w->changed[0] = '\0';
	if (actions[strspn(actions, " \t\r\n")] != '\0')
		snprintf(w->actions, sizeof(w->actions),
			 "Actions taken: %s\n\n", actions);
	if (previous[0] != '\0')
		snprintf(w->changed, sizeof(w->changed),
			 "The decision on this referral has changed: "
			 "it was %s.\n\n",
			 outcome_words(previous));
}

/* A timer's staff alert says how late it is and who holds the referral. */
static void
late_held(const json_t *fields, char *body, size_t blen)
{
	long long late =
	    strtoll(jfield(fields, "overdue_ms"), NULL, 10) / 60000;
	const char *h = jfield(fields, "holder");
	size_t n = strlen(body);

	if (jfield(fields, "timer")[0] == '\0' || n + 1 >= blen)
		return;
	if (late > 0)
		n += (size_t)snprintf(body + n, blen - n,
				      "Late by %lld h %02lld min. ", late / 60,
				      late % 60);
	if (n + 1 < blen)
		snprintf(body + n, blen - n, "%s%s.\n",
			 h[0] ? "Held by " : "Not claimed by anyone",
			 h[0] ? h : "");
}

void
alert_text_compose(const struct calendar *cal, const json_t *fields,
		   bool for_referrer, char *subject, size_t slen, char *body,
		   size_t blen)
{
	const char *event = jfield(fields, "event"),
		   *ref = jfield(fields, "ref");
	const char *due_ms = jfield(fields, "due");
	const struct alert_kind *k = kind_of(event);
	struct words w = {.fields = fields, .due = "(no due time)"};

	snprintf(w.brag, sizeof(w.brag), "%s", jfield(fields, "brag"));
	for (size_t i = 0; w.brag[i] != '\0'; i++)
		if (w.brag[i] >= 'a' && w.brag[i] <= 'z')
			w.brag[i] = (char)(w.brag[i] - 'a' + 'A');
	if (due_ms[0] != '\0')
		calendar_format_local(cal, strtoll(due_ms, NULL, 10), w.due,
				      sizeof(w.due));
	outcome_extras(fields, &w);
	snprintf(subject, slen, "[%s] %s", ref[0] ? ref : "MASH",
		 w.changed[0] ? "decision changed"
		 : k	      ? k->what
			      : event);
	if (k == &kinds[EVENT_DIGEST]) /* one a day: the subject says which */
		snprintf(subject, slen, "[MASH] daily digest of %s",
			 jfield(fields, "day"));
	if (k == NULL)
		expand(unknown_body, &w, body, blen);
	else if (for_referrer && k->referrer != NULL)
		expand(k->referrer, &w, body, blen);
	else {
		expand(k->staff, &w, body, blen);
		late_held(fields, body, blen);
	}
}
