/*
 * test_alert_text: what each alert says and to whom. The texts carry the
 * reference, the rating and the due time in the hub's time, never more;
 * a referrer and staff read different words where SPEC section 7 says so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/words.h"

#include "alert_text.h"

static struct calendar *cal;

static int
setup(void **state)
{
	struct calendar_options o;
	char err[512] = "";

	(void)state;
	calendar_options_default(&o);
	o.holidays_file = NULL;
	cal = calendar_new(&o, err, sizeof(err));
	return cal == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	calendar_free(cal);
	return 0;
}

/* 1795000000000 ms is Wed 18 Nov 2026 11:06:40 UTC (GMT). */
static void
compose(const char *event, bool for_referrer, const char *extra_key,
	const char *extra, char *subject, char *body, size_t blen)
{
	json_t *f = json_pack("{ss ss ss ss}", "event", event, "ref",
			      "MASH-2026-000017", "brag", "amber", "due",
			      "1795000000000");

	if (extra_key != NULL)
		json_object_set_new(f, extra_key, json_string(extra));
	alert_text_compose(cal, f, for_referrer, subject, 256, body, blen);
	json_decref(f);
}

static void
test_ack(void **state)
{
	char s[256], b[2048];

	(void)state;
	compose("ack", true, NULL, NULL, s, b, sizeof(b));
	assert_string_equal(s, "[MASH-2026-000017] referral received");
	assert_non_null(strstr(b, "Reference: MASH-2026-000017\n"));
	assert_non_null(strstr(b, "due by Wed 18 Nov 2026 11:06 GMT"));
}

static void
test_referrer_and_staff_differ(void **state)
{
	char s[256], r[2048], st[2048];

	(void)state;
	compose("escalation", true, NULL, NULL, s, r, sizeof(r));
	compose("escalation", false, NULL, NULL, s, st, sizeof(st));
	assert_non_null(strstr(r, "ask for a line manager"));
	assert_null(strstr(r, "mashctl"));
	assert_non_null(strstr(st, "(AMBER)"));
	assert_non_null(strstr(st, "mashctl show MASH-2026-000017"));
	/* Staff-only events read the same for both. */
	compose("overdue", true, NULL, NULL, s, r, sizeof(r));
	compose("overdue", false, NULL, NULL, s, st, sizeof(st));
	assert_string_equal(r, st);
}

static void
test_words_made_here(void **state)
{
	char s[256], b[2048];

	(void)state;
	compose("outcome", true, "outcome", "s47", s, b, sizeof(b));
	assert_non_null(strstr(b, "a child protection enquiry (section 47)"));
	compose("outcome", true, "outcome", "made_up", s, b, sizeof(b));
	assert_non_null(strstr(b, "your referral MASH-2026-000017: made_up."));
	compose("red", false, "edt", "1", s, b, sizeof(b));
	assert_non_null(strstr(b, "000017, received while the hub is closed."));
	compose("red", false, "edt", "0", s, b, sizeof(b));
	assert_non_null(strstr(b, "New RED referral MASH-2026-000017.\n"));
}

static void
test_unknown_event_and_no_due(void **state)
{
	json_t *f =
	    json_pack("{ss ss ss}", "event", "odd", "ref", "", "brag", "red");
	char s[256], b[2048];

	(void)state;
	alert_text_compose(cal, f, false, s, sizeof(s), b, sizeof(b));
	assert_string_equal(s, "[MASH] odd");
	assert_string_equal(b, "Referral  (RED): odd.\n");
	json_object_set_new(f, "event", json_string("warning"));
	alert_text_compose(cal, f, false, s, sizeof(s), b, sizeof(b));
	assert_non_null(strstr(b, "due by (no due time)"));
	json_decref(f);
}

/* A value is put in as it is: braces in it are not read as words. */
static void
test_values_not_expanded(void **state)
{
	char s[256], b[2048];

	(void)state;
	compose("quarantine", false, "file", "x{ref}%s", s, b, sizeof(b));
	assert_non_null(strstr(b, "File: x{ref}%s\n"));
}

static void
test_cut_like_snprintf(void **state)
{
	char s[256], full[2048], cut[20];

	(void)state;
	compose("overdue", false, NULL, NULL, s, full, sizeof(full));
	compose("overdue", false, NULL, NULL, s, cut, sizeof(cut));
	assert_int_equal(strlen(cut), sizeof(cut) - 1);
	assert_memory_equal(cut, full, sizeof(cut) - 1);
}

/* Every alert event of words.h has its own words and audience. */
static void
test_every_event(void **state)
{
	char s[256], b[2048], raw[256];

	(void)state;
	for (int e = 0; e < EVENT_COUNT; e++) {
		compose(alert_event_names[e], false, NULL, NULL, s, b,
			sizeof(b));
		snprintf(raw, sizeof(raw), "[MASH-2026-000017] %s",
			 alert_event_names[e]);
		if (strcmp(s, raw) == 0 || strstr(b, "): ") == b)
			fail_msg("%s has no words of its own",
				 alert_event_names[e]);
		assert_true(alert_text_audience(alert_event_names[e]) != 0);
	}
}

static void
test_audience(void **state)
{
	(void)state;
	assert_int_equal(alert_text_audience("ack"), ALERT_TO_REFERRER);
	assert_int_equal(alert_text_audience("red"),
			 ALERT_TO_ROLE(ROLE_NAVIGATORS) |
			     ALERT_TO_ROLE(ROLE_FIRST_RESPONSE) |
			     ALERT_TO_ROLE(ROLE_EDT));
	assert_int_equal(alert_text_audience("no such event"),
			 ALERT_TO_ROLE(ROLE_SUPERVISORS));
	assert_int_equal(alert_text_audience(NULL),
			 ALERT_TO_ROLE(ROLE_SUPERVISORS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ack),
	    cmocka_unit_test(test_referrer_and_staff_differ),
	    cmocka_unit_test(test_words_made_here),
	    cmocka_unit_test(test_unknown_event_and_no_due),
	    cmocka_unit_test(test_values_not_expanded),
	    cmocka_unit_test(test_cut_like_snprintf),
	    cmocka_unit_test(test_every_event),
	    cmocka_unit_test(test_audience),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
