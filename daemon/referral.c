/*
 * referral.c owns the referral record of SPEC section 3: it parses a body
 * and checks it rule by rule, in document order (referrer, child, concern,
 * consent, then the optional fields), stopping at the first broken rule and
 * naming its field by a dotted path. Unknown fields are kept, never read.
 * A JSON null counts as an absent field: forms send null for blank inputs.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mash/referral.h"
#include "mash/timeutil.h"
#include "mash/words.h"

const char *const referral_categories[] = {
    "physical_abuse",
    "sexual_abuse",
    "emotional_abuse",
    "neglect",
    "domestic_abuse",
    "cse",
    "cce",
    "missing",
    "fgm",
    "forced_marriage",
    "honour_based_abuse",
    "trafficking",
    "radicalisation",
    "online_harm",
    "self_harm",
    "private_fostering",
    "other",
    NULL,
};

static const char *const consent_statuses[] = {"given", "refused", "not_sought",
					       NULL};

/* What every check needs: the UTC day of receipt and where to report. */
struct vctx {
	int64_t today;
	struct referral_error *err;
};

typedef int (*check_fn)(const json_t *v, const char *path,
			const struct vctx *c);

/* An optional member of an object and the check its value must pass. */
struct field_rule {
	const char *key;
	check_fn check;
};

#define PATHSZ 128

__attribute__((format(printf, 3, 4))) static int
fail(const struct vctx *c, const char *field, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->err->field, sizeof(c->err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Paths are built from our own keys and fit; the length is not needed. */
static int
path_key(char *buf, const char *parent, const char *key)
{
	if (parent[0] == '\0')
		return snprintf(buf, PATHSZ, "%s", key);
	return snprintf(buf, PATHSZ, "%s.%s", parent, key);
}

static int
path_index(char *buf, const char *parent, size_t i)
{
	return snprintf(buf, PATHSZ, "%s[%zu]", parent, i);
}

/* A member, or NULL when absent or null. */
static const json_t *
member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

static bool
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (strchr(" \t\r\n\f\v", *s) == NULL)
			return false;
	return true;
}

static bool
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static int64_t
day_of_ms(int64_t ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;

	return secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
}

/* --- value checks, usable as field_rule.check --- */

static int
check_string(const json_t *v, const char *path, const struct vctx *c)
{
	if (!json_is_string(v))
		return fail(c, path, "%s must be a string", path);
	return 0;
}

static int
check_nonempty(const json_t *v, const char *path, const struct vctx *c)
{
	if (check_string(v, path, c))
		return -1;
	if (blank(json_string_value(v)))
		return fail(c, path, "%s must not be empty", path);
	return 0;
}

static int
check_bool(const json_t *v, const char *path, const struct vctx *c)
{
	if (!json_is_boolean(v))
		return fail(c, path, "%s must be true or false", path);
	return 0;
}

static int
check_object(const json_t *v, const char *path, const struct vctx *c)
{
	if (!json_is_object(v))
		return fail(c, path, "%s must be an object", path);
	return 0;
}

static int
check_array(const json_t *v, const char *path, const struct vctx *c)
{
	if (!json_is_array(v))
		return fail(c, path, "%s must be an array", path);
	return 0;
}

/* A real calendar date, "YYYY-MM-DD". */
static int
check_date(const json_t *v, const char *path, const struct vctx *c)
{
	int y, m, d;

	if (check_string(v, path, c))
		return -1;
	if (mash_date_parse(json_string_value(v), &y, &m, &d))
		return fail(c, path,
			    "%s is not a real date in the form YYYY-MM-DD",
			    path);
	return 0;
}

/* A real date no later than the day of receipt. */
static int
check_dob(const json_t *v, const char *path, const struct vctx *c)
{
	int y, m, d;

	if (check_date(v, path, c))
		return -1;
	mash_date_parse(json_string_value(v), &y, &m, &d);
	if (mash_days_from_civil(y, m, d) > c->today)
		return fail(c, path, "%s is in the future", path);
	return 0;
}

static int
check_string_or_strings(const json_t *v, const char *path, const struct vctx *c)
{
	char p[PATHSZ];
	size_t i;
	const json_t *e;

	if (json_is_string(v))
		return 0;
	if (!json_is_array(v))
		return fail(c, path,
			    "%s must be a string or an array of strings", path);
	json_array_foreach(v, i, e)
	{
		path_index(p, path, i);
		if (check_string(e, p, c))
			return -1;
	}
	return 0;
}

/* A reference of words.h, as SPEC section 2 quotes it. */
static int
check_reference(const json_t *v, const char *path, const struct vctx *c)
{
	if (check_string(v, path, c))
		return -1;
	if (!mash_ref_valid(json_string_value(v)))
		return fail(c, path,
			    "%s must be a reference like " MASH_REF_EXAMPLE,
			    path);
	return 0;
}

/* One '@', something on each side of it, no white space or control. */
static int
check_email(const json_t *v, const char *path, const struct vctx *c)
{
	if (check_string(v, path, c))
		return -1;
	if (!referral_email_plain(json_string_value(v)))
		return fail(c, path, "%s is not an email address", path);
	return 0;
}

bool
referral_email_plain(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return false;
	/* RFC 5321's mailbox, unquoted: none of RFC 5322's specials, which
	 * would make it something else in a header or an envelope (a
	 * display name, a group, a route, a comment). */
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f ||
		    (s != at && strchr("()<>[]:;,\\\"", *s) != NULL))
			return false;
	return true;
}

