/*
 * test_brag: the default BRAG rules of SPEC section 4, each trigger and
 * each age boundary, the first-match order, and the rating names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/brag.h"
#include "mash/referral.h"
#include "mash/timeutil.h"

/* 2026-03-10T12:00:00Z. */
#define NOW_MS INT64_C(1773144000000)

static int64_t
at(const char *iso)
{
	int64_t ms;

	assert_int_equal(mash_time_parse(iso, &ms), 0);
	return ms;
}

/*
 * A valid referral about a child born on `dob` (NULL: unborn; "~N": date
 * of birth unknown, age estimated at N years) with the
 * space-separated `categories`, rated as received at `received`.
 */
static enum brag
rate_at(const char *dob, bool risk, const char *categories, int64_t received)
{
	char buf[256], *tok, *save = NULL;
	json_t *cats = json_array(), *child, *root;
	struct referral_error err;
	enum brag b;

	snprintf(buf, sizeof(buf), "%s", categories);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save))
		json_array_append_new(cats, json_string(tok));
	if (dob != NULL && dob[0] == '~') /* "~7": no dob, about 7 */
		child =
		    json_pack("{s:s,s:s,s:i}", "first_name", "A", "last_name",
			      "B", "age_estimate", atoi(dob + 1));
	else
		child = dob != NULL
			    ? json_pack("{s:s,s:s,s:s}", "first_name", "A",
					"last_name", "B", "dob", dob)
			    : json_pack("{s:s,s:s,s:b,s:s}", "first_name", "A",
					"last_name", "B", "unborn", 1,
					"expected_date", "2026-06-01");
	root = json_pack("{s:{s:b,s:s,s:s,s:s},s:o,s:{s:o,s:s,s:b},s:{s:s}}",
			 "referrer", "professional", 1, "name", "R", "agency",
			 "School", "email", "r@school.example", "child", child,
			 "concern", "categories", cats, "summary", "worry",
			 "immediate_risk", risk, "consent", "status", "given");
	assert_non_null(root);
	if (referral_validate(root, received, &err) != 0)
		fail_msg("invalid test referral: %s: %s", err.field,
			 err.message);
	b = brag_rate(root, received);
	json_decref(root);
	return b;
}

static enum brag
rate(const char *dob, bool risk, const char *categories)
{
	return rate_at(dob, risk, categories, NOW_MS);
}

/* --- red --- */

static void
test_red_immediate_risk(void **state)
{
	(void)state;
	assert_int_equal(rate("2015-01-01", true, "other"), BRAG_RED);
	assert_int_equal(rate("2015-01-01", true, "self_harm"), BRAG_RED);
	assert_int_equal(rate("2015-01-01", true, "neglect"), BRAG_RED);
	assert_int_equal(rate(NULL, true, "private_fostering"), BRAG_RED);
	assert_int_equal(rate("2015-01-01", false, "other"), BRAG_BLUE);
}

static void
test_red_categories_any_age(void **state)
{
	static const char *const red[] = {"sexual_abuse", "fgm", "trafficking",
					  NULL};

	(void)state;
	for (const char *const *c = red; *c != NULL; c++) {
		assert_int_equal(rate("2009-03-11", false, *c), BRAG_RED);
		assert_int_equal(rate("2020-01-01", false, *c), BRAG_RED);
		assert_int_equal(rate(NULL, false, *c), BRAG_RED);
	}
}

static void
test_physical_abuse_under_one(void **state)
{
	(void)state;
	/* Born today, and one day short of the first birthday: red. */
	assert_int_equal(rate("2026-03-10", false, "physical_abuse"), BRAG_RED);
	assert_int_equal(rate("2025-03-11", false, "physical_abuse"), BRAG_RED);
	/* Exactly one year old: amber. */
	assert_int_equal(rate("2025-03-10", false, "physical_abuse"),
			 BRAG_AMBER);
	assert_int_equal(rate("2019-07-01", false, "physical_abuse"),
			 BRAG_AMBER);
}

/* Age is taken on the UTC day of receipt. */
static void
test_physical_abuse_utc_day(void **state)
{
	(void)state;
	assert_int_equal(rate_at("2025-03-11", false, "physical_abuse",
				 at("2026-03-10T23:59:59.999Z")),
			 BRAG_RED);
	assert_int_equal(rate_at("2025-03-11", false, "physical_abuse",
				 at("2026-03-11T00:00:00Z")),
			 BRAG_AMBER);
	/* A leap-day baby is one on 1 March of the next year. */
	assert_int_equal(rate_at("2024-02-29", false, "physical_abuse",
				 at("2025-02-28T12:00:00Z")),
			 BRAG_RED);
	assert_int_equal(rate_at("2024-02-29", false, "physical_abuse",
				 at("2025-03-01T12:00:00Z")),
			 BRAG_AMBER);
}

