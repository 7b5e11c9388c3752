/*
 * test_mail: the referral in a mail message. A JSON attachment or a body
 * in the form's layout gives a validated record; the subject's reference
 * is found standing alone, in any case; every message that holds no
 * referral gets a reason naming the problem, never a value from it; sizes
 * are bounded, and the MIME structure on what GMime parsed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/mail.h"
#include "../../daemon/mail_mime.h"

/* 2026-11-24T10:00:00Z: after every date in the fixtures. */
#define NOW 1795860000000LL
#define MAX_BODY 65536

static char *
slurp(const char *name, size_t *len)
{
	const char *top = getenv("MASH_TOP");
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/mail/%s",
		 top != NULL ? top : ".", name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
parse_text(struct mail *m, const char *text, size_t max)
{
	mail_parse(m, text, strlen(text), max, NOW);
}

/* A fixture: its reason matches `why` ("" when a record is wanted). */
static void
fixture(const char *name, const char *why)
{
	struct mail m;
	size_t len;
	char *buf = slurp(name, &len);

	if (buf == NULL && getenv("MASH_TOP") == NULL)
		skip();
	assert_non_null(buf);
	mail_parse(&m, buf, len, MAX_BODY, NOW);
	if (why[0] == '\0') {
		if (m.record == NULL)
			fail_msg("%s: %s", name, m.reason);
		assert_string_equal(m.reason, "");
	} else {
		assert_null(m.record);
		if (strstr(m.reason, why) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", name,
				 m.reason, why);
		/* Never a value of the message: the fixtures' child. */
		assert_null(strstr(m.reason, "Rosalind"));
		assert_null(strstr(m.reason, "Quillhaven"));
		assert_null(strstr(m.reason, "Sorrelgate"));
	}
	mail_clear(&m);
	assert_null(m.record);
	free(buf);
}

static void
test_fixtures(void **state)
{
	(void)state;
	fixture("json-attachment.eml", "");
	fixture("json-bom.eml", "");
	fixture("form-body.eml", "");
	fixture("invalid-json.eml", "is not valid JSON (line ");
	fixture("invalid-referral.eml", "breaks a rule");
	fixture("bad-yes-no.eml", "the form's \"Immediate risk\" must be yes "
				  "or no");
	fixture("not-mime.txt", "not a mail message");
	fixture("html-only.eml", "no plain-text body (only HTML");
	fixture("no-referral.eml", "no referral found");
	fixture("two-json.eml", "the message has 2 JSON attachments");
}

static const char *
get(const json_t *rec, const char *group, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(rec, group), key));
}

/* The form's layout: continued lines, words, lists, yes and no. */
static void
test_form(void **state)
{
	struct mail m;
	size_t len;
	char *buf = slurp("form-body.eml", &len);
	const json_t *cats, *rec;

	(void)state;
	if (buf == NULL && getenv("MASH_TOP") == NULL)
		skip();
	assert_non_null(buf);
	mail_parse(&m, buf, len, MAX_BODY, NOW);
	rec = m.record;
	assert_non_null(rec);
	assert_string_equal(get(rec, "child", "address"),
			    "31 Foxglove Tannery Row, Brackenmoor");
	assert_string_equal(get(rec, "consent", "status"), "not_sought");
	cats = json_object_get(json_object_get(rec, "concern"), "categories");
	assert_int_equal(json_array_size(cats), 2);
	assert_string_equal(json_string_value(json_array_get(cats, 0)),
			    "domestic_abuse");
	assert_string_equal(json_string_value(json_array_get(cats, 1)),
			    "emotional_abuse");
	assert_true(json_is_false(json_object_get(
	    json_object_get(rec, "concern"), "immediate_risk")));
	assert_true(json_is_true(
	    json_object_get(json_object_get(rec, "referrer"), "professional")));
	/* A text field runs to the next label; the signature ends it. */
	assert_non_null(strstr(get(rec, "concern", "summary"),
			       "would not explain.\n\nHealth visitor"));
	assert_null(strstr(get(rec, "consent", "reason"), "Kind regards"));
	assert_false(json_is_true(json_object_get(rec, "parents_informed")));
	mail_clear(&m);
	free(buf);
}

