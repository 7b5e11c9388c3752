/*
 * mashctl_show.c: `mashctl show ID`, a referral read as a page: who and what
 * it is about (child, family, referrer, concern, consent), where it
 * stands (holder, decision, its timers with their state and local due
 * times), and how it got there (rating history, the other referrals
 * about the same child). `--json` prints the referral as mashd gives it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "mashctl.h"

#define LABEL 20

/* Record fields each section shows first, in this order, or leaves out. */
static const char *const child_first[] = {
    "first_name",    "last_name",    "dob", "unborn",
    "expected_date", "age_estimate", NULL};
static const char *const family_keys[] = {"parents", "household",
					  "family_views", NULL};
static const char *const concern_keys[] = {
    "alleged_perpetrators", "child_location", "child_views", "desired_outcome",
    "other_agencies",	    "early_help",     NULL};
static const char *const consent_keys[] = {"parents_informed", NULL};
static const char *const sections[] = {"child", "referrer", "concern",
				       "consent", NULL};

static bool
in_list(const char *const *list, const char *k)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], k) == 0)
			return true;
	return false;
}

/* "first_language" as "first language". */
static const char *
label(const char *k, char *buf, size_t len)
{
	size_t i;

	for (i = 0; k[i] != '\0' && i + 1 < len; i++)
		buf[i] = k[i] == '_' ? ' ' : k[i];
	buf[i] = '\0';
	return buf;
}

/* A scalar as text: yes/no for a truth, the number, or the string. */
static const char *
scalar(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else
		return NULL;
	return buf;
}

/* Text over several lines, each after the label's column. */
static void
text_lines(const char *s, int indent)
{
	for (bool first = true; *s != '\0'; first = false) {
		size_t n = strcspn(s, "\n");

		printf("%*s%.*s\n", first ? 0 : indent + LABEL + 1, "", (int)n,
		       s);
		s += n + (s[n] == '\n');
	}
}

static void print_field(const char *k, const json_t *v, int indent);

/* An object's fields, but those in `skip`, each on its line. */
static void
print_fields(const json_t *o, const char *const *skip, int indent)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
	{
		if (skip == NULL || !in_list(skip, k))
			print_field(k, v, indent);
	}
}

/* "- relationship mother, dob 1991-11-14": one element of a list. */
static void
print_element(const json_t *e, int indent)
{
	char num[32], name[64];
	const char *k, *s;
	json_t *v;
	bool first = true;

	printf("%*s- ", indent + 2, "");
	if ((s = scalar(e, num, sizeof(num))) != NULL) {
		printf("%s\n", s);
		return;
	}
	json_object_foreach((json_t *)e, k, v)
	{
		s = scalar(v, num, sizeof(num));
		printf("%s%s %s", first ? "" : ", ",
		       label(k, name, sizeof(name)), s ? s : "(more)");
		first = false;
	}
	printf("\n");
}

static void
print_field(const char *k, const json_t *v, int indent)
{
	char num[32], name[64];
	const char *s = scalar(v, num, sizeof(num));
	size_t i;
	json_t *e;

	label(k, name, sizeof(name));
	if (s != NULL) {
		printf("%*s%-*s ", indent, "", LABEL, name);
		text_lines(s, indent);
	} else if (json_is_array(v) && json_array_size(v) > 0 &&
		   scalar(json_array_get(v, 0), num, sizeof(num))) {
		printf("%*s%-*s ", indent, "", LABEL, name);
		json_array_foreach(v, i, e)
		{
			const char *t = scalar(e, num, sizeof(num));

			printf("%s%s", i ? ", " : "", t ? t : "?");
		}
		printf("\n");
	} else if (json_is_array(v)) {
		printf("%*s%s\n", indent, "", name);
		json_array_foreach(v, i, e) print_element(e, indent);
	} else if (json_is_object(v)) {
		printf("%*s%s\n", indent, "", name);
		print_fields(v, NULL, indent + 2);
	}
}

static void
heading(const char *title)
{
	printf("\n%s\n", title);
}

