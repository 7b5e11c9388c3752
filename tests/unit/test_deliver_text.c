/*
 * test_deliver_text: what a kept `sendmail -bs` session is given. The
 * message for SMTP has CRLF line ends only and a line starting with "."
 * doubled, and is otherwise the same as sendmail -t is given; an SMTP
 * reply line is read for its code, its end and its enhanced code, and
 * what is not one is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "../../daemon/deliver_int.h"

static const char *to[] = {"someone@example.org"};
static const struct mail mail = {
    .from = "mash-alerts@hub.example",
    .to = to,
    .nto = 1,
    .subject = "[MASH-2026-000001] referral received",
    .body = ".one dot\n..two dots\nplain\n.\nend",
    .msgid = "1-0.referrer@mashd",
    .ref = "MASH-2026-000001",
    .event = "ack",
};

/* The SMTP text back to the plain one, in place: LF ends, no stuffing. */
static char *
undo(char *t)
{
	char *r = t, *w = t;
	bool bol = true;

	while (*r != '\0') {
		if (bol && *r == '.')
			r++;
		if (r[0] == '\r' && r[1] == '\n')
			r++;
		bol = *r == '\n';
		*w++ = *r++;
	}
	*w = '\0';
	return t;
}

static void
test_smtp_data(void **state)
{
	size_t n, plain_n;

	char *text, *plain;

	(void)state;
	text = deliver_text(&mail, true, &n);
	plain = deliver_text(&mail, false, &plain_n);
	assert_int_equal(n, strlen(text));
	assert_non_null(strstr(text, "\r\n..one dot\r\n...two dots\r\n"
				     "plain\r\n..\r\nend\r\n"));
	assert_memory_equal(text + n - 2, "\r\n", 2);
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\n')
			assert_true(i > 0 && text[i - 1] == '\r');
	/* The same message: only the line ends and the dots differ. */
	assert_string_equal(undo(text), plain);
	g_free(text);
	g_free(plain);
}

static void
test_reply(void **state)
{
	char esc[16];
	bool last;

	(void)state;
	assert_int_equal(deliver_smtp_reply("250 2.1.5 ok", 12, &last, esc),
			 250);
	assert_true(last);
	assert_string_equal(esc, "2.1.5");
	assert_int_equal(deliver_smtp_reply("250-stub", 8, &last, esc), 250);
	assert_false(last);
	assert_string_equal(esc, "");
	assert_int_equal(deliver_smtp_reply("354", 3, &last, esc), 354);
	assert_true(last);
	assert_int_equal(deliver_smtp_reply("25 x", 4, &last, esc), -1);
	assert_int_equal(deliver_smtp_reply("250x", 4, &last, esc), -1);
	assert_int_equal(deliver_smtp_reply("hello", 5, &last, esc), -1);
	assert_true(deliver_smtp_address("a@b.example"));
	assert_false(deliver_smtp_address("a@b.example>\r\nRCPT TO:<c"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_smtp_data),
	    cmocka_unit_test(test_reply),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
