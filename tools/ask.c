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
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mash/referral.h"

#include "ask.h"

enum kind { TEXT, BOOL, LIST };

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
born(const json_t *a)
{
	return !json_is_true(get_path(a, "child.unborn"));
}

static bool
unborn(const json_t *a)
{
	return json_is_true(get_path(a, "child.unborn"));
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
    {"child.unborn", NULL, "Is the child unborn", BOOL, NULL, NULL},
    {"child.dob", NULL, "Child's date of birth (YYYY-MM-DD)", TEXT,
     "\"2015-01-01\"", born},
    {"child.expected_date", NULL, "Expected date of birth (YYYY-MM-DD)", TEXT,
     "\"2030-01-01\"", unborn},
    {"child.gender", NULL, "Child's gender", TEXT, NULL, NULL},
    {"child.address", NULL, "Child's address", TEXT, NULL, NULL},
    {"child.postcode", NULL, "Child's postcode", TEXT, NULL, NULL},
    {"child.school", NULL, "Child's school or nursery", TEXT, NULL, NULL},
    {"child.gp", NULL, "Child's GP", TEXT, NULL, NULL},
    {"concern.categories", NULL, "Concern categories, separated by commas",
     LIST, "[\"other\"]", NULL},
    {"concern.summary", NULL, "What is the concern", TEXT, "\"-\"", NULL},
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

/*
 * An answer as JSON: *value is NULL for an empty answer (the field left
 * out). -1 with a sentence in `why` if it is not of the question's kind.
 */
static int
parse_answer(const struct question *q, char *text, json_t **value,
	     const char **why)
{
	json_t *list;
	char *item, *save;

	*value = NULL;
	if (*text == '\0')
		return 0;
	switch (q->kind) {
	case TEXT:
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
	}
	return 0;
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

json_t *
ask_referral(FILE *in, FILE *out, int64_t now_ms)
{
	json_t *answers = json_object(), *value;
	struct referral_error err;
	char *buf = NULL, *line;
	size_t cap = 0;
	const char *why;

	fprintf(out, "A telephone referral. Leave an answer empty to skip a "
		     "question that is not required.\n");
	for (size_t i = 0; i < NQUESTIONS; i++) {
		const struct question *q = &questions[i];
		bool required;

		if (q->when != NULL && !q->when(answers))
			continue;
		required = check(answers, i, NULL, now_ms, &err) != 0;
		if (q->kind == LIST)
			list_categories(out);
		for (;;) {
			fprintf(out, "%s%s%s: ", q->text,
				q->kind == BOOL ? " [y/n]" : "",
				required ? " (required)" : "");
			fflush(out);
			if ((line = read_line(in, &buf, &cap)) == NULL)
				goto eof;
			if (parse_answer(q, line, &value, &why) != 0) {
				fprintf(out, "  %s.\n", why);
				continue;
			}
			if (check(answers, i, value, now_ms, &err) != 0) {
				fprintf(out, "  %s.\n", err.message);
				json_decref(value);
				continue;
			}
			if (value != NULL)
				put_path(answers, q->path, value);
			break;
		}
	}
	free(buf);
	if (referral_validate(answers, now_ms, &err) != 0) {
		/* Not reached while the questions cover every rule. */
		fprintf(out, "The referral is not complete: %s (%s).\n",
			err.message, err.field);
		json_decref(answers);
		return NULL;
	}
	return answers;
eof:
	fprintf(out, "\n");
	free(buf);
	json_decref(answers);
	return NULL;
}
