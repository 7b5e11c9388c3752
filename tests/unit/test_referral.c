/*
 * test_referral: every validation rule of SPEC section 3, one passing and
 * one failing case each. Bodies are one valid base record changed with
 * jansson; each failure must name the exact field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/referral.h"
#include "mash/timeutil.h"

/* 2026-03-10T12:00:00Z, a Tuesday. */
#define NOW_MS INT64_C(1773144000000)

static const char base_json[] =
    "{"
    " \"referrer\": {\"name\": \"Dana Whitfield\", \"professional\": true,"
    "  \"agency\": \"Brackenmoor Primary School\","
    "  \"email\": \"d.whitfield@school.example\", \"phone\": \"01632 960123\"},"
    " \"child\": {\"first_name\": \"Alex\", \"last_name\": \"Example\","
    "  \"dob\": \"2018-06-15\"},"
    " \"concern\": {\"categories\": [\"neglect\"],"
    "  \"summary\": \"Arrives hungry most days.\", \"immediate_risk\": false},"
    " \"consent\": {\"status\": \"given\"}"
    "}";

/* --- helpers --- */

static json_t *
base(void)
{
	json_error_t e;
	json_t *root = json_loads(base_json, 0, &e);

	assert_non_null(root);
	return root;
}

/* The object holding the last key of a dotted path; *key points at it. */
static json_t *
parent_of(json_t *root, char *path, char **key)
{
	char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		*dot = '\0';
		root = json_object_get(root, path);
		assert_non_null(root);
		path = dot + 1;
	}
	*key = path;
	return root;
}

static json_t *
set(json_t *root, const char *path, json_t *v)
{
	char buf[128], *key;
	json_t *obj;

	snprintf(buf, sizeof(buf), "%s", path);
	obj = parent_of(root, buf, &key);
	assert_int_equal(json_object_set_new(obj, key, v), 0);
	return root;
}

static json_t *
del(json_t *root, const char *path)
{
	char buf[128], *key;
	json_t *obj;

	snprintf(buf, sizeof(buf), "%s", path);
	obj = parent_of(root, buf, &key);
	assert_int_equal(json_object_del(obj, key), 0);
	return root;
}

/* Parse `body` as received at `now`; the error, or field "-" if valid. */
static struct referral_error
parse_at(const char *body, size_t len, int64_t now)
{
	struct referral_error err;
	json_t *rec;

	memset(&err, 0x55, sizeof(err));
	rec = referral_parse(body, len, now, &err);
	if (rec != NULL) {
		json_decref(rec);
		snprintf(err.field, sizeof(err.field), "-");
		err.message[0] = '\0';
	} else {
		assert_non_null(memchr(err.field, '\0', sizeof(err.field)));
		assert_non_null(memchr(err.message, '\0', sizeof(err.message)));
		assert_true(strlen(err.message) > 0);
	}
	return err;
}

/*
 * Validate `root` (consumed) directly and through a round trip by
 * referral_parse; both must agree. Returns the error, or field "-".
 */
static struct referral_error
check_at(json_t *root, int64_t now)
{
	struct referral_error e1, e2;
	char *body = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
	int rc;

	assert_non_null(body);
	memset(&e1, 0, sizeof(e1));
	rc = referral_validate(root, now, &e1);
	if (rc == 0)
		snprintf(e1.field, sizeof(e1.field), "-");
	else
		assert_true(strlen(e1.message) > 0);
	e2 = parse_at(body, strlen(body), now);
	assert_string_equal(e1.field, e2.field);
	assert_string_equal(e1.message, e2.message);
	free(body);
	json_decref(root);
	return e1;
}

static void
ok(json_t *root)
{
	struct referral_error e = check_at(root, NOW_MS);

	if (strcmp(e.field, "-") != 0)
		print_error("unexpected error: %s: %s\n", e.field, e.message);
	assert_string_equal(e.field, "-");
}

static void
bad(json_t *root, const char *field)
{
	assert_string_equal(check_at(root, NOW_MS).field, field);
}

static void
bad_msg(json_t *root, const char *field, const char *message)
{
	struct referral_error e = check_at(root, NOW_MS);

	assert_string_equal(e.field, field);
	assert_string_equal(e.message, message);
}

static struct referral_error
parse_str(const char *body)
{
	return parse_at(body, strlen(body), NOW_MS);
}

/* --- the whole body --- */

static void
test_base_is_valid(void **state)
{
	(void)state;
	ok(base());
}

