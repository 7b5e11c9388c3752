/*
 * deliver_mail: an alert's mail handed to sendmail(8), so the hub's own
 * MTA (Postfix) carries it. The message is built by GMime; sendmail runs
 * as a child process (posix_spawn, in a process group of its own), is
 * given the message on its standard input, and is killed with its whole
 * group if it takes longer than the timeout. Its exit status is the
 * answer: 0 is delivered, anything else is a failure to retry. The
 * caller bounds how many run at once (mailer_running).
 *
 * With mail.sessions set (alerts.sendmail_session), the message goes as
 * one SMTP transaction over a kept `sendmail -bs` session instead:
 * deliver_session.c.
 */
#ifndef MASHD_DELIVER_MAIL_H
#define MASHD_DELIVER_MAIL_H

#include <stddef.h>

#include <event2/event.h>

struct mailer;

struct mail {
	const char *id;	      /* the alert's, for the log */
	const char *sendmail; /* run as: sendmail -t -oi */
	unsigned sessions;    /* 0, or kept sendmail -bs sessions, at most */
	int timeout;	      /* seconds before it is killed */
	const char *from;     /* "MASH alerts" <from> */
	const char *const *to;
	size_t nto;
	const char *subject;
	const char *body;
	const char *msgid;
	const char *ref;   /* X-Mash-Reference */
	const char *event; /* X-Mash-Event */
};

/* err is NULL when sendmail took the message, else why not. */
typedef void mail_done_cb(const char *err, void *arg);

struct mailer *mailer_new(struct event_base *base);
/* Forgets every message under way: their callbacks are never called. */
void mailer_free(struct mailer *m);
/*
 * Send one message. `done` is called exactly once: at once when sendmail
 * cannot be started, else when it exits or is killed.
 */
void mailer_send(struct mailer *m, const struct mail *mail, mail_done_cb *done,
		 void *arg);
/* The messages under way now (each per-mail one a sendmail process). */
unsigned mailer_running(const struct mailer *m);

#endif
