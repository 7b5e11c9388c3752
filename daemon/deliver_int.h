/*
 * deliver_int.h: what the two ways of handing mail to sendmail(8) share
 * (deliver_mail.c, a process a mail; deliver_session.c, kept `-bs`
 * sessions): the message's text and the start of a sendmail process.
 */
#ifndef MASHD_DELIVER_INT_H
#define MASHD_DELIVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "deliver_mail.h"

/*
 * The message, built by GMime; g_free() it. For SMTP (smtp true) the
 * same message with CRLF line ends and a line starting with "." doubled,
 * ready for DATA (without the closing "."). *len is its length.
 */
char *deliver_text(const struct mail *mail, bool smtp, size_t *len);
/* What deliver_text() keeps from one message to the next, let go: before
 * g_mime_shutdown(). */
void deliver_text_free(void);

/*
 * `sendmail ARG...` (argv[0] is "sendmail"), started by posix_spawnp in a
 * process group of its own (its pid is the group's id) with the signals
 * mashd ignores or blocks back to their defaults; its standard input is
 * `in`, its standard output `out` (-1: /dev/null), its errors thrown
 * away. 0, or an errno.
 */
int deliver_spawn(const char *sendmail, char *const argv[], int in, int out,
		  pid_t *pid);

/* The address fits between <> on an SMTP command line. */
bool deliver_smtp_address(const char *a);
/*
 * One line of an SMTP reply: its code, or -1 when it is not one; *last
 * when it ends the reply ("NNN text", where "NNN-text" goes on); esc,
 * RFC 3463's code ("5.1.1") when the text starts with one, else "".
 */
int deliver_smtp_reply(const char *line, size_t n, bool *last, char esc[16]);

#endif