static void
test_invalid_json(void **state)
{
	struct referral_error e = parse_str("{\"referrer\": {,}");

	(void)state;
	assert_string_equal(e.field, "");
	assert_non_null(strstr(e.message, "invalid JSON"));
	assert_non_null(strstr(e.message, "line 1"));
	assert_non_null(strstr(e.message, "column"));
	e = parse_str("{} trailing");
	assert_string_equal(e.field, "");
	e = parse_at("", 0, NOW_MS);
	assert_string_equal(e.field, "");
	e = parse_at(NULL, 0, NOW_MS);
	assert_string_equal(e.field, "");
}

static void
test_not_an_object(void **state)
{
	(void)state;
	assert_string_equal(parse_str("[]").field, "");
	assert_string_equal(parse_str("[{\"referrer\": {}}]").field, "");
	assert_string_equal(parse_str("42").field, "");
	assert_string_equal(parse_str("\"referral\"").field, "");
	assert_string_equal(parse_str("null").field, "");
	bad(json_array(), "");
	bad(json_string("x"), "");
}

static void
test_invalid_utf8(void **state)
{
	char body[sizeof(base_json) + 16];
	char *p;
	struct referral_error e;

	(void)state;
	/* Replace "Alex" by bytes that are not UTF-8. */
	snprintf(body, sizeof(body), "%s", base_json);
	p = strstr(body, "Alex");
	assert_non_null(p);
	memcpy(p, "\xc3\x28\xff\xfe", 4);
	e = parse_str(body);
	assert_string_equal(e.field, "");
	assert_non_null(strstr(e.message, "invalid JSON"));
	/* Valid UTF-8 beyond ASCII is fine. */
	memcpy(p, "Zo\xc3\xab", 4);
	assert_string_equal(parse_str(body).field, "-");
}

static void
test_nul_in_string(void **state)
{
	char body[sizeof(base_json) + 16];
	const char *p;

	(void)state;
	/* "Alex" becomes "\u0000", a NUL inside a string. */
	p = strstr(base_json, "Alex");
	assert_non_null(p);
	snprintf(body, sizeof(body), "%.*s\\u0000%s", (int)(p - base_json),
		 base_json, p + 4);
	assert_string_equal(parse_str(body).field, "");
}

static void
test_duplicate_keys(void **state)
{
	char body[sizeof(base_json) + 64];
	struct referral_error e;

	(void)state;
	/* A second "dob" inside child. */
	snprintf(body, sizeof(body), "%.*s\"dob\": \"2019-01-01\", %s",
		 (int)(strstr(base_json, "\"dob\"") - base_json), base_json,
		 strstr(base_json, "\"dob\""));
	e = parse_str(body);
	assert_string_equal(e.field, "");
	assert_non_null(strstr(e.message, "duplicate"));
	/* A second top-level object. */
	snprintf(body, sizeof(body), "{\"consent\": {}, %s", base_json + 1);
	assert_string_equal(parse_str(body).field, "");
}

static void
test_unknown_fields_kept(void **state)
{
	json_t *root = base(), *rec;
	struct referral_error err;
	char *body;

	(void)state;
	set(root, "x_form_version", json_string("7.2"));
	set(root, "child.favourite_colour", json_string("green"));
	set(root, "referrer.x_system", json_pack("{s:i}", "id", 42));
	body = json_dumps(root, 0);
	json_decref(root);
	rec = referral_parse(body, strlen(body), NOW_MS, &err);
	free(body);
	assert_non_null(rec);
	assert_string_equal(
	    json_string_value(json_object_get(rec, "x_form_version")), "7.2");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(rec, "child"),
					      "favourite_colour")),
	    "green");
	assert_true(json_is_object(
	    json_object_get(json_object_get(rec, "referrer"), "x_system")));
	json_decref(rec);
}

static void
test_null_err_allowed(void **state)
{
	json_t *root = del(base(), "child");
	json_t *rec;

	(void)state;
	assert_int_equal(referral_validate(root, NOW_MS, NULL), -1);
	json_decref(root);
	rec = referral_parse("[", 1, NOW_MS, NULL);
	assert_null(rec);
}

/* The first error in document order wins. */
static void
test_document_order(void **state)
{
	json_t *r;

	(void)state;
	r = del(del(del(del(base(), "consent.status"), "concern.summary"),
		    "child.dob"),
		"referrer.name");
	bad(r, "referrer.name");
	r = del(del(del(base(), "consent.status"), "concern.summary"),
		"child.dob");
	bad(r, "child.dob");
	r = set(del(base(), "consent.status"), "concern.immediate_risk",
		json_string("yes"));
	bad(r, "concern.immediate_risk");
	r = set(del(base(), "consent.status"), "parents_informed",
		json_integer(1));
	bad(r, "consent.status");
	/* Within an object the rules run in the order SPEC lists them. */
	r = del(del(base(), "child.last_name"), "child.first_name");
	bad(r, "child.first_name");
}

