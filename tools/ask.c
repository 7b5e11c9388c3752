/*
 * ask: a telephone referral taken field by field (see ask.h).
 *
 * How an answer is checked on its own: the answers so far, with the new
 * one, are completed by harmless stand-ins for every required field not yet
 * asked, and the whole is run through referral_validate. An error naming
 * the field just answered (or its partner: agency or relationship, email or
 * phone) is that answer's fault; it is shown and the question asked again.
 * The stand-ins never leave this file: the record returned holds only what
 * the call handler typed, and is validated once more, whole, at the end.
 *
 * The date of birth is asked first, as a caller gives it (DD/MM/YYYY,
 * YYYY-MM-DD or "unknown"); only when it is not given come "unborn", then
 * the expected date or an estimated age. The concern may run over lines.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mash/referral.h"
#include "mash/timeutil.h"

#include "ask.h"
#include "ask_date.h"
#include "ask_suggest.h"

/*
 * TEXT one line; BOOL yes or no; LIST comma-separated; LINES text over
 * lines up to an empty one; DATE a date as ask_date takes it; DOB the
 * same or "unknown"; NUMBER whole years.
 */
enum kind { TEXT, BOOL, LIST, LINES, DATE, DOB, NUMBER };

struct question {
	const char *path; /* dotted, as referral_validate names it */
	const char *also; /* an error on this path is this answer's too */
	const char *text; /* what the call handler is asked */
	enum kind kind;	  /* how an answer becomes JSON */
	const char *placeholder; /* JSON standing in until asked, or NULL */
	bool (*when)(const json_t *answers); /* asked only if true; NULL: */
};

static const json_t *get_path(const json_t *root, const char *path);

static bool
not_professional(const json_t *a)
{
	return !json_is_true(get_path(a, "referrer.professional"));
}

static bool
no_agency(const json_t *a)
{
	return get_path(a, "referrer.agency") == NULL;
}

static bool
no_dob(const json_t *a)
{
	return get_path(a, "child.dob") == NULL;
}

static bool
unborn(const json_t *a)
{
	return json_is_true(get_path(a, "child.unborn"));
}

static bool
born_no_dob(const json_t *a)
{
	return no_dob(a) && !unborn(a);
}

static bool
consent_not_given(const json_t *a)
{
	const char *s = json_string_value(get_path(a, "consent.status"));

	return s == NULL || strcmp(s, "given") != 0;
}

static const struct question questions[] = {
    {"referrer.professional", NULL, "Is the caller a professional", BOOL, NULL,
     NULL},
    {"referrer.anonymous", NULL, "Does the caller wish to stay anonymous", BOOL,
     NULL, not_professional},
    {"referrer.name", NULL, "Caller's name", TEXT, "\"-\"", NULL},
    {"referrer.agency", NULL, "Caller's agency or service", TEXT, NULL, NULL},
    {"referrer.relationship", "referrer.agency",
     "Caller's relationship to the child", TEXT, "\"-\"", no_agency},
    {"referrer.email", NULL, "Caller's email address", TEXT, NULL, NULL},
    {"referrer.phone", "referrer.email", "Caller's telephone number", TEXT,
     "\"-\"", NULL},
    {"child.first_name", NULL, "Child's first name", TEXT, "\"-\"", NULL},
    {"child.last_name", NULL, "Child's last name", TEXT, "\"-\"", NULL},
    {"child.dob", NULL,
     "Child's date of birth (DD/MM/YYYY, YYYY-MM-DD or unknown)", DOB,
     "\"2015-01-01\"", NULL},
    {"child.unborn", NULL, "Is the child unborn", BOOL, NULL, no_dob},
    {"child.expected_date", NULL,
     "Expected date of birth (DD/MM/YYYY or YYYY-MM-DD)", DATE,
     "\"2030-01-01\"", unborn},
    {"child.age_estimate", "child.dob", "Child's estimated age in years",
     NUMBER, "5", born_no_dob},
    {"child.gender", NULL, "Child's gender", TEXT, NULL, NULL},
    {"child.address", NULL, "Child's address", TEXT, NULL, NULL},
    {"child.postcode", NULL, "Child's postcode", TEXT, NULL, NULL},
    {"child.school", NULL, "Child's school or nursery", TEXT, NULL, NULL},
    {"child.gp", NULL, "Child's GP", TEXT, NULL, NULL},
    {"concern.categories", NULL, "Concern categories (separated by commas)",
     LIST, "[\"other\"]", NULL},
    {"concern.summary", NULL,
     "What is the concern (it may run over several lines; an empty line "
     "ends it)",
     LINES, "\"-\"", NULL},
    {"concern.immediate_risk", NULL, "Is the child at immediate risk", BOOL,
     "false", NULL},
    {"consent.status", NULL, "Consent (given, refused, not_sought)", TEXT,
     "\"given\"", NULL},
    {"consent.reason", NULL, "Why was consent refused or not sought", TEXT,
     "\"-\"", consent_not_given},
    {"parents_informed", NULL, "Have the parents been told of the referral",
     BOOL, NULL, NULL},
    {"child_location", NULL, "Where is the child now", TEXT, NULL, NULL},
};

