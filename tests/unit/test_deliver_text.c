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

/* t without its Date: line, in place: two messages made a second apart
 * differ there alone. */
static char *
no_date(char *t)
{
	char *d = strncmp(t, "Date: ", 6) == 0 ? t : strstr(t, "\nDate: ");
	char *end;

	if (d == NULL)
		return t;
	if (d != t)
		d++;
	if ((end = strchr(d, '\n')) != NULL)
		memmove(d, end + 1, strlen(end + 1) + 1);
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
	/* The same message: only the line ends and the dots differ (and
	 * the Date, when the two were made on either side of a second). */
	assert_string_equal(no_date(undo(text)), no_date(plain));
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

/* The body as a reader of the message gets it back. */
static char *
body_of(const char *text)
{
	GMimeStream *mem =
	    g_mime_stream_mem_new_with_buffer(text, strlen(text));
	GMimeParser *parser = g_mime_parser_new_with_stream(mem);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
	char *body;

	assert_non_null(m);
	body = g_mime_text_part_get_text(
	    GMIME_TEXT_PART(g_mime_message_get_mime_part(m)));
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(mem);
	return body;
}

/* Does the message hold only what SMTP carries without BODY=8BITMIME:
 * 7-bit bytes, lines of at most 998 octets, a CR only before LF (and,
 * for sendmail -t, no CR at all)? */
static void
assert_seven_bit(const char *text, size_t n, bool smtp)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		assert_true((unsigned char)text[i] < 0x80);
		if (text[i] == '\r')
			assert_true(smtp && text[i + 1] == '\n');
		len = text[i] == '\n' ? 0 : len + 1;
		assert_true(len <= 998);
	}
}

/*
 * What a kept session sends without BODY=8BITMIME, and sendmail -t passes
 * on as it is: 7-bit text, lines of at most 998 octets, CR only before LF
 * (RFC 5321 4.5.3.1.6, RFC 5322 2.1.1, 2.3). A body with a letter past
 * ASCII, an ASCII body with a line of 1,500 octets, and one with a bare
 * CR each go encoded, and read back the same; a plain body goes as it is.
 */
static void
test_seven_bit(void **state)
{
	char line[1501], body[3][1700];
	struct mail m = mail;
	size_t n;
	char *text, *back;

	(void)state;
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	snprintf(body[0], sizeof(body[0]), "Zo\xc3\xab's school\nend\n");
	snprintf(body[1], sizeof(body[1]), "a long line:\n%s\nend\n", line);
	snprintf(body[2], sizeof(body[2]), "half\rline\nend\n");
	for (int b = 0; b < 3; b++) {
		m.body = body[b];
		for (int smtp = 0; smtp < 2; smtp++) {
			text = deliver_text(&m, smtp, &n);
			assert_seven_bit(text, n, smtp);
			assert_non_null(strstr(text, "quoted-printable"));
			if (!smtp) {
				back = body_of(text);
				assert_string_equal(back, body[b]);
				g_free(back);
			}
			g_free(text);
		}
	}
	m.body = "plain text\n";
	text = deliver_text(&m, false, &n);
	assert_null(strstr(text, "quoted-printable"));
	assert_non_null(strstr(text, "\n\nplain text\n"));
	g_free(text);
}

/*
 * The message's bytes, but its Date line, as GMime wrote them before
 * deliver_text() reused the From mailbox, gave a 7-bit body as a data
 * wrapper, made no headers in advance and kept its message from one mail
 * to the next (checked against that code): an ASCII acknowledgement, and
 * a body past ASCII to two addresses (one IDN) under a subject that
 * folds.
 */
static const char ascii_text[] =
    "From: MASH alerts <mash-alerts@hub.example>\n"
    "Subject: [MASH-2026-000001] referral received\n"
    "To: someone@example.org\n"
    "Message-Id: <1-0.referrer@mashd>\n"
    "Auto-Submitted: auto-generated\n"
    "X-Mash-Reference: MASH-2026-000001\n"
    "X-Mash-Event: ack\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "Your referral MASH-2026-000001 was received.\n"
    ".one dot\n"
    "end\n";
static const char latin1_text[] =
    "From: MASH alerts <mash-alerts@hub.example>\n"
    "Subject: [MASH-2026-000002] Red referral: a very long subject "
    "that goes on and\n"
    " on past the fold point of seventy-eight\n"
    "To: a@example.org, b@xn--bcher-kva.example\n"
    "Message-Id: <2-0.staff@mashd>\n"
    "Auto-Submitted: auto-generated\n"
    "X-Mash-Reference: MASH-2026-000002\n"
    "X-Mash-Event: red\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Caf=E9 n=E4me\n"
    "line\n";

static struct mail
ascii_mail(void)
{
	struct mail m = mail;

	m.body =
	    "Your referral MASH-2026-000001 was received.\n.one dot\nend\n";
	return m;
}