/* With the date of birth unknown, the estimated age takes its place. */
static void
test_age_estimate(void **state)
{
	(void)state;
	assert_int_equal(rate("~0", false, "physical_abuse"), BRAG_RED);
	assert_int_equal(rate("~1", false, "physical_abuse"), BRAG_AMBER);
	assert_int_equal(rate("~12", false, "cse"), BRAG_RED);
	assert_int_equal(rate("~13", false, "cse"), BRAG_AMBER);
	assert_int_equal(rate("~15", false, "online_harm"), BRAG_GREEN);
}

static void
test_unborn_counts_as_under_one(void **state)
{
	(void)state;
	assert_int_equal(rate(NULL, false, "physical_abuse"), BRAG_RED);
	assert_int_equal(rate(NULL, false, "cse"), BRAG_RED);
	assert_int_equal(rate(NULL, false, "domestic_abuse"), BRAG_AMBER);
	assert_int_equal(rate(NULL, false, "other"), BRAG_BLUE);
}

static void
test_cse_under_thirteen(void **state)
{
	(void)state;
	/* 12, the day before the 13th birthday: red. */
	assert_int_equal(rate("2013-03-11", false, "cse"), BRAG_RED);
	assert_int_equal(rate("2014-01-01", false, "cse"), BRAG_RED);
	/* Exactly 13: amber. */
	assert_int_equal(rate("2013-03-10", false, "cse"), BRAG_AMBER);
	assert_int_equal(rate("2010-05-05", false, "cse"), BRAG_AMBER);
}

/* --- amber, green, blue --- */

static void
test_every_amber_category(void **state)
{
	/* sexual_abuse is amber in the table but always red before it. */
	static const char *const amber[] = {"physical_abuse",
					    "emotional_abuse",
					    "neglect",
					    "domestic_abuse",
					    "cse",
					    "cce",
					    "missing",
					    "radicalisation",
					    "forced_marriage",
					    "honour_based_abuse",
					    NULL};

	(void)state;
	for (const char *const *c = amber; *c != NULL; c++) {
		assert_int_equal(rate("2012-01-01", false, *c), BRAG_AMBER);
		assert_int_equal(rate("2012-01-01", true, *c), BRAG_RED);
	}
}

static void
test_every_green_category(void **state)
{
	static const char *const green[] = {"self_harm", "online_harm",
					    "private_fostering", NULL};

	(void)state;
	for (const char *const *c = green; *c != NULL; c++) {
		assert_int_equal(rate("2012-01-01", false, *c), BRAG_GREEN);
		assert_int_equal(rate("2026-01-01", false, *c), BRAG_GREEN);
	}
}

static void
test_blue_other_only(void **state)
{
	(void)state;
	assert_int_equal(rate("2012-01-01", false, "other"), BRAG_BLUE);
	assert_int_equal(rate("2026-01-01", false, "other"), BRAG_BLUE);
}

/* --- first match wins --- */

static void
test_first_match_order(void **state)
{
	(void)state;
	assert_int_equal(rate("2012-01-01", false, "self_harm neglect"),
			 BRAG_AMBER);
	assert_int_equal(rate("2012-01-01", false, "neglect self_harm"),
			 BRAG_AMBER);
	assert_int_equal(rate("2012-01-01", false, "other online_harm"),
			 BRAG_GREEN);
	assert_int_equal(rate("2012-01-01", false, "other cce fgm"), BRAG_RED);
	assert_int_equal(rate("2012-01-01", false, "private_fostering cce"),
			 BRAG_AMBER);
	assert_int_equal(
	    rate("2025-06-01", false, "online_harm physical_abuse"), BRAG_RED);
	assert_int_equal(rate("2016-01-01", false, "online_harm cse"),
			 BRAG_RED);
	assert_int_equal(rate("2016-01-01", false, "cse physical_abuse"),
			 BRAG_RED);
	assert_int_equal(rate("2010-01-01", false, "cse physical_abuse"),
			 BRAG_AMBER);
}

/* --- names --- */

