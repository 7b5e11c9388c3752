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
	rec = answer(TEACHER "Ada\nBee\n01/04/2019\n\n\n\n\n\n"
			     "neglect, physical_abuse\nBruises seen\n"
			     "on both arms\n\nn\ngiven\ny\nat school\n");
	assert_non_null(rec);
	assert_true(json_is_true(
	    json_object_get(json_object_get(rec, "referrer"), "professional")));
	assert_string_equal(s(rec, "referrer", "agency"),
			    "Brackenmoor Primary");
	assert_null(
	    json_object_get(json_object_get(rec, "referrer"), "relationship"));
	assert_null(json_object_get(json_object_get(rec, "referrer"), "phone"));
	assert_string_equal(s(rec, "child", "dob"), "2019-04-01");
	/* A date of birth given: "unborn" is not asked. */
	assert_int_equal(times("Is the child unborn"), 0);
	assert_string_equal(s(rec, "concern", "summary"),
			    "Bruises seen\non both arms");
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
	assert_non_null(strstr(said, "Child's date of birth (DD/MM/YYYY, "
				     "YYYY-MM-DD or unknown) (required): "));
	assert_non_null(strstr(said, "an empty line ends it"));
	assert_non_null(strstr(said, "Child's gender: "));
	json_decref(rec);
}

static void
test_bad_answers_asked_again(void **state)
{
	json_t *rec;

	(void)state;
	rec = answer("perhaps\n" TEACHER "Ada\nBee\n"
		     "2031-01-01\n30/02/2019\n\n28/2/2019\n\n\n\n\n\n"
		     "bruises\nneglect\n\nBruises seen\n\nn\n"
		     "refused\n\nParent would flee\n\n\n");
	assert_non_null(rec);
	assert_int_equal(times("answer yes or no"), 1);
	/* A future date of birth, a date that does not exist, none. */
	assert_int_equal(times("Child's date of birth (DD/MM/YYYY, "
			       "YYYY-MM-DD or unknown) (required): "),
			 4);
	assert_int_equal(times("that date does not exist"), 1);
	assert_int_equal(times("give the date of birth, or say unknown"), 1);
	assert_string_equal(s(rec, "child", "dob"), "2019-02-28");
	/* An unknown category, then an empty summary. */
	assert_int_equal(times("What is the concern (it may run over several "
			       "lines; an empty line ends it) (required):"),
			 2);
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
		     "Ada\nBee\nunknown\ny\n2026-05-01\n\n\n\n\n\n"
		     "other\nHeard shouting\n\ny\ngiven\n\n\n");
	assert_non_null(rec);
	assert_int_equal(times("Caller's name (required): "), 2);
	assert_int_equal(times("Caller's relationship to the child "
			       "(required): "),
			 2);
	assert_int_equal(times("Caller's telephone number"), 2);
	assert_string_equal(s(rec, "referrer", "relationship"), "neighbour");
	assert_string_equal(s(rec, "referrer", "phone"), "07700 900123");
	/* Unknown, then unborn: an expected date, no age asked. */
	assert_string_equal(s(rec, "child", "expected_date"), "2026-05-01");
	assert_null(json_object_get(json_object_get(rec, "child"), "dob"));
	assert_int_equal(times("estimated age"), 0);
	json_decref(rec);
}

/* Not known, not unborn: an estimated age, whole years, 0 to 25. */
static void
test_dob_unknown_age_estimate(void **state)
{
	json_t *rec;

	(void)state;
	rec = answer(TEACHER "Ada\nBee\nUnknown\nn\nabout 7\n26\n7\n"
			     "\n\n\n\n\nneglect\nHungry\n\nn\ngiven\n\n\n");
	assert_non_null(rec);
	assert_null(json_object_get(json_object_get(rec, "child"), "dob"));
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(rec, "child"), "age_estimate")),
			 7);
	assert_int_equal(times("Child's estimated age in years (required): "),
			 3);
	assert_int_equal(times("give the age as a whole number of years"), 1);
	assert_int_equal(times("child.age_estimate must be a whole number of "
			       "years from 0 to 25"),
			 1);
	json_decref(rec);
}

