/*
 * deliver_session.c owns the kept `sendmail -bs` sessions; see
 * deliver_session.h.
 *
 * Invariants: a message (struct xact) is counted in ss->running from
 * sessions_send until its callback, which runs once, from xact_end, after
 * the xact has left every list; its timer (alerts.timeout, from the send)
 * bounds it whether it waits for a session or is in a transaction. A
 * session is in ss->all from its spawn until its process is reaped, so
 * ss->nsessions counts the processes, and a new one is started only
 * below ss->max. A session carries at most one xact (s->x, and x->s back)
 * and talks strictly one command, one reply. A session that answers
 * anything but what SMTP allows, dies, or does not answer in time is
 * killed with its whole process group; its pipes closed at once, it is
 * freed when reaped (on_sigchld), never from its own callbacks.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <glib.h>

#include "deliver_int.h"
#include "deliver_session.h"
#include "deliver_session_int.h"
#include "log.h"

#define SESSION_IDLE_SEC 10 /* an idle session is sent QUIT after */
#define SESSION_QUIT_SEC 5  /* and killed if still there after */

static const char *const step_name[] = {
    "the greeting", "EHLO",  "HELO", "RSET", "MAIL FROM", "RCPT TO",
    "DATA",	    "\".\"", "idle", "QUIT", "the end",
};

static void dispatch(struct sessions *ss);

/* ---- messages ------------------------------------------------------- */

static void
xact_end(struct xact *x, const char *why)
{
	mail_done_cb *done = x->done;
	void *arg = x->arg;

	if (x->s == NULL)
		TAILQ_REMOVE(&x->ss->pending, x, entry);
	else
		x->s->x = NULL;
	x->ss->running--;
	if (x->timer != NULL) /* NULL when it could not be taken */
		event_free(x->timer);
	free(x->sendmail);
	free(x->from);
	for (size_t i = 0; i < x->nto; i++)
		free(x->to[i]);
	free(x->to);
	g_free(x->data);
	free(x);
	if (done != NULL)
		done(why, arg);
}

static const char *
xact_fill(struct xact *x, const struct mail *mail)
{
	if (!deliver_smtp_address(mail->from))
		return "alerts.from cannot be given to SMTP";
	if ((x->sendmail = strdup(mail->sendmail)) == NULL ||
	    (x->from = strdup(mail->from)) == NULL ||
	    (x->to = calloc(mail->nto + 1, sizeof(*x->to))) == NULL)
		return "out of memory";
	snprintf(x->id, sizeof(x->id), "%s", mail->id ? mail->id : "");
	for (; x->nto < mail->nto; x->nto++) {
		if (!deliver_smtp_address(mail->to[x->nto]))
			return "a recipient's address cannot be given to SMTP";
		if ((x->to[x->nto] = strdup(mail->to[x->nto])) == NULL)
			return "out of memory";
	}
	x->data = deliver_text(mail, true, &x->len);
	x->data = g_realloc(x->data, x->len + sizeof(".\r\n"));
	memcpy(x->data + x->len, ".\r\n", sizeof(".\r\n")); /* one write */
	x->len += sizeof(".\r\n") - 1;
	return NULL;
}

/* ---- one session ---------------------------------------------------- */

static void
arm(struct session *s, int sec)
{
	struct timeval tv = {sec, 0};

	evtimer_add(s->timer, &tv);
}

/* The session goes, with its group; its message fails with `why`. */
static void
session_kill(struct session *s, const char *why)
{
	struct xact *x = s->x;

	if (s->pid > 0 && kill(-s->pid, SIGKILL) != 0 && errno != ESRCH)
		log_warn("sendmail -bs process group %ld", (long)s->pid);
	close_pipes(s);
	s->step = DEAD;
	arm(s, SESSION_QUIT_SEC); /* in case the kill did not reach it */
	if (x != NULL)
		xact_end(x, why);
	else
		log_warnx("mail: an idle sendmail -bs session ended: %s", why);
}

static void
session_quit(struct session *s)
{
	say(s, "QUIT\r\n");
	s->step = QUIT;
	arm(s, SESSION_QUIT_SEC);
}