/* --- referrer --- */

static void
test_referrer_required(void **state)
{
	(void)state;
	bad_msg(del(base(), "referrer"), "referrer", "referrer is required");
	bad(set(base(), "referrer", json_string("Dana")), "referrer");
	bad(set(base(), "referrer", json_null()), "referrer");
}

static void
test_referrer_professional(void **state)
{
	(void)state;
	ok(set(base(), "referrer.professional", json_false()));
	bad(del(base(), "referrer.professional"), "referrer.professional");
	bad(set(base(), "referrer.professional", json_string("true")),
	    "referrer.professional");
	bad(set(base(), "referrer.professional", json_integer(1)),
	    "referrer.professional");
}

static void
test_referrer_name(void **state)
{
	(void)state;
	ok(set(base(), "referrer.name", json_string("  D. Whitfield ")));
	bad_msg(del(base(), "referrer.name"), "referrer.name",
		"referrer.name is required");
	bad(set(base(), "referrer.name", json_string("")), "referrer.name");
	bad(set(base(), "referrer.name", json_string(" \t\n ")),
	    "referrer.name");
	bad(set(base(), "referrer.name", json_integer(7)), "referrer.name");
}

static void
test_referrer_anonymous_type(void **state)
{
	(void)state;
	ok(set(base(), "referrer.anonymous", json_false()));
	bad(set(base(), "referrer.anonymous", json_string("no")),
	    "referrer.anonymous");
	/* anonymous: false does not excuse a missing name. */
	bad(set(del(base(), "referrer.name"), "referrer.anonymous",
		json_false()),
	    "referrer.name");
}

static void
test_professional_cannot_be_anonymous(void **state)
{
	(void)state;
	bad_msg(set(base(), "referrer.anonymous", json_true()),
		"referrer.anonymous",
		"a professional referrer cannot be anonymous");
	bad(set(del(base(), "referrer.name"), "referrer.anonymous",
		json_true()),
	    "referrer.anonymous");
}

static void
test_anonymous_public(void **state)
{
	json_t *r =
	    set(base(), "referrer",
		json_pack("{s:b,s:b}", "professional", 0, "anonymous", 1));

	(void)state;
	ok(r);
	/* Whatever they do leave must still be well formed. */
	r = set(base(), "referrer",
		json_pack("{s:b,s:b,s:s,s:s}", "professional", 0, "anonymous",
			  1, "relationship", "neighbour", "phone",
			  "07700 900123"));
	ok(r);
	r = set(base(), "referrer",
		json_pack("{s:b,s:b,s:i}", "professional", 0, "anonymous", 1,
			  "name", 5));
	bad(r, "referrer.name");
	r = set(base(), "referrer",
		json_pack("{s:b,s:b,s:s}", "professional", 0, "anonymous", 1,
			  "email", "not an address"));
	bad(r, "referrer.email");
	/* Specials would make it more than an address in a header or an
	 * envelope; each refused. */
	static const char *const specials[] = {
	    "a@b.example>", "<a@b.example", "a,b@c.example", "a@b.example;",
	    "\"a\"@b.example", "a(c)@b.example", "a@[127.0.0.1]",
	    "a\\b@c.example", "a:b@c.example"};
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		bad(set(base(), "referrer.email", json_string(specials[i])),
		    "referrer.email");
	ok(set(base(), "referrer.email",
	       json_string("d.o'brien+mash@school.example")));
}

static void
test_referrer_agency_or_relationship(void **state)
{
	(void)state;
	ok(set(del(base(), "referrer.agency"), "referrer.relationship",
	       json_string("aunt")));
	ok(set(set(base(), "referrer.relationship", json_string("")),
	       "referrer.agency", json_string("Police")));
	bad_msg(del(base(), "referrer.agency"), "referrer.agency",
		"referrer.agency or referrer.relationship is required");
	bad(set(base(), "referrer.agency", json_string(" ")),
	    "referrer.agency");
	bad(set(set(base(), "referrer.agency", json_string("")),
		"referrer.relationship", json_string("")),
	    "referrer.agency");
	bad(set(base(), "referrer.agency", json_integer(3)), "referrer.agency");
	bad(set(base(), "referrer.relationship", json_true()),
	    "referrer.relationship");
}

