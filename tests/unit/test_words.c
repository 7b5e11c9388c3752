/*
 * test_words: the hub's words of include/mash/words.h: every table has a
 * row for each value of its enum and no name twice, and the reference is
 * recognised exactly as SPEC section 2 writes it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mash/words.h"

static void
complete(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_non_null(names[i]);
		assert_true(names[i][0] != '\0');
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(names[i], names[k]);
		assert_int_equal(words_find(names, n, names[i]), (int)i);
	}
}

static void
test_tables(void **state)
{
	const char *timers[TIMER_COUNT];

	(void)state;
	complete(channel_names, CHANNEL_COUNT);
	complete(alert_event_names, EVENT_COUNT);
	complete(outcome_names, OUTCOME_COUNT);
	complete(outcome_meanings, OUTCOME_COUNT);
	for (int t = 0; t < TIMER_COUNT; t++) {
		timers[t] = timer_words[t].name;
		assert_true((unsigned)timer_words[t].fires < EVENT_COUNT);
	}
	complete(timers, TIMER_COUNT);
	assert_string_equal(channel_names[CHANNEL_PHONE], "phone");
	assert_string_equal(alert_event_names[EVENT_WRITTEN_REMINDER],
			    "written_reminder");
	assert_int_equal(timer_words[TIMER_DECISION].fires, EVENT_OVERDUE);
	/* A telephone referral still needs its written confirmation. */
	assert_false(timer_words[TIMER_WRITTEN].decision_stops);
	assert_true(timer_words[TIMER_DECISION_WARNING].warning);
}

static void
test_reference(void **state)
{
	static const char *const bad[] = {
	    "",
	    "MASH-2026-00012",
	    "MASH-2026-0001234",
	    "mash-2026-000123",
	    "MASH_2026-000123",
	    "MASH-2O26-000123",
	    " MASH-2026-000123",
	    "MASH-2026-000123 ",
	    "MASH-26-00000123",
	};

	(void)state;
	assert_true(mash_ref_valid(MASH_REF_EXAMPLE));
	assert_true(mash_ref_valid("MASH-1999-000000"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mash_ref_valid(bad[i]))
			fail_msg("\"%s\" taken as a reference", bad[i]);
	assert_false(mash_ref_valid(NULL));
	/* In a mail's subject: any case, anything after it. */
	assert_true(mash_ref_at("mash-2026-000123: follow-up", true));
	assert_false(mash_ref_at("mash-2026-000123", false));
	assert_true(mash_ref_at("MASH-2026-000123xyz", false));
	assert_false(mash_ref_at("MASH-2026-00012", true));
}

static void
test_ref_format(void **state)
{
	char ref[32];

	(void)state;
	snprintf(ref, sizeof(ref), MASH_REF_FORMAT, 2026, 17);
	assert_string_equal(ref, "MASH-2026-000017");
	assert_true(mash_ref_valid(ref));
	assert_int_equal(strlen(ref), MASH_REF_LEN);
}

static void
test_join(void **state)
{
	static const char *const three[] = {"a", "b", "c"};
	char buf[64], small[4];

	(void)state;
	assert_string_equal(words_join(three, 3, buf, sizeof(buf)),
			    "a, b or c");
	assert_string_equal(words_join(three, 1, buf, sizeof(buf)), "a");
	assert_string_equal(words_join(three, 0, buf, sizeof(buf)), "");
	assert_string_equal(words_join(three, 3, small, sizeof(small)), "a, ");
	assert_int_equal(words_find(three, 3, "d"), -1);
	assert_int_equal(words_find(three, 3, NULL), -1);
}

static void
test_nearest(void **state)
{
	static const char *const cmds[] = {"show",  "queue", "decide",
					   "claim", "list",  "child"};
	int near[4];

	(void)state;
	assert_int_equal(words_nearest(cmds, 6, "shwo"), 0);
	assert_int_equal(words_nearest(cmds, 6, "SHOW"), 0);
	assert_int_equal(words_nearest(cmds, 6, "queu"), 1);
	assert_int_equal(words_nearest(cmds, 6, "decdie"), 2);
	assert_int_equal(words_nearest(cmds, 6, "dec"), 2);
	assert_int_equal(words_nearest(cmds, 6, "chlid"), 5);
	assert_int_equal(words_nearest(cmds, 6, "xyzzy"), -1);
	assert_int_equal(words_nearest(cmds, 6, "s"), -1);
	assert_int_equal(words_nearest(cmds, 6, ""), -1);
	assert_int_equal(words_nearest(cmds, 6, NULL), -1);
	assert_int_equal(words_nearest(cmds, 0, "show"), -1);
	/* Outcomes: a forgotten underscore, a slip of the digit. */
	assert_int_equal(
	    words_nearest(outcome_names, OUTCOME_COUNT, "earlyhelp"),
	    OUTCOME_EARLY_HELP);
	assert_int_equal(words_nearest(outcome_names, OUTCOME_COUNT, "s48"),
			 OUTCOME_S47);
	assert_int_equal(words_nearest(outcome_names, OUTCOME_COUNT, "open"),
			 OUTCOME_OPEN_CASE);
	/* All the near ones, nearest first, the first of a tie first. */
	assert_int_equal(
	    words_near(outcome_names, OUTCOME_COUNT, "s07", near, 4), 2);
	assert_int_equal(near[0], OUTCOME_S47);
	assert_int_equal(near[1], OUTCOME_S17);
	assert_int_equal(
	    words_near(outcome_names, OUTCOME_COUNT, "s07", near, 1), 1);
	assert_int_equal(near[0], OUTCOME_S47);
	/* A word too long to weigh is near nothing, and costs no stack. */
	char longw[200];
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	assert_int_equal(words_nearest(cmds, 6, longw), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables),

	    cmocka_unit_test(test_reference), cmocka_unit_test(test_ref_format),
	    cmocka_unit_test(test_join),      cmocka_unit_test(test_nearest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