static void
test_brag_name(void **state)
{
	(void)state;
	assert_string_equal(brag_name(BRAG_RED), "red");
	assert_string_equal(brag_name(BRAG_AMBER), "amber");
	assert_string_equal(brag_name(BRAG_GREEN), "green");
	assert_string_equal(brag_name(BRAG_BLUE), "blue");
	assert_string_equal(brag_name((enum brag)BRAG_COUNT), "unknown");
	assert_string_equal(brag_name((enum brag) - 1), "unknown");
}

static void
test_brag_parse_names(void **state)
{
	static const struct {
		const char *s;
		enum brag b;
	} cases[] = {
	    {"red", BRAG_RED},	   {"RED", BRAG_RED},	{"Amber", BRAG_AMBER},
	    {"gReEn", BRAG_GREEN}, {"blue", BRAG_BLUE}, {"r", BRAG_RED},
	    {"A", BRAG_AMBER},	   {"g", BRAG_GREEN},	{"B", BRAG_BLUE},
	    {"R", BRAG_RED},	   {"a", BRAG_AMBER},	{"G", BRAG_GREEN},
	    {"b", BRAG_BLUE},	   {"BLUE", BRAG_BLUE},
	};
	enum brag b;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = (enum brag)99;
		assert_int_equal(brag_parse(cases[i].s, &b), 0);
		assert_int_equal(b, cases[i].b);
	}
}

static void
test_brag_parse_rejects(void **state)
{
	static const char *const wrong[] = {
	    "",	  "x",	  "re",	    "redd", " red", "red ",   "rr",
	    "bl", "ambe", "purple", "r\n",  "0",    "green!", NULL};
	enum brag b = BRAG_GREEN;

	(void)state;
	for (const char *const *s = wrong; *s != NULL; s++) {
		assert_int_equal(brag_parse(*s, &b), -1);
		assert_int_equal(b, BRAG_GREEN);
	}
	assert_int_equal(brag_parse(NULL, &b), -1);
	assert_int_equal(b, BRAG_GREEN);
}

static void
test_brag_round_trip(void **state)
{
	enum brag b;

	(void)state;
	for (int i = 0; i < BRAG_COUNT; i++) {
		assert_int_equal(brag_parse(brag_name((enum brag)i), &b), 0);
		assert_int_equal(b, i);
	}
	/* Declared in queue order. */
	assert_true(BRAG_RED < BRAG_AMBER && BRAG_AMBER < BRAG_GREEN &&
		    BRAG_GREEN < BRAG_BLUE);
}

/* --- the integration fixtures rate as their names say --- */

static void
test_fixtures_rated(void **state)
{
	static const struct {
		const char *file;
		enum brag b;
	} cases[] = {
	    {"red.json", BRAG_RED},	{"amber.json", BRAG_AMBER},
	    {"green.json", BRAG_GREEN}, {"blue.json", BRAG_BLUE},
	    {"phone.json", BRAG_AMBER},
	};
	const char *top = getenv("MASH_TOP");
	char path[512];
	struct referral_error err;
	json_error_t jerr;
	json_t *root;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/tests/fixtures/%s",
			 top != NULL ? top : ".", cases[i].file);
		root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (root == NULL && i == 0 && top == NULL)
			skip();
		if (root == NULL)
			fail_msg("%s: %s", path, jerr.text);
		assert_int_equal(referral_validate(root, NOW_MS, &err), 0);
		assert_int_equal(brag_rate(root, NOW_MS), cases[i].b);
		json_decref(root);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_red_immediate_risk),
	    cmocka_unit_test(test_red_categories_any_age),
	    cmocka_unit_test(test_physical_abuse_under_one),
	    cmocka_unit_test(test_physical_abuse_utc_day),
	    cmocka_unit_test(test_unborn_counts_as_under_one),
	    cmocka_unit_test(test_age_estimate),
	    cmocka_unit_test(test_cse_under_thirteen),
	    cmocka_unit_test(test_every_amber_category),
	    cmocka_unit_test(test_every_green_category),
	    cmocka_unit_test(test_blue_other_only),
	    cmocka_unit_test(test_first_match_order),
	    cmocka_unit_test(test_brag_name),
	    cmocka_unit_test(test_brag_parse_names),
	    cmocka_unit_test(test_brag_parse_rejects),
	    cmocka_unit_test(test_brag_round_trip),
	    cmocka_unit_test(test_fixtures_rated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