/* --- helpers over objects --- */

/* Each present member named in `rules` passes its check. */
static int
check_fields(const json_t *obj, const char *path,
	     const struct field_rule *rules, const struct vctx *c)
{
	char p[PATHSZ];
	const json_t *v;

	for (; rules->key != NULL; rules++) {
		if ((v = member(obj, rules->key)) == NULL)
			continue;
		path_key(p, path, rules->key);
		if (rules->check(v, p, c))
			return -1;
	}
	return 0;
}

/* A member that must be present and pass `check`. */
static int
check_required(const json_t *obj, const char *path, const char *key,
	       check_fn check, const struct vctx *c)
{
	char p[PATHSZ];
	const json_t *v = member(obj, key);

	path_key(p, path, key);
	if (v == NULL)
		return fail(c, p, "%s is required", p);
	return check(v, p, c);
}

/* Of two optional string members, at least one present and not blank. */
static int
check_one_of(const json_t *obj, const char *path, const char *a, const char *b,
	     const struct vctx *c)
{
	char pa[PATHSZ], pb[PATHSZ];
	const json_t *va = member(obj, a), *vb = member(obj, b);

	path_key(pa, path, a);
	path_key(pb, path, b);
	if ((va != NULL && check_string(va, pa, c)) ||
	    (vb != NULL && check_string(vb, pb, c)))
		return -1;
	if ((va == NULL || blank(json_string_value(va))) &&
	    (vb == NULL || blank(json_string_value(vb))))
		return fail(c, pa, "%s or %s is required", pa, pb);
	return 0;
}

/* --- the sections, in document order --- */

/* What an anonymous member of the public may still leave. */
static const struct field_rule anonymous_contact[] = {
    {"name", check_string},
    {"agency", check_string},
    {"relationship", check_string},
    {"phone", check_string},
    {NULL, NULL},
};

static int
check_referrer(const json_t *r, const char *path, const struct vctx *c)
{
	const json_t *anon, *email;

	if (check_object(r, path, c) ||
	    check_required(r, path, "professional", check_bool, c))
		return -1;
	anon = member(r, "anonymous");
	if (anon != NULL && check_bool(anon, "referrer.anonymous", c))
		return -1;
	if (json_is_true(anon)) {
		/* Seed 001 footnote 1: a professional gives their name. */
		if (json_is_true(member(r, "professional")))
			return fail(c, "referrer.anonymous",
				    "a professional referrer cannot be "
				    "anonymous");
		if (check_fields(r, path, anonymous_contact, c))
			return -1;
	} else if (check_required(r, path, "name", check_nonempty, c) ||
		   check_one_of(r, path, "agency", "relationship", c) ||
		   check_one_of(r, path, "email", "phone", c)) {
		return -1;
	}
	email = member(r, "email");
	return email == NULL ? 0 : check_email(email, "referrer.email", c);
}