static void
test_referrer_email_or_phone(void **state)
{
	(void)state;
	ok(del(base(), "referrer.email"));
	ok(del(base(), "referrer.phone"));
	bad_msg(del(del(base(), "referrer.email"), "referrer.phone"),
		"referrer.email",
		"referrer.email or referrer.phone is required");
	bad(set(set(base(), "referrer.email", json_string("")),
		"referrer.phone", json_string(" ")),
	    "referrer.email");
	bad(set(base(), "referrer.phone", json_integer(1632960123)),
	    "referrer.phone");
	bad(set(del(base(), "referrer.phone"), "referrer.email", json_array()),
	    "referrer.email");
}

static void
test_referrer_email_shape(void **state)
{
	static const char *const good[] = {"a@b", "first.last+tag@nhs.example",
					   "j@x.police.example", NULL};
	static const char *const wrong[] = {"no-at-sign",
					    "two@@example.org",
					    "a@b@c",
					    "@example.org",
					    "name@",
					    "na me@example.org",
					    "name@exa\tmple.org",
					    NULL};

	(void)state;
	for (const char *const *s = good; *s != NULL; s++)
		ok(set(base(), "referrer.email", json_string(*s)));
	for (const char *const *s = wrong; *s != NULL; s++)
		bad(set(base(), "referrer.email", json_string(*s)),
		    "referrer.email");
	/* A bad address with a phone is still bad. */
	bad(set(base(), "referrer.email", json_string("x")), "referrer.email");
}

/* --- child --- */

static void
test_child_required(void **state)
{
	(void)state;
	bad(del(base(), "child"), "child");
	bad(set(base(), "child", json_pack("[s]", "Alex")), "child");
}

static void
test_child_names(void **state)
{
	(void)state;
	ok(set(base(), "child.first_name", json_string("A")));
	bad(del(base(), "child.first_name"), "child.first_name");
	bad(set(base(), "child.first_name", json_string("  ")),
	    "child.first_name");
	bad(set(base(), "child.first_name", json_integer(0)),
	    "child.first_name");
	ok(set(base(), "child.last_name", json_string("O'Neill-Smith")));
	bad(del(base(), "child.last_name"), "child.last_name");
	bad(set(base(), "child.last_name", json_string("")), "child.last_name");
	bad(set(base(), "child.last_name", json_false()), "child.last_name");
}

static void
test_child_dob_required(void **state)
{
	(void)state;
	bad_msg(del(base(), "child.dob"), "child.dob",
		"child.dob is required (or child.age_estimate when it is not "
		"known)");
	bad(set(base(), "child.dob", json_null()), "child.dob");
	bad(set(base(), "child.dob", json_integer(20180615)), "child.dob");
}

static void
test_child_dob_format(void **state)
{
	static const char *const wrong[] = {
	    "2018-6-15",  "15/06/2018", "2018-06-15T00:00:00Z",
	    "2018-13-01", "2018-00-10", "2018-04-31",
	    "20180615",	  "",		" 2018-06-15",
	    NULL};

	(void)state;
	ok(set(base(), "child.dob", json_string("2018-04-30")));
	for (const char *const *s = wrong; *s != NULL; s++)
		bad(set(base(), "child.dob", json_string(*s)), "child.dob");
}

static void
test_child_dob_leap_day(void **state)
{
	(void)state;
	ok(set(base(), "child.dob", json_string("2024-02-29")));
	bad(set(base(), "child.dob", json_string("2023-02-29")), "child.dob");
	ok(set(base(), "child.dob", json_string("2000-02-29")));
	bad(set(base(), "child.dob", json_string("2100-02-29")), "child.dob");
}

static void
test_child_dob_future(void **state)
{
	struct referral_error e;
	int64_t end_of_day;

	(void)state;
	/* Today (the UTC day of receipt) is allowed, tomorrow is not. */
	ok(set(base(), "child.dob", json_string("2026-03-10")));
	bad_msg(set(base(), "child.dob", json_string("2026-03-11")),
		"child.dob", "child.dob is in the future");
	bad(set(base(), "child.dob", json_string("2099-01-01")), "child.dob");
	/* The UTC day: at 23:59:59.999Z the next day is still future. */
	assert_int_equal(
	    mash_time_parse("2026-03-10T23:59:59.999Z", &end_of_day), 0);
	e = check_at(set(base(), "child.dob", json_string("2026-03-11")),
		     end_of_day);
	assert_string_equal(e.field, "child.dob");
	e = check_at(set(base(), "child.dob", json_string("2026-03-11")),
		     end_of_day + 1);
	assert_string_equal(e.field, "-");
}

