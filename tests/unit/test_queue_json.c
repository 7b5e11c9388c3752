/*
 * test_queue_json: a stored field's JSON read with jansson (queue_json.c):
 * the strings of a list, and a repeat's count as queue.lua's
 * string.format('%d') writes it; the same as queue.lua's cjson on the JSON
 * mashd writes (not on all strict JSON: nesting past cjson's 1000, or
 * 1e400, differ). Not strict JSON (bytes not UTF-8 or raw control characters in a
 * string, numbers only strtod() takes, past a double's range): mashd
 * never writes it; the stream shows what jansson reads, which refuses
 * it (no list: the record's categories; no repeat), where cjson took it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue_json.h"

/* The strings of text's list, compact JSON ("" when cjson fails). */
static char *
strings(const char *text)
{
	json_t *v = queue_json_load(text, strlen(text)), *s;
	char *out;

	if (v == NULL)
		return strdup("");
	s = queue_json_strings(v);
	out = json_dumps(s, JSON_COMPACT);
	json_decref(s);
	json_decref(v);
	return out;
}

static void
check_strings(const char *text, const char *want)
{
	char *got = strings(text);

	assert_string_equal(got, want);
	free(got);
}

static void
test_strings(void **state)
{
	(void)state;
	check_strings("[null,\"x\",true,\"\\u00e9\"]", "[\"x\",\"\xc3\xa9\"]");
	check_strings("{\"neglect\":1}", "[]");
	check_strings("\"neglect\"", "[]");
	check_strings("[x]", "");
	check_strings("", "");
	check_strings("[\"a\\u0000b\"]", "[\"a\\u0000b\"]");
	check_strings("[1e2,-0,\"w\",99999999999999999999]", "[\"w\"]");
	/* not strict JSON: mashd never writes it; the stream shows what
	 * jansson reads (nothing), where cjson read ["n\uFFFD..."], ["a\x01"]
	 * and ["w"] */
	check_strings("[\"n\xed\xa0\x80\"]", "");
	check_strings("[\"a\x01\"]", "");
	check_strings("[01,\"w\"]", "");
	check_strings("[\"w\",0x1F]", "");
	check_strings("[\"w\",+1]", "");
	check_strings("[\"w\",Infinity]", "");
	check_strings("[\"w\",1.]", "");
	check_strings("[\"w\",1e400]", "");
	check_strings("[1 2]", "");
	check_strings("[\"a\"] x", "");
}

static void
check_repeat(const char *text, const char *want)
{
	char buf[32];
	const char *got =
	    queue_json_repeat(text, strlen(text), buf, sizeof(buf));

	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

static void
test_repeat(void **state)
{
	(void)state;
	check_repeat("{\"count\":3}", "3");
	check_repeat("{\"count\":\"3\"}", "3");
	check_repeat("{\"count\":\"0x10\"}", "16");
	check_repeat("{\"count\":2.9}", "2");
	check_repeat("{\"count\":-2.5}", "-2");
	check_repeat("{\"count\":1e30}", "-9223372036854775808");
	check_repeat("{\"count\":99999999999999999999}",
		     "-9223372036854775808");
	check_repeat("{\"count\":\"1e400\"}", "-9223372036854775808");
	check_repeat("{\"count\":1e-400}", "0");
	/* not strict JSON: the stream shows what jansson reads (no repeat),
	 * where cjson read LLONG_MIN, LLONG_MIN, LLONG_MIN and 1 */
	check_repeat("{\"count\":1e400}", NULL);
	check_repeat("{\"count\":-1e400}", NULL);
	check_repeat("{\"count\":nan}", NULL);
	check_repeat("{\"count\":01}", NULL);
	check_repeat("{\"count\":{\"a\":1}}", NULL);
	check_repeat("{\"count\":true}", NULL);
	check_repeat("[3]", NULL);
	check_repeat("3", NULL);
	check_repeat("not json", NULL);
	check_repeat("{\"count\":\"abc\"}", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_repeat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
