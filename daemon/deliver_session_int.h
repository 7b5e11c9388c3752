/*
 * deliver_session_int.h: what deliver_session.c (the SMTP dialogue over
 * kept `sendmail -bs` sessions, and their messages) shares with
 * deliver_pipes.c (a session's process and pipes, and what is written
 * to them). Their invariants are in deliver_session.c.
 */
#ifndef MASHD_DELIVER_SESSION_INT_H
#define MASHD_DELIVER_SESSION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "deliver_mail.h"

#define SESSION_LINE_MAX 4096 /* a longer reply line is not SMTP */

enum step { GREET, EHLO, HELO, RSET, MAIL, RCPT, DATA, DOT, IDLE, QUIT, DEAD };

struct session;

struct xact {
	TAILQ_ENTRY(xact) entry; /* in ss->pending while s is NULL */
	struct sessions *ss;
	struct session *s;
	char *sendmail, *from, **to, *data;
	size_t nto, next, len, refused; /* refused: by RCPT TO */
	char why[128];			/* the first refusal's step and code */
	char id[64];			/* the alert's, for the log */
	int timeout;
	struct event *timer;
	mail_done_cb *done;
	void *arg;
};

struct session {
	TAILQ_ENTRY(session) entry;
	struct sessions *ss;
	char *sendmail;
	pid_t pid; /* its process group's too; 0 once reaped */
	struct bufferevent *in, *out; /* its stdin, its stdout; NULL: closed */
	enum step step;
	bool used;	     /* its last transaction failed: RSET first */
	struct xact *x;	     /* the transaction it carries */
	struct event *timer; /* idle, then QUIT's bound */
};

/* What deliver_session.c does with a session's events, given to
 * deliver_pipes.c (which calls nothing of deliver_session.c by name):
 * its replies, the end of a pipe, its timer; and its end, with its
 * group, its message failing with `why`. */
struct session_hooks {
	bufferevent_data_cb on_read;
	bufferevent_event_cb on_event;
	event_callback_fn on_timer;
	void (*kill)(struct session *s, const char *why);
};

struct sessions {
	struct event_base *base;
	const struct session_hooks *hooks;
	struct event *sigchld;
	TAILQ_HEAD(, session) all;
	TAILQ_HEAD(, xact) pending;
	unsigned nsessions, running, max;
};

/* deliver_pipes.c: sendmail -bs started, its stdin and stdout on pipes
 * (0, or an errno); the pipes closed; a command written to it. */
int session_start(struct sessions *ss, const char *sendmail,
		  struct session **sp);
void close_pipes(struct session *s);
void say(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void session_put(struct session *s, const char *p, size_t n);

#endif