/* Nothing under way: wait for the next message, or for the idle end. */
static void
session_idle(struct session *s)
{
	s->step = IDLE;
	if (s->ss->nsessions > s->ss->max)
		session_quit(s); /* a reload lowered the cap */
	else
		arm(s, SESSION_IDLE_SEC);
}

static void
begin(struct session *s)
{
	evtimer_del(s->timer);
	if (s->used) {
		say(s, "RSET\r\n");
		s->step = RSET;
		return;
	}
	say(s, "MAIL FROM:<%s>\r\n", s->x->from);
	s->step = MAIL;
	s->x->next = 0;
}

/* Ready for a transaction: the one waiting, or the next pending. */
static void
session_ready(struct session *s)
{
	if (s->x != NULL)
		begin(s);
	else
		session_idle(s);
}

/* The transaction ended with a reply that leaves the session sane. */
static void
transaction_end(struct session *s, const char *why)
{
	struct sessions *ss = s->ss;

	s->used = why != NULL; /* after 250 to ".", no RSET: RFC 5321 4.1.4 */
	session_idle(s);
	xact_end(s->x, why);
	dispatch(ss);
}

/* The next recipient, or the message once each was asked: one refused
 * for good (5xx) is passed over, as sendmail -t bounces it; all so
 * refused fail the attempt (a 4xx fails it at once: refused()). */
static void
next_command(struct session *s)
{
	struct xact *x = s->x;
	char why[sizeof(x->why)];

	if (x->next < x->nto) {
		say(s, "RCPT TO:<%s>\r\n", x->to[x->next++]);
		s->step = RCPT;
		return;
	}
	if (x->refused == x->nto) {
		snprintf(why, sizeof(why), "%s", x->why); /* x goes */
		transaction_end(s, why);
		return;
	}
	say(s, "DATA\r\n");
	s->step = DATA;
}

static void
refused(struct session *s, int code, const char *esc)
{
	struct xact *x = s->x;
	char why[sizeof(x->why)];

	/* The code and the enhanced code only: the text may quote an
	 * address. */
	snprintf(why, sizeof(why), "sendmail -bs refused %s: %d%s%s",
		 step_name[s->step], code, esc[0] ? " " : "", esc);
	if (s->step != RCPT || code < 500) { /* a 4xx: all, later */
		transaction_end(s, why);
		return;
	}
	if (x->refused++ == 0)
		snprintf(x->why, sizeof(x->why), "%s", why);
	next_command(s);
}

/* A final reply to the command of s->step. */
static void
reply(struct session *s, int code, const char *esc)
{
	char why[96];
	int want = s->step == GREET ? 220 : s->step == DATA ? 354 : 250;

	if (s->step == QUIT) /* whatever it says, it is going */
		return;
	if (s->step == IDLE || s->step == DEAD) {
		session_kill(s, "sendmail -bs spoke unasked");
		return;
	}
	if (code == want || (s->step == RCPT && code == 251)) {
		switch (s->step) {
		case GREET:
			say(s, "EHLO %s\r\n", g_get_host_name());
			s->step = EHLO;
			return;
		case EHLO:
		case HELO:
			session_ready(s);
			return;
		case RSET:
			s->used = false;
			begin(s);
			return;
		case DATA:
			session_put(s, s->x->data, s->x->len); /* and "." */
			s->step = DOT;
			return;
		case DOT: /* taken; for some recipients only, it says so */
			if (s->x->refused > 0)
				log_warnx("mail %s: taken for %zu of its %zu "
					  "recipients; %zu refused (%s)",
					  s->x->id, s->x->nto - s->x->refused,
					  s->x->nto, s->x->refused, s->x->why);
			transaction_end(s, NULL);
			return;
		default:
			next_command(s);
			return;
		}
	}
	if (s->step == EHLO && code >= 500 && code < 600) {
		say(s, "HELO %s\r\n", g_get_host_name());
		s->step = HELO;
		return;
	}
	if (s->step >= MAIL && s->step <= DOT && s->x != NULL && code != 421 &&
	    code >= 400 && code < 600) {
		refused(s, code, esc);
		return;
	}
	snprintf(why, sizeof(why), "sendmail -bs answered %s with %d",
		 step_name[s->step], code);
	session_kill(s, why);
}

