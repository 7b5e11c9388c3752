/*
 * test_log: the RFC 5424 structured data mashd puts at the start of a
 * message: parameters in order, empty ones left out, '"', '\' and ']'
 * escaped, control characters replaced, bad names refused, and an element
 * that never comes out broken however short the buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

/* The module under test does its I/O through syslog(3) only. */
#include "../../daemon/log.c"

static void
sd(const char *const *params, const char *want)
{
	char buf[LOG_SD_MAX];
	size_t n = log_format_sd(buf, sizeof(buf), params);

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void
test_params(void **state)
{
	(void)state;
	sd((const char *const[]){"ref", "MASH-2026-000001", "brag", "red",
				 "event", "overdue", NULL},
	   "[mashd@32473 ref=\"MASH-2026-000001\" brag=\"red\" "
	   "event=\"overdue\"]");
	sd((const char *const[]){"event", "start", NULL},
	   "[mashd@32473 event=\"start\"]");
}

static void
test_empty(void **state)
{
	(void)state;
	sd(NULL, "");
	sd((const char *const[]){NULL}, "");
	sd((const char *const[]){"ref", "", "brag", "", NULL}, "");
	sd((const char *const[]){"ref", "", "event", "reload", NULL},
	   "[mashd@32473 event=\"reload\"]");
}

static void
test_escapes(void **state)
{
	(void)state;
	sd((const char *const[]){"note", "a \"q\" \\ and ] x", NULL},
	   "[mashd@32473 note=\"a \\\"q\\\" \\\\ and \\] x\"]");
	sd((const char *const[]){"note", "line\nbreak\ttab\x7f", NULL},
	   "[mashd@32473 note=\"line?break?tab?\"]");
	/* UTF-8 passes as it is. */
	sd((const char *const[]){"note", "caf\xc3\xa9", NULL},
	   "[mashd@32473 note=\"caf\xc3\xa9\"]");
}

static void
test_names(void **state)
{
	(void)state;
	sd((const char *const[]){"bad name", "x", "a=b", "x", "q\"", "x", "br]",
				 "x", "", "x",
				 "abcdefghijklmnopqrstuvwxyz0123456", "x", "ok",
				 "y", NULL},
	   "[mashd@32473 ok=\"y\"]");
	sd((const char *const[]){"abcdefghijklmnopqrstuvwxyz012345", "x", NULL},
	   "[mashd@32473 abcdefghijklmnopqrstuvwxyz012345=\"x\"]");
}

/* However short the buffer, what comes out is a whole element or "". */
static void
test_truncation(void **state)
{
	const char *const params[] = {"ref", "MASH-2026-000001", "note",
				      "\"\"\"\"\"\"", NULL};
	const char *full = "[mashd@32473 ref=\"MASH-2026-000001\" "
			   "note=\"\\\"\\\"\\\"\\\"\\\"\\\"\"]";
	const char *first = "[mashd@32473 ref=\"MASH-2026-000001\"]";
	char buf[128];

	(void)state;
	for (size_t len = 0; len <= strlen(full) + 1; len++) {
		size_t n;

		memset(buf, 'X', sizeof(buf));
		n = log_format_sd(buf, len, params);
		if (len == 0) {
			assert_int_equal(n, 0);
			assert_int_equal(buf[0], 'X');
			continue;
		}
		assert_true(n < len);
		assert_int_equal(strlen(buf), n);
		if (len > strlen(full))
			assert_string_equal(buf, full);
		else if (len > strlen(first))
			assert_string_equal(buf, first);
		else
			assert_string_equal(buf, "");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_params),     cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_escapes),    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