/* The form's "Child age estimate" in place of the date of birth. */
static void
test_form_age_estimate(void **state)
{
	static const char dob[] = "Child date of birth: 2024-03-02\n";
	const char *answers[] = {"7", " seven", "-1", "99"};
	struct mail m;
	size_t len;
	char *buf = slurp("form-body.eml", &len), *at, text[8192];

	(void)state;
	if (buf == NULL && getenv("MASH_TOP") == NULL)
		skip();
	assert_non_null(buf);
	assert_non_null(at = strstr(buf, dob));
	for (size_t i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "%.*sChild age estimate: %s\n%s",
			 (int)(at - buf), buf, answers[i], at + strlen(dob));
		mail_parse(&m, text, strlen(text), MAX_BODY, NOW);
		if (i == 0) {
			assert_non_null(m.record);
			assert_int_equal(json_integer_value(json_object_get(
					     json_object_get(m.record, "child"),
					     "age_estimate")),
					 7);
		} else {
			assert_null(m.record);
			assert_non_null(strstr(
			    m.reason, i == 3 ? "child.age_estimate"
					     : "must be a whole number"));
		}
		mail_clear(&m);
	}
	free(buf);
}

static const char form_head[] = "From: a@example.org\n"
				"Subject: %s\n"
				"Content-Type: text/plain\n\n"
				"Child first name: X\n"
				"%s";

static void
form_mail(struct mail *m, const char *subject, const char *more)
{
	char text[1024];

	snprintf(text, sizeof(text), form_head, subject, more);
	parse_text(m, text, MAX_BODY);
}

static void
test_form_twice(void **state)
{
	struct mail m;

	(void)state;
	form_mail(&m, "referral", "child FIRST-name:  Y\n");
	assert_null(m.record);
	assert_string_equal(m.reason,
			    "the form gives \"Child first name\" twice");
	assert_null(strstr(m.reason, "Y"));
}

/* The subject's reference: standing alone, any case, first one. */
static void
test_subject_ref(void **state)
{
	static const struct {
		const char *subject, *ref;
	} cases[] = {
	    {"Written confirmation of MASH-2026-000123", "MASH-2026-000123"},
	    {"re: mash-2026-000017.", "MASH-2026-000017"},
	    {"(Mash-2025-999999) and MASH-2026-000001", "MASH-2025-999999"},
	    {"XMASH-2026-000123", ""},
	    {"MASH-2026-0001234", ""},
	    {"MASH-2026-00012", ""},
	    {"MASH-26-000123", ""},
	    {"no reference", ""},
	};
	struct mail m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		form_mail(&m, cases[i].subject, "");
		assert_string_equal(m.ref, cases[i].ref);
		/* The record is judged apart: this one breaks rules. */
		assert_null(m.record);
		assert_non_null(strstr(m.reason, "breaks a rule"));
		mail_clear(&m);
	}
}

static void
test_bounds(void **state)
{
	struct mail m;
	char text[8192];

	(void)state;
	mail_parse(&m, "", 0, MAX_BODY, NOW);
	assert_string_equal(m.reason, "the file is empty");

	snprintf(text, sizeof(text), form_head, "s", "");
	parse_text(&m, text, 16);
	assert_null(m.record);
	assert_string_equal(m.reason, "the message body is larger than "
				      "http.max_body (16 bytes)");
}

/* A message of n multiparts, each inside the last, in `spelling`. */
static char *
nested(int n, const char *spelling)
{
	size_t size = 256 + (size_t)n * 96, len;
	char *text = malloc(size);

	assert_non_null(text);
	len = (size_t)snprintf(text, size,
			       "From: a@example.org\n"
			       "Subject: deep\nMIME-Version: 1.0\n");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, size - len,
					"Content-Type: multipart/mixed; "
					"%s\"b%d\"\n\n--b%d\n",
					spelling, i, i);
	snprintf(text + len, size - len,
		 "Content-Type: text/plain\n\nChild first name: x\n");
	return text;
}

/* n parts side by side in one multipart, with `spelling`. */
static char *
flat(int n, const char *spelling)
{
	size_t size = 256 + (size_t)n * 48, len;
	char *text = malloc(size);

	assert_non_null(text);
	len = (size_t)snprintf(text, size,
			       "From: a@example.org\nSubject: wide\n"
			       "MIME-Version: 1.0\nContent-Type: "
			       "multipart/mixed; %s\"b\"\n\n",
			       spelling);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, size - len,
					"--b\nContent-Type: text/plain\n\nx\n");
	snprintf(text + len, size - len, "--b--\n");
	return text;
}