static void
test_child_unborn(void **state)
{
	json_t *r;

	(void)state;
	r = set(del(base(), "child.dob"), "child.unborn", json_true());
	ok(set(r, "child.expected_date", json_string("2026-07-01")));
	r = set(del(base(), "child.dob"), "child.unborn", json_true());
	bad_msg(r, "child.expected_date",
		"child.expected_date is required when child.unborn is true");
	r = set(del(base(), "child.dob"), "child.unborn", json_true());
	bad(set(r, "child.expected_date", json_string("2026-02-30")),
	    "child.expected_date");
	r = set(del(base(), "child.dob"), "child.unborn", json_true());
	bad(set(r, "child.expected_date", json_integer(2026)),
	    "child.expected_date");
	/* Born and unborn at once is a contradiction. */
	r = set(base(), "child.unborn", json_true());
	bad(set(r, "child.expected_date", json_string("2026-07-01")),
	    "child.dob");
}

/* child.age_estimate: whole years, 0 to 25, only when the dob is unknown. */
static void
test_child_age_estimate(void **state)
{
	json_t *r;

	(void)state;
	ok(set(del(base(), "child.dob"), "child.age_estimate",
	       json_integer(7)));
	ok(set(del(base(), "child.dob"), "child.age_estimate",
	       json_integer(0)));
	ok(set(del(base(), "child.dob"), "child.age_estimate",
	       json_integer(REFERRAL_AGE_ESTIMATE_MAX)));
	bad_msg(set(del(base(), "child.dob"), "child.age_estimate",
		    json_integer(-1)),
		"child.age_estimate",
		"child.age_estimate must be a whole number of years from 0 "
		"to 25");
	bad(set(del(base(), "child.dob"), "child.age_estimate",
		json_integer(REFERRAL_AGE_ESTIMATE_MAX + 1)),
	    "child.age_estimate");
	bad(set(del(base(), "child.dob"), "child.age_estimate", json_real(7.5)),
	    "child.age_estimate");
	bad(set(del(base(), "child.dob"), "child.age_estimate",
		json_string("7")),
	    "child.age_estimate");
	bad(set(del(base(), "child.dob"), "child.age_estimate", json_true()),
	    "child.age_estimate");
	/* A null estimate is absent: the dob is then required. */
	bad_msg(
	    set(del(base(), "child.dob"), "child.age_estimate", json_null()),
	    "child.dob",
	    "child.dob is required (or child.age_estimate when it is not "
	    "known)");
	/* Never both a dob and an estimate, nor an estimate when unborn. */
	bad(set(base(), "child.age_estimate", json_integer(7)),
	    "child.age_estimate");
	r = set(del(base(), "child.dob"), "child.unborn", json_true());
	r = set(r, "child.expected_date", json_string("2026-07-01"));
	bad(set(r, "child.age_estimate", json_integer(0)),
	    "child.age_estimate");
}

static void
test_child_unborn_type(void **state)
{
	(void)state;
	ok(set(base(), "child.unborn", json_false()));
	bad(set(base(), "child.unborn", json_string("true")), "child.unborn");
	/* unborn: false still needs a dob. */
	bad(set(del(base(), "child.dob"), "child.unborn", json_false()),
	    "child.dob");
}

static void
test_child_optional_strings(void **state)
{
	static const char *const keys[] = {
	    "gender",	"address", "postcode", "ethnicity",  "first_language",
	    "religion", "school",  "gp",       "nhs_number", NULL};
	char path[64];

	(void)state;
	for (const char *const *k = keys; *k != NULL; k++) {
		snprintf(path, sizeof(path), "child.%s", *k);
		ok(set(base(), path, json_string("text")));
		ok(set(base(), path, json_null()));
		bad(set(base(), path, json_integer(1)), path);
		bad(set(base(), path, json_pack("{}")), path);
	}
}

static void
test_child_interpreter_needed(void **state)
{
	(void)state;
	ok(set(base(), "child.interpreter_needed", json_true()));
	bad(set(base(), "child.interpreter_needed", json_string("yes")),
	    "child.interpreter_needed");
}

static void
test_child_disabilities(void **state)
{
	(void)state;
	ok(set(base(), "child.disabilities", json_string("autism")));
	ok(set(base(), "child.disabilities",
	       json_pack("[s,s]", "autism", "hearing")));
	ok(set(base(), "child.disabilities", json_array()));
	bad(set(base(), "child.disabilities", json_integer(2)),
	    "child.disabilities");
	bad(set(base(), "child.disabilities", json_pack("[s,i]", "autism", 3)),
	    "child.disabilities[1]");
}

/* --- concern --- */

static void
test_concern_required(void **state)
{
	(void)state;
	bad(del(base(), "concern"), "concern");
	bad(set(base(), "concern", json_string("neglect")), "concern");
}