static void
session_on_read(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;
	struct evbuffer *b = bufferevent_get_input(bev);
	char *line, esc[16];
	size_t n;
	bool last;
	int code;

	while (s->out != NULL &&
	       (line = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF)) != NULL) {
		code = deliver_smtp_reply(line, n, &last, esc);
		free(line);
		if (code < 0) {
			session_kill(s, "sendmail -bs answered what is not "
					"SMTP");
			return;
		}
		if (last)
			reply(s, code, esc);
	}
	if (s->out != NULL && evbuffer_get_length(b) > SESSION_LINE_MAX)
		session_kill(s, "sendmail -bs answered an overlong line");
}

static void
session_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;
	char why[96];

	(void)bev;
	if (s->step == QUIT) { /* it went, as asked */
		close_pipes(s);
		s->step = DEAD;
		return;
	}
	snprintf(why, sizeof(why), "sendmail -bs %s during %s",
		 (what & BEV_EVENT_EOF) ? "ended" : "failed",
		 step_name[s->step]);
	session_kill(s, why);
}

/* Idle too long: QUIT. QUIT or a kill not done by now: kill. */
static void
session_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	if (s->step == IDLE && s->x == NULL)
		session_quit(s);
	else if (s->pid > 0)
		session_kill(s, "sendmail -bs did not go");
}

/* ---- the sessions --------------------------------------------------- */

static struct session *
find_idle(struct sessions *ss, const char *sendmail, bool same)
{
	struct session *s;

	TAILQ_FOREACH(s, &ss->all, entry)
	{
		if (s->step == IDLE && s->x == NULL &&
		    (strcmp(s->sendmail, sendmail) == 0) == same)
			return s;
	}
	return NULL;
}

static void
attach(struct session *s, struct xact *x)
{
	TAILQ_REMOVE(&s->ss->pending, x, entry);
	x->s = s;
	s->x = x;
	if (s->step == IDLE)
		begin(s);
}

/* The messages waiting, each to an idle session or a new one. */
static void
dispatch(struct sessions *ss)
{
	struct xact *x;
	struct session *s;
	int rc;

	while ((x = TAILQ_FIRST(&ss->pending)) != NULL) {
		if ((s = find_idle(ss, x->sendmail, true)) != NULL) {
			attach(s, x);
			continue;
		}
		if (ss->nsessions >= ss->max) {
			/* One started before a reload changed sendmail. */
			if ((s = find_idle(ss, x->sendmail, false)) != NULL)
				session_quit(s);
			return;
		}
		if ((rc = session_start(ss, x->sendmail, &s)) == 0) {
			attach(s, x);
			continue;
		}
		{
			char why[300];

			snprintf(why, sizeof(why), "cannot start %s -bs: %s",
				 x->sendmail, strerror(rc));
			xact_end(x, why);
		}
	}
}

static void
xact_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct xact *x = arg;
	char why[128];

	(void)fd;
	(void)what;
	if (x->s == NULL) {
		snprintf(why, sizeof(why),
			 "no sendmail -bs session free within %d s",
			 x->timeout);
		xact_end(x, why);
		return;
	}
	snprintf(why, sizeof(why), "sendmail -bs did not answer %s within %d s",
		 step_name[x->s->step], x->timeout);
	session_kill(x->s, why);
}

void
sessions_send(struct sessions *ss, const struct mail *mail, mail_done_cb *done,
	      void *arg)
{
	struct xact *x = calloc(1, sizeof(*x));
	struct timeval tv = {mail->timeout, 0};
	const char *err;

	if (x == NULL) {
		done("out of memory", arg);
		return;
	}
	x->ss = ss;
	x->done = done;
	x->arg = arg;
	x->timeout = mail->timeout;
	ss->max = mail->sessions;
	ss->running++;
	TAILQ_INSERT_TAIL(&ss->pending, x, entry);
	if ((err = xact_fill(x, mail)) != NULL ||
	    (x->timer = evtimer_new(ss->base, xact_timeout, x)) == NULL) {
		xact_end(x, err != NULL ? err : "out of memory");
		return;
	}
	evtimer_add(x->timer, &tv);
	dispatch(ss);
}