#define NQUESTIONS (sizeof(questions) / sizeof(questions[0]))
_Static_assert(NQUESTIONS <= ASK_MAX_QUESTIONS, "struct ask holds them all");

/* --- dotted paths in a JSON object ("child.dob") --- */

static const json_t *
get_path(const json_t *root, const char *path)
{
	const char *dot = strchr(path, '.');
	char key[64];

	if (dot == NULL)
		return json_object_get(root, path);
	snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
	return get_path(json_object_get(root, key), dot + 1);
}

/* Set (value non-NULL; stolen) or delete (NULL) a member, making parents. */
static void
put_path(json_t *root, const char *path, json_t *value)
{
	const char *dot = strchr(path, '.');
	char key[64];
	json_t *child;

	if (dot == NULL) {
		if (value != NULL)
			json_object_set_new(root, path, value);
		else
			json_object_del(root, path);
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
	if ((child = json_object_get(root, key)) == NULL) {
		if (value == NULL)
			return;
		child = json_object();
		json_object_set_new(root, key, child);
	}
	put_path(child, dot + 1, value);
}

/* --- answers --- */

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A date or an age as the record holds it; -1 with `why` if not one. */
static int
parse_date_or_number(const struct question *q, const char *text, json_t **value,
		     const char **why)
{
	char iso[ASK_DATE_LEN], *end;
	long n;

	if (q->kind == NUMBER) {
		n = strtol(text, &end, 10);
		if (!isdigit((unsigned char)*text) || *end != '\0' ||
		    n > 1000) {
			*why = "give the age as a whole number of years";
			return -1;
		}
		*value = json_integer(n);
		return 0;
	}
	if (ask_date_parse(text, iso, why) != 0)
		return -1;
	*value = json_string(iso);
	return 0;
}

/*
 * An answer as JSON: *value is NULL for an empty answer (the field left
 * out), 1 for a date of birth not known (left out, and no rule to check
 * yet). -1 with a sentence in `why` if it is not of the question's kind.
 */
static int
parse_answer(const struct question *q, char *text, json_t **value,
	     const char **why)
{
	json_t *list;
	char *item, *save;

	*value = NULL;
	if (q->kind == DOB && ask_date_unknown(text))
		return 1;
	if (*text == '\0') {
		*why = "give the date of birth, or say unknown";
		return q->kind == DOB ? -1 : 0;
	}
	switch (q->kind) {
	case TEXT:
	case LINES:
		*value = json_string(text);
		if (*value == NULL) {
			*why = "the answer is not valid UTF-8";
			return -1;
		}
		return 0;
	case BOOL:
		if (strcasecmp(text, "y") == 0 || strcasecmp(text, "yes") == 0)
			*value = json_true();
		else if (strcasecmp(text, "n") == 0 ||
			 strcasecmp(text, "no") == 0)
			*value = json_false();
		else {
			*why = "answer yes or no";
			return -1;
		}
		return 0;
	case LIST:
		list = json_array();
		for (item = strtok_r(text, ",", &save); item != NULL;
		     item = strtok_r(NULL, ",", &save))
			if (*(item = trim(item)) != '\0')
				json_array_append_new(list, json_string(item));
		*value = list;
		return 0;
	default:
		return parse_date_or_number(q, text, value, why);
	}
}

/* Does an error on `field` belong to question q? "a.b" owns "a.b[0]". */
static bool
owns(const struct question *q, const char *field)
{
	const char *paths[] = {q->path, q->also};

	for (size_t i = 0; i < 2; i++) {
		size_t n = paths[i] != NULL ? strlen(paths[i]) : 0;

		if (n > 0 && strncmp(field, paths[i], n) == 0 &&
		    (field[n] == '\0' || field[n] == '[' || field[n] == '.'))
			return true;
	}
	return false;
}

/*
 * Check the answer `value` (NULL: left out) to question i against the
 * answers so far. 0 if it stands; -1 with the validator's sentence.
 */
static int
check(const json_t *answers, size_t i, json_t *value, int64_t now_ms,
      struct referral_error *err)
{
	json_t *draft = json_deep_copy(answers);
	int rc;

	put_path(draft, questions[i].path,
		 value != NULL ? json_incref(value) : NULL);
	for (size_t j = i + 1; j < NQUESTIONS; j++) {
		const struct question *q = &questions[j];

		if (q->placeholder == NULL ||
		    get_path(draft, q->path) != NULL ||
		    (q->when != NULL && !q->when(draft)))
			continue;
		put_path(draft, q->path,
			 json_loads(q->placeholder, JSON_DECODE_ANY, NULL));
	}
	rc = referral_validate(draft, now_ms, err);
	json_decref(draft);
	return rc != 0 && owns(&questions[i], err->field) ? -1 : 0;
}

static char *
read_line(FILE *in, char **buf, size_t *cap)
{
	ssize_t n = getline(buf, cap, in);

	if (n < 0)
		return NULL;
	return trim(*buf);
}

/*
 * Lines up to an empty one, joined by newlines, into *buf (its own
 * allocation). The first line empty: "". NULL at the end of `in`.
 */
static char *
read_lines(FILE *in, FILE *out, char **buf, size_t *cap)
{
	char *all = NULL, *line, *more;
	size_t len = 0, n;

	while ((line = read_line(in, buf, cap)) != NULL && *line != '\0') {
		n = strlen(line);
		if ((more = realloc(all, len + n + 2)) == NULL)
			break;
		all = more;
		if (len > 0)
			all[len++] = '\n';
		memcpy(all + len, line, n + 1);
		len += n;
		fprintf(out, "  ... ");
		fflush(out);
	}
	if (line == NULL) {
		free(all);
		return NULL;
	}
	free(*buf);
	*buf = all != NULL ? all : strdup("");
	*cap = len + 1;
	return *buf;
}

int
ask_yes_no(FILE *in, FILE *out, const char *question)
{
	char *buf = NULL, *line;
	size_t cap = 0;
	int rc = -1;

	for (;;) {
		fprintf(out, "%s [y/n]: ", question);
		fflush(out);
		if ((line = read_line(in, &buf, &cap)) == NULL)
			break;
		if (strcasecmp(line, "y") == 0 ||
		    strcasecmp(line, "yes") == 0) {
			rc = 1;
			break;
		}
		if (strcasecmp(line, "n") == 0 || strcasecmp(line, "no") == 0) {
			rc = 0;
			break;
		}
		fprintf(out, "  Please answer yes or no.\n");
	}
	free(buf);
	return rc;
}

static void
list_categories(FILE *out)
{
	fprintf(out, "  Categories:");
	for (const char *const *c = referral_categories; *c != NULL; c++)
		fprintf(out, "%s %s", c == referral_categories ? "" : ",", *c);
	fprintf(out, "\n");
}

/* The validator's sentence, and for an unknown category the nearest. */
static void
say_error(FILE *out, const json_t *value, const struct referral_error *err)
{
	const char *idx = strchr(err->field, '[');
	char near[256];

	fprintf(out, "  %s.\n", err->message);
	if (idx == NULL || strstr(err->message, "not a known category") == NULL)
		return;
	ask_suggest_category(json_string_value(json_array_get(
				 value, strtoul(idx + 1, NULL, 10))),
			     near, sizeof(near));
	if (near[0] != '\0')
		fprintf(out, "  Did you mean %s?\n", near);
}

/* A date as it is read out on the telephone: "14 July 2018". */
static bool
show_date(FILE *out, const json_t *v)
{
	static const char *const months[] = {"January", "February", "March",
					     "April",	"May",	    "June",
					     "July",	"August",   "September",
					     "October", "November", "December"};
	int y, m, d;

	if (mash_date_parse(json_string_value(v), &y, &m, &d) != 0)
		return false;
	fprintf(out, "%d %s %d", d, months[m - 1], y);
	return true;
}

/* The answer there is to question i, as text (a draft of show). */
static void
show_value(FILE *out, const struct ask *a, size_t i)
{
	const json_t *v = get_path(a->answers, questions[i].path);
	enum kind kind = questions[i].kind;
	size_t k;
	const json_t *e;

	if ((kind == DATE || kind == DOB) && v != NULL && show_date(out, v))
		return;
	if (v == NULL)
		fprintf(out, "%s", questions[i].kind == DOB ? "unknown" : "-");
	else if (json_is_boolean(v))
		fprintf(out, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_integer(v))
		fprintf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_array(v))
		json_array_foreach(v, k, e) fprintf(
		    out, "%s%s", k > 0 ? ", " : "", json_string_value(e));
	else
		for (const char *s = json_string_value(v); s && *s; s++)
			fprintf(out, *s == '\n' ? "\n      " : "%c", *s);
}