static void
test_categories_required(void **state)
{
	(void)state;
	bad(del(base(), "concern.categories"), "concern.categories");
	bad(set(base(), "concern.categories", json_string("neglect")),
	    "concern.categories");
}

static void
test_categories_empty(void **state)
{
	(void)state;
	bad(set(base(), "concern.categories", json_array()),
	    "concern.categories");
}

static void
test_categories_all_known(void **state)
{
	json_t *all = json_array();
	size_t n = 0;

	(void)state;
	for (const char *const *c = referral_categories; *c != NULL; c++) {
		ok(set(base(), "concern.categories", json_pack("[s]", *c)));
		json_array_append_new(all, json_string(*c));
		n++;
	}
	assert_int_equal(n, 17);
	ok(set(base(), "concern.categories", all));
}

static void
test_categories_unknown(void **state)
{
	(void)state;
	bad_msg(set(base(), "concern.categories",
		    json_pack("[s,s]", "neglect", "bullying")),
		"concern.categories[1]",
		"concern.categories[1] is not a known category");
	bad(set(base(), "concern.categories", json_pack("[s]", "Neglect")),
	    "concern.categories[0]");
	bad(set(base(), "concern.categories",
		json_pack("[s,s,s]", "cse", "cce", "")),
	    "concern.categories[2]");
	bad(set(base(), "concern.categories", json_pack("[i]", 4)),
	    "concern.categories[0]");
}

static void
test_categories_duplicate(void **state)
{
	(void)state;
	ok(set(base(), "concern.categories",
	       json_pack("[s,s]", "neglect", "missing")));
	bad(set(base(), "concern.categories",
		json_pack("[s,s,s]", "neglect", "missing", "neglect")),
	    "concern.categories[2]");
}

static void
test_concern_summary(void **state)
{
	(void)state;
	ok(set(base(), "concern.summary", json_string(" x ")));
	bad(del(base(), "concern.summary"), "concern.summary");
	bad(set(base(), "concern.summary", json_string(" \r\n\t")),
	    "concern.summary");
	bad(set(base(), "concern.summary", json_pack("[s]", "x")),
	    "concern.summary");
}

static void
test_concern_immediate_risk(void **state)
{
	(void)state;
	ok(set(base(), "concern.immediate_risk", json_true()));
	bad(del(base(), "concern.immediate_risk"), "concern.immediate_risk");
	bad(set(base(), "concern.immediate_risk", json_string("false")),
	    "concern.immediate_risk");
	bad(set(base(), "concern.immediate_risk", json_integer(0)),
	    "concern.immediate_risk");
}

/* --- consent --- */

static void
test_consent_required(void **state)
{
	(void)state;
	bad(del(base(), "consent"), "consent");
	bad(set(base(), "consent", json_true()), "consent");
}

static void
test_consent_status(void **state)
{
	(void)state;
	ok(set(base(), "consent.status", json_string("given")));
	bad(del(base(), "consent.status"), "consent.status");
	bad(set(base(), "consent.status", json_string("Given")),
	    "consent.status");
	bad(set(base(), "consent.status", json_string("maybe")),
	    "consent.status");
	bad(set(base(), "consent.status", json_true()), "consent.status");
}

static void
test_consent_given_reason_optional(void **state)
{
	(void)state;
	ok(base());
	ok(set(base(), "consent.reason", json_string("parent agreed")));
	bad(set(base(), "consent.reason", json_integer(1)), "consent.reason");
}

static void
test_consent_refused_needs_reason(void **state)
{
	json_t *r;

	(void)state;
	r = set(base(), "consent.status", json_string("refused"));
	ok(set(r, "consent.reason", json_string("Mother declined on call.")));
	bad_msg(set(base(), "consent.status", json_string("refused")),
		"consent.reason",
		"consent.reason is required when consent.status is "
		"\"refused\"");
	r = set(base(), "consent.status", json_string("refused"));
	bad(set(r, "consent.reason", json_string("   ")), "consent.reason");
}

static void
test_consent_not_sought_needs_reason(void **state)
{
	json_t *r;

	(void)state;
	r = set(base(), "consent.status", json_string("not_sought"));
	ok(set(r, "consent.reason", json_string("Would place child at risk")));
	bad_msg(set(base(), "consent.status", json_string("not_sought")),
		"consent.reason",
		"consent.reason is required when consent.status is "
		"\"not_sought\"");
	r = set(base(), "consent.status", json_string("not_sought"));
	bad(set(r, "consent.reason", json_false()), "consent.reason");
}

/* --- optional top-level fields --- */

