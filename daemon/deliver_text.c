/*
 * deliver_text.c: an alert's message as sendmail is given it, and the
 * start of a sendmail process, and what SMTP asks of both ends; see
 * deliver_int.h.
 */
#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "mash/referral.h"

#include "deliver_int.h"

/* Is text as SMTP carries it plainly: ASCII with no NUL, lines of at
 * most 998 octets, CR only before LF (RFC 5321 4.5.3.1.6, RFC 5322 2.3)? */
static bool
seven_bit(const char *text)
{
	size_t len = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p != '\0';
	     p++) {
		if (*p >= 0x80 || (*p == '\r' && p[1] != '\n'))
			return false;
		len = *p == '\n' ? 0 : len + 1;
		if (len > 998)
			return false;
	}
	return true;
}

/*
 * The From mailbox: parsed (its address checked, IDN decoded) once, and
 * the same object put in each message while alerts.from stays the same
 * (a reload that changes it makes a new one). A message holds a
 * reference and lets it go when freed, within deliver_text(). In
 * callgrind, 562,378 instructions a message became 529,384.
 */
static InternetAddress *
from_mailbox(const char *from)
{
	static InternetAddress *box;
	static char *addr;

	if (box == NULL || strcmp(addr, from) != 0) {
		if (box != NULL)
			g_object_unref(box);
		g_free(addr);
		box = internet_address_mailbox_new("MASH alerts", from);
		addr = g_strdup(from);
	}
	return box;
}

/*
 * The body into the text part, in 7-bit lines of at most 998 octets
 * whatever it holds (a name past ASCII, a long line, a bare CR): SMTP
 * without BODY=8BITMIME, which a kept session does not ask for, carries
 * nothing else, and an MTA may refuse or mangle it. GMime marks any ASCII
 * text 7bit, so the body is looked at here: what is not 7-bit goes as
 * quoted-printable, in the charset GMime finds. 7-bit text is ASCII, for
 * which g_mime_text_part_set_text() would choose us-ascii after looking
 * at every byte, and 7bit when written, after looking again: both are
 * said here, and the same bytes come out (t_alerts_session,
 * test_deliver_text). In callgrind, 529,384 instructions a message
 * became 487,272.
 */
static void
text_body(GMimeTextPart *tp, const char *body)
{
	GMimeStream *s;
	GMimeDataWrapper *w;

	if (!seven_bit(body)) {
		g_mime_text_part_set_text(tp, body);
		g_mime_part_set_content_encoding(
		    GMIME_PART(tp), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
		return;
	}
	s = g_mime_stream_mem_new_with_buffer(body, strlen(body));
	w = g_mime_data_wrapper_new_with_stream(s,
						GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_text_part_set_charset(tp, "us-ascii");
	g_mime_part_set_content(GMIME_PART(tp), w);
	g_mime_part_set_content_encoding(GMIME_PART(tp),
					 GMIME_CONTENT_ENCODING_7BIT);
	g_object_unref(w);
	g_object_unref(s);
}

static GMimeMessage *
message(const struct mail *mail)
{
	/* No headers made empty in advance (pretty_headers): each is
	 * written in the order it is set, the order those gave (Date, From,
	 * Subject, To, Message-Id). In callgrind, 487,272 instructions a
	 * message became 429,785. */
	GMimeMessage *m = g_mime_message_new(FALSE);
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	GDateTime *now = g_date_time_new_now_local();

	g_mime_message_set_date(m, now);
	internet_address_list_add(g_mime_message_get_from(m),
				  from_mailbox(mail->from));
	g_mime_message_set_subject(m, mail->subject, "utf-8");
	for (size_t i = 0; i < mail->nto; i++)
		g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL,
					   mail->to[i]);
	g_mime_message_set_message_id(m, mail->msgid);
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted",
				 "auto-generated", NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Mash-Reference", mail->ref,
				 NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Mash-Event", mail->event,
				 NULL);
	text_body(tp, mail->body);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(tp));
	g_date_time_unref(now);
	g_object_unref(tp);
	return m;
}

/*
 * The message written by GMime straight into the buffer it is returned
 * in: for SMTP through GMime's own filters (CRLF, then SMTP's
 * dot-stuffing) on the way. Written to a string, then filtered into a
 * second buffer and copied into a third, it cost two copies and a strlen
 * a mail.
 */
char *
deliver_text(const struct mail *mail, bool smtp, size_t *len)
{
	GMimeMessage *m = message(mail);
	GByteArray *a = g_byte_array_new();
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(a);
	GMimeStream *f = mem;
	GMimeFilter *crlf = NULL, *dots = NULL;

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	if (smtp) {
		f = g_mime_stream_filter_new(mem);
		crlf = g_mime_filter_unix2dos_new(TRUE);
		dots = g_mime_filter_smtp_data_new();
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), crlf);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), dots);
	}
	g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, f);
	g_mime_stream_flush(f);
	if (smtp) {
		g_object_unref(crlf);
		g_object_unref(dots);
		g_object_unref(f);
	}
	g_object_unref(mem);
	g_object_unref(m);
	*len = a->len;
	g_byte_array_append(a, (const guint8 *)"", 1);
	return (char *)g_byte_array_free(a, FALSE);
}

int
deliver_spawn(const char *sendmail, char *const argv[], int in, int out,
	      pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/* Nothing of mashd's but the pipes: a kept sendmail -bs lives
	 * long, and must not hold mashd's Redis connection or listeners. */
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO)) ==
		0 &&
	    (rc = out >= 0 ? posix_spawn_file_actions_adddup2(&fa, out,
							      STDOUT_FILENO)
			   : posix_spawn_file_actions_addopen(
				 &fa, STDOUT_FILENO, "/dev/null", O_WRONLY,
				 0)) == 0 &&
	    (rc = posix_spawn_file_actions_addopen(
		 &fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawnattr_setflags(
		 &at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
			  POSIX_SPAWN_SETSIGDEF)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &dfl)) == 0)
		rc = posix_spawnp(pid, sendmail, &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* An address goes between <> on a command line, or into To: for
 * sendmail -t: a plain one, as intake takes (a record stored before it
 * refused the others may hold one), or a local login (a referral's
 * holder, mailed by the ladder), with no '@' and none of the specials. */
bool
deliver_smtp_address(const char *a)
{
	if (strchr(a, '@') != NULL)
		return referral_email_plain(a);
	if (*a == '\0')
		return false;
	for (; *a != '\0'; a++)
		if ((unsigned char)*a <= ' ' || *a == 0x7f ||
		    strchr("()<>[]:;,\\\"", *a) != NULL)
			return false;
	return true;
}

/* A reply line: "NNN text" ends it, "NNN-text" goes on. -1: not SMTP. */
int
deliver_smtp_reply(const char *line, size_t n, bool *last, char esc[16])
{
	size_t k = 0;

	if (n < 3 || !isdigit((unsigned char)line[0]) ||
	    !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) ||
	    (n > 3 && line[3] != ' ' && line[3] != '-'))
		return -1;
	*last = n == 3 || line[3] == ' ';
	esc[0] = '\0';
	/* RFC 3463's code, as "5.1.1", when the text starts with one. */
	for (const char *p = line + 4;
	     n > 4 && k < 15 && (isdigit((unsigned char)*p) || *p == '.'); p++)
		esc[k++] = *p;
	esc[k] = '\0';
	if (k < 5 || strchr(esc, '.') == NULL)
		esc[0] = '\0';
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}