static const struct field_rule child_optional[] = {
    {"gender", check_string},
    {"address", check_string},
    {"postcode", check_string},
    {"ethnicity", check_string},
    {"first_language", check_string},
    {"religion", check_string},
    {"interpreter_needed", check_bool},
    {"disabilities", check_string_or_strings},
    {"school", check_string},
    {"gp", check_string},
    {"nhs_number", check_string},
    {NULL, NULL},
};

/* An estimated age: whole years, 0 to REFERRAL_AGE_ESTIMATE_MAX. */
static int
check_age_estimate(const json_t *v, const char *path, const struct vctx *c)
{
	json_int_t n = json_integer_value(v);

	if (!json_is_integer(v) || n < 0 || n > REFERRAL_AGE_ESTIMATE_MAX)
		return fail(c, path,
			    "%s must be a whole number of years from 0 to %d",
			    path, REFERRAL_AGE_ESTIMATE_MAX);
	return 0;
}

/*
 * Born: a dob, or when it is not known an age_estimate (never both).
 * Unborn: an expected date, and neither of the others.
 */
static int
check_birth(const json_t *ch, const struct vctx *c)
{
	const json_t *unborn = member(ch, "unborn");
	const json_t *expected = member(ch, "expected_date");
	const json_t *dob = member(ch, "dob");
	const json_t *estimate = member(ch, "age_estimate");

	if (unborn != NULL && check_bool(unborn, "child.unborn", c))
		return -1;
	if (!json_is_true(unborn)) {
		if (dob == NULL && estimate == NULL)
			return fail(c, "child.dob",
				    "child.dob is required (or "
				    "child.age_estimate when it is not known)");
		if (dob != NULL && estimate != NULL)
			return fail(c, "child.age_estimate",
				    "child.age_estimate must not be given "
				    "with child.dob");
		if ((dob != NULL && check_dob(dob, "child.dob", c)) ||
		    (estimate != NULL &&
		     check_age_estimate(estimate, "child.age_estimate", c)))
			return -1;
		return expected == NULL
			   ? 0
			   : check_date(expected, "child.expected_date", c);
	}
	if (dob != NULL)
		return fail(c, "child.dob",
			    "child.dob must not be given when child.unborn "
			    "is true");
	if (estimate != NULL)
		return fail(c, "child.age_estimate",
			    "child.age_estimate must not be given when "
			    "child.unborn is true");
	if (expected == NULL)
		return fail(c, "child.expected_date",
			    "child.expected_date is required when "
			    "child.unborn is true");
	return check_date(expected, "child.expected_date", c);
}

static int
check_child(const json_t *ch, const char *path, const struct vctx *c)
{
	if (check_object(ch, path, c) ||
	    check_required(ch, path, "first_name", check_nonempty, c) ||
	    check_required(ch, path, "last_name", check_nonempty, c) ||
	    check_birth(ch, c))
		return -1;
	return check_fields(ch, path, child_optional, c);
}

static int
check_categories(const json_t *v, const char *path, const struct vctx *c)
{
	char p[PATHSZ];
	size_t i, j;
	const json_t *e;

	if (check_array(v, path, c))
		return -1;
	if (json_array_size(v) == 0)
		return fail(c, path, "%s must name at least one category",
			    path);
	json_array_foreach(v, i, e)
	{
		path_index(p, path, i);
		if (check_string(e, p, c))
			return -1;
		if (!in_list(json_string_value(e), referral_categories))
			return fail(c, p, "%s is not a known category", p);
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), e))
				return fail(c, p, "%s repeats a category", p);
	}
	return 0;
}

static int
check_concern(const json_t *co, const char *path, const struct vctx *c)
{
	if (check_object(co, path, c) ||
	    check_required(co, path, "categories", check_categories, c) ||
	    check_required(co, path, "summary", check_nonempty, c) ||
	    check_required(co, path, "immediate_risk", check_bool, c))
		return -1;
	return 0;
}