/*
 * Ask question i until an answer stands. Editing: the answer there is
 * shown, an empty answer keeps it, and "-" clears one not required.
 * 0 done; -1 `in` ended.
 */
static int
ask_one(struct ask *a, size_t i, FILE *in, FILE *out, bool editing)
{
	const struct question *q = &questions[i];
	struct referral_error err;
	char *buf = NULL, *line;
	size_t cap = 0;
	const char *why;
	json_t *value;
	bool required;
	int rc;

	required =
	    q->kind == DOB || check(a->answers, i, NULL, a->now_ms, &err) != 0;
	if (q->kind == LIST)
		list_categories(out);
	for (;;) {
		fprintf(out, "%s%s%s", q->text, q->kind == BOOL ? " [y/n]" : "",
			required ? " (required)" : "");
		if (editing) {
			fprintf(out, " [now: ");
			show_value(out, a, i);
			fprintf(out, "; Enter keeps it%s]",
				required ? "" : ", - clears it");
		}
		fprintf(out, ":%s", q->kind == LINES ? "\n  ... " : " ");
		fflush(out);
		line = q->kind == LINES ? read_lines(in, out, &buf, &cap)
					: read_line(in, &buf, &cap);
		if (line == NULL) {
			free(buf);
			return -1;
		}
		if (editing && *line == '\0')
			break;
		if (editing && !required && strcmp(line, "-") == 0) {
			put_path(a->answers, q->path, NULL);
			break;
		}
		if ((rc = parse_answer(q, line, &value, &why)) < 0) {
			fprintf(out, "  %s.\n", why);
			continue;
		}
		if (rc == 0 && check(a->answers, i, value, a->now_ms, &err)) {
			say_error(out, value, &err);
			json_decref(value);
			continue;
		}
		put_path(a->answers, q->path, value);
		break;
	}
	a->asked[i] = true;
	free(buf);
	return 0;
}