/* DV is domestic_abuse; a near miss is suggested by edit distance. */
static void
test_category_suggestions(void **state)
{
	json_t *rec;

	(void)state;
	rec = answer(TEACHER "Ada\nBee\n2019-04-01\n\n\n\n\n\n"
			     "DV\nneglet\ndomestic_abuse\nShouting\n\nn\n"
			     "given\n\n\n");
	assert_non_null(rec);
	assert_int_equal(times("Did you mean domestic_abuse?"), 1);
	assert_int_equal(times("Did you mean neglect?"), 1);
	json_decref(rec);
}

/* Read back, edited, kept as a draft and taken up again. */
static void
test_edit_and_draft(void **state)
{
	static const char answers[] =
	    TEACHER "Ada\nBee\n2019-04-01\n\n\n\n\n\nneglect\nHungry\n\n"
		    "n\ngiven\n\n\n";
	FILE *in = fmemopen((void *)answers, strlen(answers), "r"), *out;
	struct ask a, b;
	const char *why;
	json_t *d;
	char *text = NULL;
	size_t len;

	(void)state;
	out = open_memstream(&text, &len);
	ask_init(&a, NOW_MS);
	assert_int_equal(ask_run(&a, in, out), 0);
	fclose(in);
	assert_int_equal(ask_complete(&a, NULL), 0);
	/* The date of birth is field 8: now unknown, then unborn. */
	in = fmemopen("unknown\ny\n01/06/2026\n", 22, "r");
	assert_int_equal(ask_edit(&a, 8, in, out), 0);
	fclose(in);
	assert_int_equal(ask_edit(&a, 99, NULL, out), 1);
	/* Field 15, the child's GP, given then cleared with "-". */
	in = fmemopen("Dr Who\n", 7, "r");
	assert_int_equal(ask_edit(&a, 15, in, out), 0);
	fclose(in);
	assert_string_equal(s(a.answers, "child", "gp"), "Dr Who");
	in = fmemopen("-\n", 2, "r");
	assert_int_equal(ask_edit(&a, 15, in, out), 0);
	fclose(in);
	assert_null(json_object_get(json_object_get(a.answers, "child"), "gp"));
	/* A required one cannot be cleared: "-" is the first name. */
	in = fmemopen("-\n", 2, "r");
	assert_int_equal(ask_edit(&a, 6, in, out), 0);
	fclose(in);
	assert_string_equal(s(a.answers, "child", "first_name"), "-");
	ask_readback(&a, out);
	fclose(out);
	assert_non_null(strstr(text,
			       "  8. Child's date of birth: unknown\n"
			       "  9. Is the child unborn: yes\n"
			       " 10. Expected date of birth: 1 June 2026\n"));
	assert_int_equal(ask_complete(&a, NULL), 0);
	d = ask_draft(&a);
	ask_init(&b, NOW_MS);
	assert_int_equal(ask_from_draft(&b, d, &why), 0);
	assert_true(json_equal(a.answers, b.answers));
	assert_true(ask_started(&b));
	json_object_set_new(d, "mashctl_draft", json_integer(2));
	ask_free(&b);
	ask_init(&b, NOW_MS);
	assert_int_equal(ask_from_draft(&b, d, &why), -1);
	json_decref(d);
	ask_free(&a);
	ask_free(&b);
	free(text);
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
	    cmocka_unit_test(test_dob_unknown_age_estimate),
	    cmocka_unit_test(test_category_suggestions),
	    cmocka_unit_test(test_edit_and_draft),
	    cmocka_unit_test(test_end_of_input_sends_nothing),
	    cmocka_unit_test(test_yes_no),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(said);
	return rc;
}