/* A field of `o` on its line when it is there. */
static void
line_if(const json_t *o, const char *k, const char *name)
{
	const json_t *v = json_object_get(o, k);

	if (v != NULL)
		print_field(name, v, 2);
}

static void
show_child(const json_t *ch)
{
	const char *first = str(ch, "first_name"), *last = str(ch, "last_name");

	heading("Child");
	printf("  %-*s %s %s\n", LABEL, "name", first, last);
	line_if(ch, "dob", "date of birth");
	if (json_is_true(json_object_get(ch, "unborn")))
		line_if(ch, "expected_date", "unborn, expected");
	line_if(ch, "age_estimate", "age (estimated)");
	print_fields(ch, child_first, 2);
}

static void
show_family(const json_t *rec)
{
	heading("Family");
	for (size_t i = 0; family_keys[i] != NULL; i++)
		line_if(rec, family_keys[i], family_keys[i]);
	if (json_object_get(rec, "parents") == NULL &&
	    json_object_get(rec, "household") == NULL)
		printf("  (no parents or household given)\n");
}

/* Seed 002: a member of the public may withhold their name; a
 * professional never does. Said first, so it is never missed. */
static void
show_referrer(const json_t *r)
{
	static const char *const skip[] = {"anonymous", "professional", NULL};

	heading("Referrer");
	if (json_is_true(json_object_get(r, "anonymous")))
		printf("  ANONYMOUS: a member of the public who withheld their "
		       "name; keep any detail that could identify them from "
		       "the family\n");
	printf("  %-*s %s\n", LABEL, "professional",
	       json_is_true(json_object_get(r, "professional")) ? "yes" : "no");
	print_fields(r, skip, 2);
}

static void
show_concern(const json_t *rec)
{
	static const char *const skip[] = {"categories", "immediate_risk",
					   "summary", NULL};
	const json_t *c = json_object_get(rec, "concern");

	heading("Concern");
	line_if(c, "categories", "categories");
	printf("  %-*s %s\n", LABEL, "immediate risk",
	       json_is_true(json_object_get(c, "immediate_risk")) ? "YES"
								  : "no");
	line_if(c, "summary", "summary");
	print_fields(c, skip, 2);
	for (size_t i = 0; concern_keys[i] != NULL; i++)
		line_if(rec, concern_keys[i], concern_keys[i]);
}

/* Seed 002: consent not given is recorded with its reason. */
static void
show_consent(const json_t *rec)
{
	static const char *const skip[] = {"status", "reason", NULL};
	const json_t *c = json_object_get(rec, "consent");
	const char *st = str(c, "status");

	heading("Consent");
	printf("  %-*s %s\n", LABEL, "status",
	       strcmp(st, "given") == 0	       ? "given"
	       : strcmp(st, "refused") == 0    ? "REFUSED by the family"
	       : strcmp(st, "not_sought") == 0 ? "NOT SOUGHT"
					       : st);
	line_if(c, "reason", "reason");
	print_fields(c, skip, 2);
	for (size_t i = 0; consent_keys[i] != NULL; i++)
		line_if(rec, consent_keys[i], consent_keys[i]);
}

/* What else the record carries: kept as sent, never checked. */
static void
show_rest(const json_t *rec)
{
	const char *k;
	json_t *v;
	bool any = false;

	json_object_foreach((json_t *)rec, k, v)
	{
		if (in_list(sections, k) || in_list(family_keys, k) ||
		    in_list(concern_keys, k) || in_list(consent_keys, k))
			continue;
		if (!any)
			heading("Other fields (as sent)");
		any = true;
		print_field(k, v, 2);
	}
}

/* mashd's now, by which its timers fire; this host's when not given. */
static int64_t now_ms;

/* "2h10m", "3d04h": the time between now and an ISO instant. */
static const char *
span(const char *iso, char *buf, size_t len, bool *past)
{
	int64_t ms;
	long long m;

	if (iso == NULL || mash_time_parse(iso, &ms) != 0)
		return "?";
	m = (long long)((ms - now_ms) / 60000);
	*past = m < 0;
	m = m < 0 ? -m : m;
	if (m >= 24 * 60)
		snprintf(buf, len, "%lldd%02lldh", m / 1440, m / 60 % 24);
	else
		snprintf(buf, len, "%lldh%02lldm", m / 60, m % 60);
	return buf;
}