static int
check_consent_status(const json_t *v, const char *path, const struct vctx *c)
{
	if (check_string(v, path, c))
		return -1;
	if (!in_list(json_string_value(v), consent_statuses))
		return fail(c, path,
			    "%s must be \"given\", \"refused\" or "
			    "\"not_sought\"",
			    path);
	return 0;
}

/* Seed 002: a decision to go without consent is recorded with reasons. */
static int
check_consent(const json_t *cs, const char *path, const struct vctx *c)
{
	const char *status;
	const json_t *reason;

	if (check_object(cs, path, c) ||
	    check_required(cs, path, "status", check_consent_status, c))
		return -1;
	status = json_string_value(member(cs, "status"));
	reason = member(cs, "reason");
	if (strcmp(status, "given") == 0)
		return reason == NULL
			   ? 0
			   : check_string(reason, "consent.reason", c);
	if (reason == NULL)
		return fail(c, "consent.reason",
			    "consent.reason is required when consent.status "
			    "is \"%s\"",
			    status);
	return check_nonempty(reason, "consent.reason", c);
}

/* People and agencies: objects, and any date of birth a real past date. */
static int
check_people(const json_t *v, const char *path, const struct vctx *c)
{
	static const struct field_rule person[] = {
	    {"dob", check_dob},
	    {NULL, NULL},
	};
	char p[PATHSZ];
	size_t i;
	const json_t *e;

	if (check_array(v, path, c))
		return -1;
	json_array_foreach(v, i, e)
	{
		path_index(p, path, i);
		if (check_object(e, p, c) || check_fields(e, p, person, c))
			return -1;
	}
	return 0;
}

static int
check_early_help(const json_t *v, const char *path, const struct vctx *c)
{
	static const struct field_rule early_help[] = {
	    {"considered", check_bool},
	    {"summary", check_string},
	    {NULL, NULL},
	};

	if (check_object(v, path, c))
		return -1;
	return check_fields(v, path, early_help, c);
}

static const struct field_rule top_optional[] = {
    {"household", check_people},
    {"parents", check_people},
    {"alleged_perpetrators", check_people},
    {"other_agencies", check_people},
    {"child_location", check_string},
    {"child_views", check_string},
    {"family_views", check_string},
    {"desired_outcome", check_string},
    {"early_help", check_early_help},
    {"parents_informed", check_bool},
    {"written_confirmation_of", check_reference},
    {NULL, NULL},
};

static const struct field_rule top_required[] = {
    {"referrer", check_referrer},
    {"child", check_child},
    {"concern", check_concern},
    {"consent", check_consent},
    {NULL, NULL},
};

int
referral_validate(const json_t *root, int64_t now_ms,
		  struct referral_error *err)
{
	struct referral_error scratch;
	struct vctx c = {day_of_ms(now_ms), err != NULL ? err : &scratch};
	const struct field_rule *r;

	c.err->field[0] = c.err->message[0] = '\0';
	if (!json_is_object(root))
		return fail(&c, "", "the referral must be a JSON object");
	for (r = top_required; r->key != NULL; r++)
		if (check_required(root, "", r->key, r->check, &c))
			return -1;
	return check_fields(root, "", top_optional, &c);
}

json_t *
referral_parse(const char *body, size_t len, int64_t now_ms,
	       struct referral_error *err)
{
	struct referral_error scratch;
	struct vctx c = {day_of_ms(now_ms), err != NULL ? err : &scratch};
	json_error_t jerr;
	json_t *root;

	if (body == NULL) {
		fail(&c, "", "the referral body is empty");
		return NULL;
	}
	/* Any value decodes, so that "42" is told it is not an object. */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			  &jerr);
	if (root == NULL) {
		fail(&c, "", "invalid JSON: %s (line %d, column %d)", jerr.text,
		     jerr.line, jerr.column);
		return NULL;
	}
	if (referral_validate(root, now_ms, c.err)) {
		json_decref(root);
		return NULL;
	}
	return root;
}