static struct mail
latin1_mail(void)
{
	static const char *two[] = {"a@example.org", "b@b\xc3\xbc"
						     "cher.example"};
	struct mail m = mail;

	m.to = two;
	m.nto = 2;
	m.subject = "[MASH-2026-000002] Red referral: a very long subject "
		    "that goes on and on past the fold point of seventy-eight";
	m.body = "Caf\xc3\xa9 n\xc3\xa4me\nline\n";
	m.msgid = "2-0.staff@mashd";
	m.ref = "MASH-2026-000002";
	m.event = "red";
	return m;
}

/* deliver_text(m) is want, but its Date line. */
static void
assert_text(const struct mail *m, const char *want)
{
	size_t n;
	char *text = deliver_text(m, false, &n);

	assert_string_equal(no_date(text), want);
	g_free(text);
}

static void
test_golden(void **state)
{
	struct mail a = ascii_mail(), l = latin1_mail();

	(void)state;
	assert_text(&a, ascii_text);
	assert_text(&l, latin1_text);
}

/*
 * One message kept and filled anew for each mail: nothing of a mail
 * stays in the next. Two To then one, a Latin-1 body then an ASCII one
 * (its charset and encoding set back), another From and back, a mail
 * to no one (no To: at all) then one to someone (To: in its place).
 */
static void
test_kept(void **state)
{
	struct mail a = ascii_mail(), l = latin1_mail(), o = a;
	size_t n;
	char *text, *s;

	(void)state;
	assert_text(&l, latin1_text);
	assert_text(&a, ascii_text);
	assert_text(&l, latin1_text);
	assert_text(&a, ascii_text);
	o.from = "other@hub.example";
	text = deliver_text(&o, true, &n);
	assert_non_null(strstr(text, "\r\nFrom: MASH alerts <other@hub.example>"
				     "\r\nSubject: "));
	g_free(text);
	assert_text(&a, ascii_text);
	o = a;
	o.nto = 0;
	text = deliver_text(&o, false, &n);
	assert_null(strstr(text, "To:"));
	s = strstr(text, "\nSubject: ");
	assert_non_null(s);
	assert_memory_equal(strchr(s + 1, '\n'), "\nMessage-Id: ", 13);
	g_free(text);
	assert_text(&a, ascii_text);
}

/* The Date line of text, "" if none, into out. */
static void
date_of(const char *text, char *out, size_t n)
{
	const char *d =
	    strncmp(text, "Date: ", 6) == 0 ? text : strstr(text, "\nDate: ");
	size_t len;

	out[0] = '\0';
	if (d == NULL)
		return;
	d += d == text ? 6 : 7;
	len = strcspn(d, "\r\n");
	snprintf(out, n, "%.*s", (int)len, d);
}

/* Is date the second before or the one after it was made? */
static bool
date_now(const char *date, GDateTime *before, GDateTime *after)
{
	char *b = g_mime_utils_header_format_date(before);
	char *a = g_mime_utils_header_format_date(after);
	bool ok = strcmp(date, b) == 0 || strcmp(date, a) == 0;

	g_free(b);
	g_free(a);
	return ok;
}

/* m made now: its Date: line is there and is the second it was made in
 * (the one before or after, on a second's turn). */
static void
assert_dated(const struct mail *m, bool smtp)
{
	char date[64];
	size_t n;
	GDateTime *before = g_date_time_new_now_local();
	char *text = deliver_text(m, smtp, &n);
	GDateTime *after = g_date_time_new_now_local();

	date_of(text, date, sizeof(date));
	assert_true(date[0] != '\0');
	assert_true(date_now(date, before, after));
	g_free(text);
	g_date_time_unref(before);
	g_date_time_unref(after);
}

/* Waits for the real clock's next second. */
static void
next_second(void)
{
	gint64 s = g_get_real_time() / G_USEC_PER_SEC;

	while (g_get_real_time() / G_USEC_PER_SEC == s)
		g_usleep(1000);
}

/*
 * The kept message's Date is set again only when the second has moved:
 * each message's Date is there and is the second it was made in. A
 * message of its own (no To) in the kept one's second has its own Date;
 * the kept message after one of its own in a new second has the new
 * second (the own one's Date moved nothing). Over a second's turn,
 * message after message, each is dated by the real clock (time(), the
 * kernel's coarse clock, was up to a tick behind and dated some a second
 * early).
 */
static void
test_date(void **state)
{
	struct mail a = ascii_mail(), none = a;
	gint64 end;

	(void)state;
	none.nto = 0;
	assert_dated(&a, false);
	assert_dated(&none, false);
	assert_dated(&a, true);
	next_second();
	assert_dated(&none, true);
	assert_dated(&a, false);
	end = g_get_real_time() / G_USEC_PER_SEC + 2;
	while (g_get_real_time() / G_USEC_PER_SEC < end)
		assert_dated(&a, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_smtp_data), cmocka_unit_test(test_reply),
	    cmocka_unit_test(test_seven_bit), cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_kept),      cmocka_unit_test(test_date),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	deliver_text_free();
	g_mime_shutdown();
	return rc;
}