/* The referral's fields the page says in its own words, or not at all. */
static const char *const known[] = {"id",	"record",    "status",
				    "brag",	"channel",   "client",
				    "received", "updated",   "idempotency_key",
				    "owner",	"outcome",   "decision_reason",
				    "decided",	"confirmed", "confirmation",
				    "confirms", "repeat",    "timers",
				    NULL};

/* Any other field mashd keeps on the referral (a later mashd's), as is. */
static void
show_more(const json_t *ref)
{
	char name[64];
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)ref, k, v)
	{
		if (json_is_string(v) && !in_list(known, k)) {
			printf("  %-*s ", LABEL, label(k, name, sizeof(name)));
			text_lines(json_string_value(v), 2);
		}
	}
}

static void
show_header(const struct calendar *cal, const json_t *ref)
{
	char buf[64], up[16];
	const char *brag = str(ref, "brag");
	size_t i;

	for (i = 0; brag[i] != '\0' && i + 1 < sizeof(up); i++)
		up[i] = (char)(brag[i] >= 'a' && brag[i] <= 'z' ? brag[i] - 32
								: brag[i]);
	up[i] = '\0';
	printf("%s  %s  %s\n", str(ref, "id"), up, str(ref, "status"));
	printf("  %-*s %s, by %s (%s)\n", LABEL, "received",
	       local_at(cal, str(ref, "received"), buf, sizeof(buf)),
	       str(ref, "channel"), str(ref, "client"));
	printf("  %-*s %s\n", LABEL, "holder",
	       json_is_string(json_object_get(ref, "owner"))
		   ? str(ref, "owner")
		   : "nobody (unclaimed)");
	if (strcmp(str(ref, "status"), "decided") == 0) {
		printf("  %-*s %s, %s\n", LABEL, "decided", str(ref, "outcome"),
		       local_at(cal, str(ref, "decided"), buf, sizeof(buf)));
		printf("  %-*s ", LABEL, "reason");
		text_lines(str(ref, "decision_reason"), 2);
	}
	if (json_is_string(json_object_get(ref, "confirmed")))
		printf("  %-*s %s (%s)\n", LABEL, "confirmed in writing",
		       local_at(cal, str(ref, "confirmed"), buf, sizeof(buf)),
		       str(ref, "confirmation"));
	if (json_is_string(json_object_get(ref, "confirms")))
		printf("  %-*s %s\n", LABEL, "confirms", str(ref, "confirms"));
	show_more(ref);
}

/* Each timer: due (local), and running, overdue, warned or stopped. */
static void
show_timers(const struct calendar *cal, const json_t *timers)
{
	char due[64], at[64], left[32];
	bool past = false;

	heading("Timers");
	if (json_object_size(timers) == 0)
		printf("  (none)\n");
	for (int k = 0; k < TIMER_COUNT; k++) {
		const json_t *t = json_object_get(timers, timer_name(k));
		const char *d = json_string_value(json_object_get(t, "due"));

		if (t == NULL || d == NULL)
			continue;
		printf("  %-*s due %s, ", LABEL, timer_name(k),
		       local_at(cal, d, due, sizeof(due)));
		if (json_is_string(json_object_get(t, "stopped")))
			printf("stopped %s\n", local_at(cal, str(t, "stopped"),
							at, sizeof(at)));
		else if (json_is_string(json_object_get(t, "fired")))
			printf(
			    "%s %s\n",
			    timer_words[k].warning ? "warned" : "OVERDUE by",
			    timer_words[k].warning
				? local_at(cal, str(t, "fired"), at, sizeof(at))
				: span(d, left, sizeof(left), &past));
		else if (span(d, left, sizeof(left), &past) && past)
			printf("due %s ago, alert pending\n", left);
		else
			printf("running, %s left\n", left);
	}
}

