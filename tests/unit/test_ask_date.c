/*
 * test_ask_date: dates as a call handler types them (DD/MM/YYYY or
 * YYYY-MM-DD) made the record's YYYY-MM-DD, and "unknown".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../tools/ask_date.h"

static void
good(const char *text, const char *want)
{
	char iso[ASK_DATE_LEN];
	const char *why = NULL;

	assert_int_equal(ask_date_parse(text, iso, &why), 0);
	assert_string_equal(iso, want);
}

static void
bad(const char *text, const char *why_want)
{
	char iso[ASK_DATE_LEN];
	const char *why = NULL;

	assert_int_equal(ask_date_parse(text, iso, &why), -1);
	assert_string_equal(why, why_want);
}

static void
test_day_first(void **state)
{
	(void)state;
	good("14/07/2018", "2018-07-14");
	good("4/7/2018", "2018-07-04");
	good("29/02/2024", "2024-02-29");
	good("31/12/1999", "1999-12-31");
}

static void
test_iso(void **state)
{
	(void)state;
	good("2018-07-14", "2018-07-14");
	good("2000-02-29", "2000-02-29");
}

static void
test_not_a_date(void **state)
{
	static const char form[] = "give the date as DD/MM/YYYY or YYYY-MM-DD";
	static const char none[] = "that date does not exist";

	(void)state;
	bad("29/02/2023", none);
	bad("31/04/2018", none);
	bad("00/01/2018", none);
	bad("14/13/2018", none);
	bad("2023-02-29", none);
	bad("2018-13-01", none);
	bad("14/07/18", form);
	bad("14-07-2018", form);
	bad("14/07/2018x", form);
	bad("14//2018", form);
	bad("/07/2018", form);
	bad("141/07/2018", form);
	bad("07/14", form);
	bad("2018/07/14", form);
	bad("2018-7-14", form);
	bad("", form);
	bad("yesterday", form);
}

static void
test_unknown(void **state)
{
	(void)state;
	assert_true(ask_date_unknown("unknown"));
	assert_true(ask_date_unknown("Unknown"));
	assert_true(ask_date_unknown("UNKNOWN"));
	assert_false(ask_date_unknown("unknow"));
	assert_false(ask_date_unknown(""));
	assert_false(ask_date_unknown("not known"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_day_first),
	    cmocka_unit_test(test_iso),
	    cmocka_unit_test(test_not_a_date),
	    cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