void
ask_init(struct ask *a, int64_t now_ms)
{
	memset(a, 0, sizeof(*a));
	a->answers = json_object();
	a->now_ms = now_ms;
}

void
ask_free(struct ask *a)
{
	json_decref(a->answers);
	a->answers = NULL;
}

bool
ask_started(const struct ask *a)
{
	for (size_t i = 0; i < NQUESTIONS; i++)
		if (a->asked[i])
			return true;
	return false;
}

/* Drop the answers to questions that no longer apply. */
static void
reconcile(struct ask *a)
{
	for (size_t i = 0; i < NQUESTIONS; i++)
		if (questions[i].when != NULL &&
		    !questions[i].when(a->answers)) {
			put_path(a->answers, questions[i].path, NULL);
			a->asked[i] = false;
		}
}

int
ask_run(struct ask *a, FILE *in, FILE *out)
{
	for (size_t i = 0; i < NQUESTIONS; i++) {
		if (a->asked[i] || (questions[i].when != NULL &&
				    !questions[i].when(a->answers)))
			continue;
		if (ask_one(a, i, in, out, false) != 0)
			return -1;
		reconcile(a);
	}
	return 0;
}

/* Question i by its number in the read-back (1, 2, ...), or -1. */
static long
number_of(const struct ask *a, size_t i)
{
	long n = 0;

	if (!a->asked[i])
		return -1;
	for (size_t j = 0; j <= i; j++)
		n += a->asked[j];
	return n;
}