/* From the audit trail: the rating at intake, then each re-rating. */
static void
show_ratings(const struct calendar *cal, const json_t *answer)
{
	const json_t *ratings = json_object_get(answer, "ratings");
	char at[64];
	const json_t *e;
	size_t i;

	heading("Rating history");
	json_array_foreach(ratings, i, e)
	{
		const char *d = str(e, "detail"), *b = strstr(d, "brag=");

		printf("  %s  ", local_at(cal, str(e, "at"), at, sizeof(at)));
		if (strcmp(str(e, "action"), "submit") == 0)
			printf("%.*s at intake (%s)\n",
			       b ? (int)strcspn(b + 5, " ") : 1,
			       b ? b + 5 : "?", str(e, "actor"));
		else
			printf("%s by %s\n", d, str(e, "actor"));
	}
	if (json_is_string(json_object_get(answer, "ratings_damaged")))
		printf("  damaged record: %s (the events themselves are kept "
		       "in the audit trail)\n",
		       str(answer, "ratings_damaged"));
	else if (json_array_size(ratings) == 0)
		printf("  (not in the audit trail)\n");
}

/* Seed 004: the other referrals about this child, and what became of
 * them. */
static void
show_related(const struct calendar *cal, const json_t *ref,
	     const json_t *answer)
{
	const json_t *rep = json_object_get(ref, "repeat"), *e;
	const json_t *related = json_object_get(answer, "related");
	char at[64];
	size_t i;

	heading("Repeat history");
	if (json_is_object(rep))
		printf(
		    "  at intake: %lld earlier referral(s), %lld open, %lld "
		    "within the repeat window\n",
		    (long long)json_integer_value(
			json_object_get(rep, "count")),
		    (long long)json_integer_value(json_object_get(rep, "open")),
		    (long long)json_integer_value(
			json_object_get(rep, "within_window")));
	json_array_foreach(related, i, e)
	{
		if (json_is_string(json_object_get(e, "damaged"))) {
			/* passed over by mashd, and said */
			printf("  %-17s damaged record (%s)\n", str(e, "id"),
			       str(e, "damaged"));
			continue;
		}
		printf("  %-17s %s  %-6s %s%s%s\n", str(e, "id"),
		       local_at(cal, str(e, "received"), at, sizeof(at)),
		       str(e, "brag"), str(e, "status"),
		       *str(e, "outcome") && strcmp(str(e, "outcome"), "-")
			   ? " "
			   : "",
		       strcmp(str(e, "outcome"), "-") ? str(e, "outcome") : "");
	}
	if (json_is_string(json_object_get(answer, "related_damaged")))
		printf("  damaged record: %s; its referrals are not listed\n",
		       str(answer, "related_damaged"));
	else if (json_array_size(related) == 0 && !json_is_object(rep))
		printf("  no other referral about this child is known\n");
}

void
show_page(struct ctx *x, const json_t *answer)
{
	const json_t *ref = json_object_get(answer, "referral");
	const json_t *rec = json_object_get(ref, "record");
	struct mash_config *c = offline_config(x);

	if (mash_time_parse(str(answer, "now"), &now_ms) != 0)
		now_ms = (int64_t)time(NULL) * 1000;
	show_header(c->calendar, ref);
	if (json_is_object(rec)) {
		show_child(json_object_get(rec, "child"));
		show_family(rec);
		show_referrer(json_object_get(rec, "referrer"));
		show_concern(rec);
		show_consent(rec);
		show_rest(rec);
	} else {
		printf("\nrecord: %s\n", rec ? "(unreadable)" : "(none)");
	}
	show_timers(c->calendar, json_object_get(ref, "timers"));
	show_ratings(c->calendar, answer);
	show_related(c->calendar, ref, answer);
	config_free(c);
}

int
cmd_show(struct ctx *x, int argc, char **argv)
{
	char *pos[1];
	json_t *a;

	if (parse_opts(x, argc, argv, NULL, NULL, pos, 1) != 1) {
		fprintf(stderr, "usage: mashctl show ID [--json]\n");
		return EXIT_USAGE;
	}
	a = request(x, json_pack("{ssss}", "cmd", "show", "id",
				 ref_resolve(x, pos[0])));
	if (x->json)
		print_json(json_object_get(a, "referral"));
	else
		show_page(x, a);
	json_decref(a);
	return 0;
}