static void
expect_reason(const char *text, const char *why)
{
	struct mail m;

	parse_text(&m, text, MAX_BODY);
	assert_null(m.record);
	if (strcmp(m.reason, why) != 0)
		fail_msg("\"%s\", not \"%s\"", m.reason, why);
}

/*
 * The depth and the number of parts are bounded on what GMime parsed,
 * whatever the spelling of the boundary parameter (the old guard
 * counted "boundary=" in the text and missed these).
 */
static void
test_mime_bounds(void **state)
{
	static const char *const spellings[] = {
	    "boundary=", "boundary =", "BOUNDARY\t=", "Boundary = "};
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		text = nested(MAIL_MAX_DEPTH + 1, spellings[i]);
		expect_reason(text, "the message's MIME parts nest more than "
				    "16 deep");
		free(text);
		text = flat(MAIL_MAX_PARTS, spellings[i]);
		expect_reason(text, "the message has more than 256 MIME parts");
		free(text);
	}
	/* At the bounds, the form in the deepest part is read. */
	text = nested(MAIL_MAX_DEPTH - 1, "BOUNDARY\t=");
	expect_reason(text, "the referral in the body breaks a rule: "
			    "referrer is required");
	free(text);
	text = flat(MAIL_MAX_PARTS - 1, "boundary =");
	expect_reason(text, "no referral found: no JSON attachment, and no "
			    "line of the body starts a field of the form "
			    "(\"Child first name: ...\")");
	free(text);
}

/* Messages GMime would take long over are refused before it parses. */
static void
test_text_bounds(void **state)
{
	size_t size = 64 + (MAIL_MAX_COLON_LINES + 1) * 8, len;
	char *text;

	(void)state;
	/* 178,000 nested parts in 10 MB took GMime 3.5 s. */
	text = nested(MAIL_MAX_DASH_LINES + 1, "boundary =");
	expect_reason(text, "the message has more than 1024 lines starting "
			    "with \"--\" (MIME boundaries)");
	free(text);
	text = malloc(size);
	assert_non_null(text);
	len = (size_t)snprintf(text, size, "Subject: many\n");
	for (int i = 0; i <= MAIL_MAX_COLON_LINES; i++)
		len += (size_t)snprintf(text + len, size - len, "X-A: y\n");
	expect_reason(text, "the message has more than 16384 lines holding "
			    "a colon (header fields)");
	free(text);
	size = 64 + (MAIL_MAX_LINES + 1) * 2;
	text = malloc(size);
	assert_non_null(text);
	len = (size_t)snprintf(text, size, "Subject: lines\n\n");
	for (int i = 0; i <= MAIL_MAX_LINES; i++) {
		text[len++] = 'y';
		text[len++] = '\n';
	}
	text[len] = '\0';
	expect_reason(text, "the message has more than 262144 lines");
	free(text);
}

static void
test_json_attachment(void **state)
{
	static const char text[] =
	    "From: a@example.org\n"
	    "Subject: referral\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nChild first name: ignored\n"
	    "--b\nContent-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename=\"r.JSON\"\n\n"
	    "{\"child\": {\"first_name\": \"Rosalind\"}, \"child\": 1}\n"
	    "--b--\n";
	struct mail m;

	(void)state;
	/* Named .json, it is the referral, before any body: a duplicate
	 * key is refused, and the reason quotes no value. */
	parse_text(&m, text, MAX_BODY);
	assert_null(m.record);
	assert_non_null(strstr(m.reason, "the JSON attachment is not valid "
					 "JSON (line 1, column "));
	assert_null(strstr(m.reason, "Rosalind"));
	/* Over max_body once decoded. */
	parse_text(&m, text, 8);
	assert_string_equal(m.reason, "the JSON attachment is larger than "
				      "http.max_body (8 bytes)");
}

static int
setup(void **state)
{
	(void)state;
	mail_init();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mail_shutdown();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_form),
	    cmocka_unit_test(test_form_twice),
	    cmocka_unit_test(test_form_age_estimate),
	    cmocka_unit_test(test_subject_ref),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_mime_bounds),
	    cmocka_unit_test(test_text_bounds),
	    cmocka_unit_test(test_json_attachment),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