static void
test_people_arrays(void **state)
{
	static const char *const keys[] = {"household", "parents",
					   "alleged_perpetrators",
					   "other_agencies", NULL};
	char path[64];

	(void)state;
	for (const char *const *k = keys; *k != NULL; k++) {
		ok(set(base(), *k, json_array()));
		ok(set(base(), *k,
		       json_pack("[{s:s,s:s},{s:s}]", "relationship", "mother",
				 "dob", "1990-05-01", "name", "X")));
		bad(set(base(), *k, json_pack("{s:s}", "name", "X")), *k);
		snprintf(path, sizeof(path), "%s[1]", *k);
		bad(set(base(), *k, json_pack("[{},s]", "X")), path);
		snprintf(path, sizeof(path), "%s[1].dob", *k);
		bad(set(base(), *k,
			json_pack("[{s:s},{s:s}]", "dob", "1990-05-01", "dob",
				  "2030-01-01")),
		    path);
		snprintf(path, sizeof(path), "%s[0].dob", *k);
		bad(set(base(), *k, json_pack("[{s:s}]", "dob", "1990-02-30")),
		    path);
		bad(set(base(), *k, json_pack("[{s:i}]", "dob", 1990)), path);
	}
}

static void
test_household_dob_message(void **state)
{
	(void)state;
	bad_msg(set(base(), "household",
		    json_pack("[{s:s},{s:s}]", "dob", "1985-01-01", "dob",
			      "2026-03-11")),
		"household[1].dob", "household[1].dob is in the future");
	ok(set(base(), "household", json_pack("[{s:s}]", "dob", "2026-03-10")));
}

static void
test_optional_strings(void **state)
{
	static const char *const keys[] = {"child_location", "child_views",
					   "family_views", "desired_outcome",
					   NULL};

	(void)state;
	for (const char *const *k = keys; *k != NULL; k++) {
		ok(set(base(), *k, json_string("some words")));
		bad(set(base(), *k, json_integer(9)), *k);
		bad(set(base(), *k, json_pack("[s]", "x")), *k);
	}
}

static void
test_early_help(void **state)
{
	(void)state;
	ok(set(base(), "early_help",
	       json_pack("{s:b,s:s}", "considered", 1, "summary", "TAF")));
	ok(set(base(), "early_help", json_pack("{s:b}", "considered", 0)));
	bad(set(base(), "early_help", json_true()), "early_help");
	bad(set(base(), "early_help", json_pack("{s:s}", "considered", "yes")),
	    "early_help.considered");
	bad(set(base(), "early_help", json_pack("{s:i}", "summary", 1)),
	    "early_help.summary");
}

static void
test_parents_informed(void **state)
{
	(void)state;
	ok(set(base(), "parents_informed", json_false()));
	bad(set(base(), "parents_informed", json_string("no")),
	    "parents_informed");
}

static void
test_written_confirmation_of(void **state)
{
	static const char *const wrong[] = {"MASH-26-000123",
					    "MASH-2026-00012",
					    "MASH-2026-0001234",
					    "mash-2026-000123",
					    "MASH 2026 000123",
					    "MASH-2026-00012a",
					    " MASH-2026-000123",
					    "",
					    NULL};

	(void)state;
	ok(set(base(), "written_confirmation_of",
	       json_string("MASH-2026-000123")));
	for (const char *const *s = wrong; *s != NULL; s++)
		bad(set(base(), "written_confirmation_of", json_string(*s)),
		    "written_confirmation_of");
	bad(set(base(), "written_confirmation_of", json_integer(123)),
	    "written_confirmation_of");
}

/* A JSON null counts as an absent optional field. */
static void
test_null_optional_is_absent(void **state)
{
	(void)state;
	ok(set(base(), "household", json_null()));
	ok(set(base(), "early_help", json_null()));
	ok(set(base(), "referrer.email", json_null()));
	bad(set(set(base(), "referrer.email", json_null()), "referrer.phone",
		json_null()),
	    "referrer.email");
}

/* --- fixtures used by the integration tests --- */

static char *
slurp(const char *name)
{
	const char *top = getenv("MASH_TOP");
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s",
		 top != NULL ? top : ".", name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_fixtures(void **state)
{
	static const struct {
		const char *file, *field;
	} cases[] = {
	    {"red.json", "-"},
	    {"amber.json", "-"},
	    {"green.json", "-"},
	    {"blue.json", "-"},
	    {"phone.json", "-"},
	    {"invalid-dob-future.json", "child.dob"},
	    {"invalid-consent-no-reason.json", "consent.reason"},
	    {"invalid-professional-anonymous.json", "referrer.anonymous"},
	    {"invalid-category.json", "concern.categories[0]"},
	};
	char *body;

	(void)state;
	if ((body = slurp("red.json")) == NULL && getenv("MASH_TOP") == NULL)
		skip();
	free(body);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = slurp(cases[i].file);
		assert_non_null(body);
		assert_string_equal(parse_str(body).field, cases[i].field);
		free(body);
	}
}