void
ask_readback(const struct ask *a, FILE *out)
{
	for (size_t i = 0; i < NQUESTIONS; i++) {
		const char *t = questions[i].text, *paren = strstr(t, " (");

		if (!a->asked[i])
			continue;
		/* The question without its "(how to answer)". */
		fprintf(out, "%3ld. %.*s: ", number_of(a, i),
			(int)(paren != NULL ? paren - t : (long)strlen(t)), t);
		show_value(out, a, i);
		fprintf(out, "\n");
	}
}

int
ask_edit(struct ask *a, int number, FILE *in, FILE *out)
{
	size_t i;

	for (i = 0; i < NQUESTIONS; i++)
		if (number_of(a, i) == number)
			break;
	if (number < 1 || i == NQUESTIONS)
		return 1;
	if (ask_one(a, i, in, out, true) != 0)
		return -1;
	reconcile(a);
	return ask_run(a, in, out);
}

int
ask_complete(const struct ask *a, struct referral_error *err)
{
	return referral_validate(a->answers, a->now_ms, err);
}

json_t *
ask_draft(const struct ask *a)
{
	json_t *asked = json_array();

	for (size_t i = 0; i < NQUESTIONS; i++)
		if (a->asked[i])
			json_array_append_new(asked,
					      json_string(questions[i].path));
	return json_pack("{si sO so}", "mashctl_draft", 1, "answers",
			 a->answers, "asked", asked);
}

int
ask_from_draft(struct ask *a, const json_t *draft, const char **why)
{
	const json_t *answers = json_object_get(draft, "answers");
	const json_t *asked = json_object_get(draft, "asked"), *e;
	size_t k, i;

	*why = "not a draft of mashctl referral new";
	if (json_integer_value(json_object_get(draft, "mashctl_draft")) != 1 ||
	    !json_is_object(answers) || !json_is_array(asked))
		return -1;
	json_array_foreach(asked, k, e)
	{
		for (i = 0; i < NQUESTIONS; i++)
			if (json_is_string(e) && strcmp(json_string_value(e),
							questions[i].path) == 0)
				break;
		if (i == NQUESTIONS) {
			*why =
			    "the draft names a question mashctl does not ask";
			return -1;
		}
		a->asked[i] = true;
	}
	json_decref(a->answers);
	a->answers = json_deep_copy(answers);
	reconcile(a);
	return 0;
}

json_t *
ask_referral(FILE *in, FILE *out, int64_t now_ms)
{
	struct referral_error err;
	struct ask a;
	json_t *rec = NULL;

	ask_init(&a, now_ms);
	fprintf(out, "A telephone referral. Leave an answer empty to skip a "
		     "question that is not required.\n");
	if (ask_run(&a, in, out) != 0)
		fprintf(out, "\n");
	else if (ask_complete(&a, &err) != 0)
		/* Not reached while the questions cover every rule. */
		fprintf(out, "The referral is not complete: %s (%s).\n",
			err.message, err.field);
	else
		rec = json_incref(a.answers);
	ask_free(&a);
	return rec;
}
