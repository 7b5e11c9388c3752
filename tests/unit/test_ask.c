/*
 * test_ask: mashctl's questions for a telephone referral, answered from
 * memory. Each bad answer is asked again with the validator's reason; the
 * record returned holds only what was typed, never a stand-in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/ask.h"

/* 2026-03-10T12:00:00Z. */
#define NOW_MS INT64_C(1773144000000)

static char *said;
static size_t said_len;

/* Answer the questions with `answers` (one per line); keep what was said. */
static json_t *
answer(const char *answers)
{
	FILE *in = fmemopen((void *)answers, strlen(answers), "r");
	FILE *out;
	json_t *rec;

	free(said);
	said = NULL;
	out = open_memstream(&said, &said_len);
	assert_non_null(in);
	assert_non_null(out);
	rec = ask_referral(in, out, NOW_MS);
	fclose(in);
	fclose(out);
	return rec;
}

static const char *
s(const json_t *rec, const char *sect, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(rec, sect), key));
}

static int
times(const char *needle)
{
	int n = 0;

	for (const char *p = said; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

#define TEACHER                                                                \
	"y\n"                                                                  \
	"Ms Teacher\n"                                                         \
	"Brackenmoor Primary\n"                                                \
	"t@school.example\n"                                                   \
	"\n"

static void
test_good_answers(void **state)
{
	json_t *rec;

	(void)state;
	rec = answer(TEACHER "Ada\nBee\nn\n2019-04-01\n\n\n\n\n\n"
			     "neglect, physical_abuse\nBruises seen\nn\n"
			     "given\ny\nat school\n");
	assert_non_null(rec);
	assert_true(json_is_true(
	    json_object_get(json_object_get(rec, "referrer"), "professional")));
	assert_string_equal(s(rec, "referrer", "agency"),
			    "Brackenmoor Primary");
	assert_null(
	    json_object_get(json_object_get(rec, "referrer"), "relationship"));
	assert_null(json_object_get(json_object_get(rec, "referrer"), "phone"));
	assert_string_equal(s(rec, "child", "dob"), "2019-04-01");
	assert_int_equal(json_array_size(json_object_get(
			     json_object_get(rec, "concern"), "categories")),
			 2);
	assert_string_equal(s(rec, "consent", "status"), "given");
	assert_null(json_object_get(json_object_get(rec, "consent"), "reason"));
	assert_true(json_is_true(json_object_get(rec, "parents_informed")));
	assert_string_equal(
	    json_string_value(json_object_get(rec, "child_location")),
	    "at school");
	/* Required fields say so; skippable ones do not. */
	assert_non_null(strstr(said, "Child's date of birth (YYYY-MM-DD) "
				     "(required): "));
	assert_non_null(strstr(said, "Child's gender: "));
	json_decref(rec);
}

static void
test_bad_answers_asked_again(void **state)
{
	json_t *rec;

	(void)state;
	rec = answer("perhaps\n" TEACHER "Ada\nBee\nn\n"
		     "2031-01-01\n2019-02-30\n2019-02-28\n\n\n\n\n\n"
		     "bruises\nneglect\n\nBruises seen\nn\n"
		     "refused\n\nParent would flee\n\n\n");
	assert_non_null(rec);
	assert_int_equal(times("answer yes or no"), 1);
	/* A future date of birth, then a date that does not exist. */
	assert_int_equal(times("Child's date of birth (YYYY-MM-DD) "
			       "(required): "),
			 3);
	assert_string_equal(s(rec, "child", "dob"), "2019-02-28");
	/* An unknown category, then an empty summary. */
	assert_int_equal(times("What is the concern (required): "), 2);
	assert_non_null(strstr(said, "is not a known category"));
	/* Refused consent needs its reason. */
	assert_int_equal(times("Why was consent refused or not sought "
			       "(required): "),
			 2);
	assert_string_equal(s(rec, "consent", "reason"), "Parent would flee");
	json_decref(rec);
}

static void
test_public_caller_needs_a_contact(void **state)
{
	json_t *rec;

	(void)state;
	/* Not a professional, not anonymous: a name, a relationship (no
	 * agency), and email or phone, asked again until one is given. */
	rec = answer("n\nn\n\nGran\n\n\nneighbour\n\n\n07700 900123\n"
		     "Ada\nBee\ny\n2026-05-01\n\n\n\n\n\n"
		     "other\nHeard shouting\ny\ngiven\n\n\n");
	assert_non_null(rec);
	assert_int_equal(times("Caller's name (required): "), 2);
	assert_int_equal(times("Caller's relationship to the child "
			       "(required): "),
			 2);
	assert_int_equal(times("Caller's telephone number"), 2);
	assert_string_equal(s(rec, "referrer", "relationship"), "neighbour");
	assert_string_equal(s(rec, "referrer", "phone"), "07700 900123");
	/* Unborn: an expected date, no date of birth asked. */
	assert_string_equal(s(rec, "child", "expected_date"), "2026-05-01");
	assert_null(json_object_get(json_object_get(rec, "child"), "dob"));
	assert_int_equal(times("Child's date of birth"), 0);
	json_decref(rec);
}

static void
test_end_of_input_sends_nothing(void **state)
{
	(void)state;
	assert_null(answer(TEACHER "Ada\n"));
	assert_null(answer(""));
}

static void
test_yes_no(void **state)
{
	FILE *in, *out;
	char *buf = NULL;
	size_t len;

	(void)state;
	in = fmemopen("maybe\nYES\n", 10, "r");
	out = open_memstream(&buf, &len);
	assert_int_equal(ask_yes_no(in, out, "Send?"), 1);
	assert_int_equal(ask_yes_no(in, out, "Send?"), -1);
	fclose(in);
	fclose(out);
	assert_non_null(strstr(buf, "Please answer yes or no."));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_answers),
	    cmocka_unit_test(test_bad_answers_asked_again),
	    cmocka_unit_test(test_public_caller_needs_a_contact),
	    cmocka_unit_test(test_end_of_input_sends_nothing),
	    cmocka_unit_test(test_yes_no),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(said);
	return rc;
}
