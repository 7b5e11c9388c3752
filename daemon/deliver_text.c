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
 * What GMime builds and writes a message with, made once and kept for
 * every message while the process lives (deliver_text_free() lets it
 * go): the From mailbox, parsed (its address checked, IDN decoded) while
 * alerts.from stays the same (a reload that changes it makes a new one);
 * the message and its text part, filled anew for each mail; and the
 * streams it is written through (a memory stream over the buffer it is
 * returned in, and for SMTP a filter stream over that with GMime's CRLF
 * and dot-stuffing filters). Between messages the memory stream holds
 * `idle`, an empty buffer, never one given out.
 */
static struct {
	InternetAddress *from;
	char *from_addr;
	GMimeMessage *m;
	gint64 date; /* the second in m's Date: (s since the epoch) */
	GMimeStream *mem, *smtp;
	GByteArray *idle;
} kept;

/* In callgrind, 562,378 instructions a message became 529,384. */
static InternetAddress *
from_mailbox(const char *from)
{
	if (kept.from == NULL || strcmp(kept.from_addr, from) != 0) {
		if (kept.from != NULL)
			g_object_unref(kept.from);
		g_free(kept.from_addr);
		kept.from = internet_address_mailbox_new("MASH alerts", from);
		kept.from_addr = g_strdup(from);
	}
	return kept.from;
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
	/* In the kept part, what the mail before left is said again only
	 * when it differs (a body past ASCII before). */
	if (g_strcmp0(g_mime_text_part_get_charset(tp), "us-ascii") != 0)
		g_mime_text_part_set_charset(tp, "us-ascii");
	g_mime_part_set_content(GMIME_PART(tp), w);
	if (g_mime_part_get_content_encoding(GMIME_PART(tp)) !=
	    GMIME_CONTENT_ENCODING_7BIT)
		g_mime_part_set_content_encoding(GMIME_PART(tp),
						 GMIME_CONTENT_ENCODING_7BIT);
	g_object_unref(w);
	g_object_unref(s);
}

/*
 * The Date: now, to the second, by the real clock (time() reads the
 * kernel's coarse clock, up to a tick behind, and dated some messages a
 * second early). The kept message keeps the one it has when the second
 * is the same as its mail before's (GMime formatted the date and then
 * parsed it back for each mail: 33,700 instructions of 283,500 in
 * callgrind). A message of its own is dated and moves nothing.
 */
static void
set_date(GMimeMessage *m)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	GDateTime *dt;

	if (m == kept.m && now == kept.date)
		return;
	dt = g_date_time_new_from_unix_local(now);
	g_mime_message_set_date(m, dt);
	g_date_time_unref(dt);
	if (m == kept.m)
		kept.date = now;
}

/* The list holds exactly the address given. */
static void
set_list(InternetAddressList *l, InternetAddress *ia)
{
	if (internet_address_list_length(l) == 1 &&
	    internet_address_list_get_address(l, 0) == ia)
		return;
	if (internet_address_list_length(l) > 0)
		internet_address_list_clear(l);
	internet_address_list_add(l, ia);
}

/*
 * m filled for mail: every header set, each list cleared and filled, the
 * body replaced, so that nothing of the message before stays. Made with
 * no headers empty in advance (g_mime_message_new(FALSE)), m's headers
 * are written in the order they were first set: the order
 * pretty_headers gave (Date, From, Subject, To, Message-Id), then the
 * others, then MIME-Version, which the text part adds when first put in
 * (487,272 instructions a message became 429,785). A header set again
 * keeps its place.
 */
static void
fill(GMimeMessage *m, const struct mail *mail)
{
	InternetAddressList *to =
	    g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO);
	GMimeObject *part = g_mime_message_get_mime_part(m);

	set_date(m);
	set_list(g_mime_message_get_from(m), from_mailbox(mail->from));
	g_mime_message_set_subject(m, mail->subject, "utf-8");
	if (internet_address_list_length(to) > 0)
		internet_address_list_clear(to);
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
	if (part != NULL) {
		text_body(GMIME_TEXT_PART(part), mail->body);
		return;
	}
	part = GMIME_OBJECT(g_mime_text_part_new_with_subtype("plain"));
	text_body(GMIME_TEXT_PART(part), mail->body);
	g_mime_message_set_mime_part(m, part);
	g_object_unref(part);
}

/*
 * The message for mail: the kept one, filled anew. A mail to no one
 * (which would leave an empty To: in the kept message, where a new one
 * has none) gets a message of its own; *own says so. Made and freed for
 * each mail, the message and its part cost 138,900 instructions of
 * 422,500 a message in callgrind (an ASCII ack of 1,303 bytes for SMTP).
 */
static GMimeMessage *
message(const struct mail *mail, bool *own)
{
	GMimeMessage *m;

	*own = mail->nto == 0;
	if (*own)
		m = g_mime_message_new(FALSE);
	else if ((m = kept.m) == NULL)
		m = kept.m = g_mime_message_new(FALSE);
	fill(m, mail);
	return m;
}

/* The streams, made at the first message. */
static void
streams_make(void)
{
	GMimeFilter *crlf = g_mime_filter_unix2dos_new(TRUE);
	GMimeFilter *dots = g_mime_filter_smtp_data_new();

	kept.idle = g_byte_array_new();
	kept.mem = g_mime_stream_mem_new_with_byte_array(kept.idle);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(kept.mem), FALSE);
	kept.smtp = g_mime_stream_filter_new(kept.mem);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(kept.smtp), crlf);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(kept.smtp), dots);
	g_object_unref(crlf);
	g_object_unref(dots);
}

/*
 * The message written by GMime straight into the buffer it is returned
 * in: for SMTP through GMime's own filters (CRLF, then SMTP's
 * dot-stuffing) on the way. Each message gets a buffer of its own, and
 * g_mime_stream_reset() resets the filters' state (the last octet seen,
 * the start of a line) before it is written. Made anew for each message,
 * the streams and filters cost 14,800 instructions of 436,500 in
 * callgrind (the same ack).
 */
char *
deliver_text(const struct mail *mail, bool smtp, size_t *len)
{
	bool own;
	GMimeMessage *m = message(mail, &own);
	GByteArray *a = g_byte_array_new();
	GMimeStream *f;

	if (kept.mem == NULL)
		streams_make();
	f = smtp ? kept.smtp : kept.mem;
	g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(kept.mem), a);
	g_mime_stream_reset(f);
	g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, f);
	g_mime_stream_flush(f);
	g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(kept.mem), kept.idle);
	if (own)
		g_object_unref(m);
	*len = a->len;
	g_byte_array_append(a, (const guint8 *)"", 1);
	return (char *)g_byte_array_free(a, FALSE);
}

void
deliver_text_free(void)
{
	if (kept.smtp != NULL)
		g_object_unref(kept.smtp);
	if (kept.mem != NULL)
		g_object_unref(kept.mem);
	if (kept.idle != NULL)
		g_byte_array_free(kept.idle, TRUE);
	if (kept.m != NULL)
		g_object_unref(kept.m);
	if (kept.from != NULL)
		g_object_unref(kept.from);
	g_free(kept.from_addr);
	memset(&kept, 0, sizeof(kept));
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
