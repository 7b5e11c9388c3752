/*
 * test_digest_text: the daily digest's text fits an alert's body however
 * many items the hub holds, says how many it did not list, shows a
 * holder by login name and lateness in working time, and the timeliness
 * figures as report.c gives them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/timeutil.h"

#include "digest_text.h"

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

static int64_t
at(const char *iso)
{
	int64_t ms = 0;

	assert_int_equal(mash_time_parse(iso, &ms), 0);
	return ms;
}

/* gathered: n overdue decisions, each held by alice, due Fri 10:00. */
static json_t *
gathered(int n)
{
	json_t *g =
	    json_pack("{ss ss ss si si si si si si si sb}", "now", "0",
		      "last_at", "", "head", "", "overdue_n", n, "written_n", 0,
		      "escalations_n", 0, "callbacks_n", 0, "dead_n", 0,
		      "dead_total", 0, "held_n", 0, "escalations_partial", 0);
	json_t *od = json_array();
	char due[32], id[32];

	assert_non_null(g);
	snprintf(due, sizeof(due), "%lld",
		 (long long)at("2026-11-27T10:00:00Z"));
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "MASH-2026-%06d", i + 1);
		json_array_append_new(od,
				      json_pack("{ss ss ss ss}", "id", id,
						"holder", "uid:1000(alice)",
						"due", due, "brag", "amber"));
	}
	json_object_set_new(g, "overdue", od);
	return g;
}

static void
test_one(void **state)
{
	struct digest_when w = {
	    at("2026-11-30T08:00:00Z"), at("2026-11-30T08:00:01Z"),
	    at("2026-11-27T00:00:00Z"), at("2026-11-30T00:00:00Z")};
	json_t *g = gathered(1);
	json_t *t =
	    json_pack("{si si si sf}", "received", 3, "decided", 1,
		      "decided_in_time", 1, "decided_in_time_pct", 33.3);
	char buf[2000], detail[256];

	(void)state;
	digest_text(cal, g, t, &w, buf, sizeof(buf), detail, sizeof(detail));
	assert_non_null(strstr(buf, "Daily digest of the hub for Mon 30 Nov "
				    "2026 08:00 GMT.\n"));
	assert_non_null(strstr(buf, "Decisions overdue: 1\n  MASH-2026-000001"
				    "  held by alice, late by 6 h 30 min of "
				    "working time (due Fri 27 Nov 2026 10:00 "
				    "GMT)\n"));
	assert_non_null(strstr(buf, "received 3, decided 1, decided in time "
				    "1 (33.3 %)\n"));
	assert_null(strstr(buf, "more:"));
	assert_string_equal(detail, "overdue=1 escalations=0 written=0 "
				    "callbacks=0 dead=0 held=0 received=3 "
				    "decided=1 decided_in_time=1");
	json_decref(g);
	json_decref(t);
}

static void
test_many(void **state)
{
	struct digest_when w = {
	    at("2026-11-30T08:00:00Z"), at("2026-11-30T08:00:01Z"),
	    at("2026-11-27T00:00:00Z"), at("2026-11-30T00:00:00Z")};
	json_t *g = gathered(25);
	char buf[2000], detail[256], want[64];
	const char *p;
	int listed = 0;

	(void)state;
	digest_text(cal, g, NULL, &w, buf, sizeof(buf), detail, sizeof(detail));
	assert_true(strlen(buf) < sizeof(buf) - 1);
	for (p = buf; (p = strstr(p, "  held by alice")) != NULL; p++)
		listed++;
	assert_true(listed > 0 && listed < 25);
	snprintf(want, sizeof(want), "  and %d more: mashctl queue\n",
		 25 - listed);
	assert_non_null(strstr(buf, want));
	/* the parts after it are all there */
	assert_non_null(strstr(buf, "Open call-back tasks: 0\n"));
	assert_non_null(strstr(buf, "  not known: "));
	json_decref(g);
}

/* A due stored past any date (a damaged record's: strtoll's INT64_MAX,
 * INT64_MIN), missing (digest_overdue.lua answers "") or not a number is
 * said to be damaged: no year 292278994, no 1970, no lateness made up
 * from it. */
static void
test_due_damaged(void **state)
{
	static const char *const dues[] = {"9223372036854775807",
					   "-99999999999999999999",
					   "253402300800000",
					   "",
					   "abc",
					   "1795860000000x",
					   " 1795860000000",
					   "+1795860000000"};
	struct digest_when w = {
	    at("2026-11-30T08:00:00Z"), at("2026-11-30T08:00:01Z"),
	    at("2026-11-27T00:00:00Z"), at("2026-11-30T00:00:00Z")};
	char buf[2000], detail[256];

	(void)state;
	for (size_t i = 0; i < sizeof(dues) / sizeof(dues[0]); i++) {
		json_t *g = gathered(1);
		json_t *e = json_array_get(json_object_get(g, "overdue"), 0);

		json_object_set_new(e, "due", json_string(dues[i]));
		digest_text(cal, g, NULL, &w, buf, sizeof(buf), detail,
			    sizeof(detail));
		assert_non_null(strstr(buf,
				       "  MASH-2026-000001  held by alice, "
				       "its due time damaged: lateness "
				       "unknown\n"));
		assert_null(strstr(buf, "late by"));
		json_decref(g);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_due_damaged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