/* Every child's name, address and postcode in a fixture is in NAMES. */
static void
test_fixture_names(void **state)
{
	static const char *const files[] = {
	    "red.json",
	    "amber.json",
	    "green.json",
	    "blue.json",
	    "phone.json",
	    "invalid-dob-future.json",
	    "invalid-consent-no-reason.json",
	    "invalid-professional-anonymous.json",
	    "invalid-category.json",
	    NULL};
	static const char *const keys[] = {"first_name", "last_name", "address",
					   "postcode", NULL};
	char *names = slurp("NAMES"), *body, line[256];
	json_t *root, *child;

	(void)state;
	if (names == NULL && getenv("MASH_TOP") == NULL)
		skip();
	assert_non_null(names);
	for (const char *const *f = files; *f != NULL; f++) {
		body = slurp(*f);
		assert_non_null(body);
		root = json_loads(body, 0, NULL);
		assert_non_null(root);
		child = json_object_get(root, "child");
		for (const char *const *k = keys; *k != NULL; k++) {
			const char *v =
			    json_string_value(json_object_get(child, *k));

			assert_non_null(v);
			snprintf(line, sizeof(line), "\n%s\n", v);
			if (strncmp(names, line + 1, strlen(line + 1)) != 0 &&
			    strstr(names, line) == NULL)
				fail_msg("%s: %s not in NAMES", *f, v);
		}
		json_decref(root);
		free(body);
	}
	free(names);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base_is_valid),
	    cmocka_unit_test(test_invalid_json),
	    cmocka_unit_test(test_not_an_object),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_nul_in_string),
	    cmocka_unit_test(test_duplicate_keys),
	    cmocka_unit_test(test_unknown_fields_kept),
	    cmocka_unit_test(test_null_err_allowed),
	    cmocka_unit_test(test_document_order),
	    cmocka_unit_test(test_referrer_required),
	    cmocka_unit_test(test_referrer_professional),
	    cmocka_unit_test(test_referrer_name),
	    cmocka_unit_test(test_referrer_anonymous_type),
	    cmocka_unit_test(test_professional_cannot_be_anonymous),
	    cmocka_unit_test(test_anonymous_public),
	    cmocka_unit_test(test_referrer_agency_or_relationship),
	    cmocka_unit_test(test_referrer_email_or_phone),
	    cmocka_unit_test(test_referrer_email_shape),
	    cmocka_unit_test(test_child_required),
	    cmocka_unit_test(test_child_names),
	    cmocka_unit_test(test_child_dob_required),
	    cmocka_unit_test(test_child_dob_format),
	    cmocka_unit_test(test_child_dob_leap_day),
	    cmocka_unit_test(test_child_dob_future),
	    cmocka_unit_test(test_child_age_estimate),
	    cmocka_unit_test(test_child_unborn),
	    cmocka_unit_test(test_child_unborn_type),
	    cmocka_unit_test(test_child_optional_strings),
	    cmocka_unit_test(test_child_interpreter_needed),
	    cmocka_unit_test(test_child_disabilities),
	    cmocka_unit_test(test_concern_required),
	    cmocka_unit_test(test_categories_required),
	    cmocka_unit_test(test_categories_empty),
	    cmocka_unit_test(test_categories_all_known),
	    cmocka_unit_test(test_categories_unknown),
	    cmocka_unit_test(test_categories_duplicate),
	    cmocka_unit_test(test_concern_summary),
	    cmocka_unit_test(test_concern_immediate_risk),
	    cmocka_unit_test(test_consent_required),
	    cmocka_unit_test(test_consent_status),
	    cmocka_unit_test(test_consent_given_reason_optional),
	    cmocka_unit_test(test_consent_refused_needs_reason),
	    cmocka_unit_test(test_consent_not_sought_needs_reason),
	    cmocka_unit_test(test_people_arrays),
	    cmocka_unit_test(test_household_dob_message),
	    cmocka_unit_test(test_optional_strings),
	    cmocka_unit_test(test_early_help),
	    cmocka_unit_test(test_parents_informed),
	    cmocka_unit_test(test_written_confirmation_of),
	    cmocka_unit_test(test_null_optional_is_absent),
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_fixture_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