static void
session_free(struct session *s)
{
	TAILQ_REMOVE(&s->ss->all, s, entry);
	s->ss->nsessions--;
	close_pipes(s);
	event_free(s->timer);
	free(s->sendmail);
	free(s);
}

static void
on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	struct sessions *ss = arg;
	struct session *s, *next;
	char why[96];
	pid_t pid;

	(void)fd;
	(void)what;
	/* Only our own children: a signal may stand for several. */
	for (s = TAILQ_FIRST(&ss->all); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->pid <= 0 || (pid = waitpid(s->pid, NULL, WNOHANG)) <= 0)
			continue;
		/* Reaped, its pid still names its group: what it left goes. */
		if (s->step != DEAD && s->step != QUIT) {
			snprintf(why, sizeof(why),
				 "sendmail -bs exited during %s",
				 step_name[s->step]);
			session_kill(s, why);
		}
		s->pid = 0;
		session_free(s);
	}
	dispatch(ss);
}

unsigned
sessions_running(const struct sessions *ss)
{
	return ss->running;
}

void
sessions_quit_idle(struct sessions *ss)
{
	struct session *s;

	TAILQ_FOREACH(s, &ss->all, entry)
	{
		if (s->step == IDLE && s->x == NULL)
			session_quit(s);
	}
}

static const struct session_hooks hooks = {
    session_on_read,
    session_on_event,
    session_on_timer,
    session_kill,
};

struct sessions *
sessions_new(struct event_base *base)
{
	struct sessions *ss = calloc(1, sizeof(*ss));

	if (ss == NULL)
		fatalx("sessions_new: out of memory");
	ss->base = base;
	ss->hooks = &hooks;
	TAILQ_INIT(&ss->all);
	TAILQ_INIT(&ss->pending);
	if ((ss->sigchld = evsignal_new(base, SIGCHLD, on_sigchld, ss)) == NULL)
		fatalx("sessions_new: out of memory");
	evsignal_add(ss->sigchld, NULL);
	return ss;
}

/* Idle ones get QUIT and a moment to go; then every one left is killed. */
static void
sessions_end(struct sessions *ss)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	struct session *s;
	int waits = 0;

	TAILQ_FOREACH(s, &ss->all, entry)
	{
		if (s->step == IDLE && s->x == NULL && s->in != NULL &&
		    evbuffer_get_length(bufferevent_get_output(s->in)) == 0 &&
		    write(bufferevent_getfd(s->in), "QUIT\r\n", 6) == 6)
			s->step = QUIT;
		close_pipes(s); /* its end of the input: it sees EOF */
	}
	while (!TAILQ_EMPTY(&ss->all)) {
		s = TAILQ_FIRST(&ss->all);
		if (s->pid > 0 && s->step == QUIT && waits < 100) {
			pid_t pid = waitpid(s->pid, NULL, WNOHANG);

			if (pid == 0) {
				waits++;
				nanosleep(&tick, NULL);
				continue;
			}
			if (pid > 0)
				s->pid = 0;
		}
		if (s->pid > 0) {
			kill(-s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
		}
		session_free(s);
	}
}

void
sessions_free(struct sessions *ss)
{
	struct session *s;

	if (ss == NULL)
		return;
	/* No callback runs now: the mailer's owner is going. */
	TAILQ_FOREACH(s, &ss->all, entry)
	{
		if (s->x != NULL) {
			s->x->done = NULL;
			xact_end(s->x, NULL);
		}
	}
	while (!TAILQ_EMPTY(&ss->pending)) {
		TAILQ_FIRST(&ss->pending)->done = NULL;
		xact_end(TAILQ_FIRST(&ss->pending), NULL);
	}
	sessions_end(ss);
	event_free(ss->sigchld);
	free(ss);
}
