/*
 * deliver_mail.c owns the sendmail children; see deliver_mail.h.
 *
 * Invariants: a send is in m->sends from the spawn until its child is
 * reaped (or the mailer is freed), and its callback runs exactly once,
 * when it leaves the list by reaping; m->running counts the list. A
 * child leads its own process group (its pid is the group's id), so a
 * timeout kills everything it started.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "deliver_int.h"
#include "deliver_mail.h"
#include "deliver_session.h"
#include "log.h"

struct send {
	LIST_ENTRY(send) entry;
	pid_t pid;
	struct event *timeout;
	mail_done_cb *done;
	void *arg;
};

struct mailer {
	struct event_base *base;
	struct event *sigchld;
	LIST_HEAD(, send) sends;
	unsigned running;      /* in sends */
	struct sessions *kept; /* alerts.sendmail_session's */
};

static void
send_free(struct mailer *m, struct send *s)
{
	LIST_REMOVE(s, entry);
	m->running--;
	if (s->timeout != NULL)
		event_free(s->timeout);
	free(s);
}

/* Past its time: the whole process group goes, whatever sendmail
 * started; the child is reaped (and answered) by on_sigchld. */
static void
child_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct send *s = arg;

	(void)fd;
	(void)what;
	if (s->pid > 0 && kill(-s->pid, SIGKILL) != 0 && errno != ESRCH)
		log_warn("sendmail process group %ld", (long)s->pid);
}

static void
on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *m = arg;
	struct send *s, *next;
	int status;
	pid_t pid;

	(void)fd;
	(void)what;
	/* Only our own children: a signal may stand for several. */
	for (s = LIST_FIRST(&m->sends); s != NULL; s = next) {
		mail_done_cb *done;
		void *darg;
		char why[64];

		next = LIST_NEXT(s, entry);
		if ((pid = waitpid(s->pid, &status, WNOHANG)) <= 0)
			continue;
		done = s->done;
		darg = s->arg;
		send_free(m, s);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			done(NULL, darg);
			continue;
		}
		if (WIFEXITED(status))
			snprintf(why, sizeof(why), "sendmail exited %d",
				 WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why),
				 "sendmail killed by signal "
				 "%d (timed out?)",
				 WTERMSIG(status));
		done(why, darg);
	}
}

void
mailer_send(struct mailer *m, const struct mail *mail, mail_done_cb *done,
	    void *arg)
{
	char *argv[] = {"sendmail", "-t", "-oi", NULL};
	char *text;
	size_t len;
	struct timeval tv = {mail->timeout, 0};
	struct send *s;
	int fds[2], rc;
	pid_t pid;

	if (mail->sessions > 0) {
		sessions_send(m->kept, mail, done, arg);
		return;
	}
	/* Switched back by a reload: no idle session outstays its use. */
	sessions_quit_idle(m->kept);
	/* sendmail -t reads its recipients from To:, where an address that
	 * is not plain (a record stored before intake refused such) could
	 * name others. */
	for (size_t i = 0; i < mail->nto; i++)
		if (!deliver_smtp_address(mail->to[i])) {
			done("a recipient's address is not a plain one", arg);
			return;
		}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		done("out of memory", arg);
		return;
	}
	text = deliver_text(mail, false, &len);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		g_free(text);
		free(s);
		done(strerror(errno), arg);
		return;
	}
	if ((rc = deliver_spawn(mail->sendmail, argv, fds[0], -1, &pid)) != 0) {
		char why[300];

		close(fds[0]);
		close(fds[1]);
		g_free(text);
		free(s);
		snprintf(why, sizeof(why), "cannot start %s: %s",
			 mail->sendmail, strerror(rc));
		done(why, arg);
		return;
	}
	close(fds[0]);
	/* A message is a few kilobytes: the pipe takes it whole, and never
	 * blocks the loop. A short write shows as sendmail's failure, and is
	 * retried. */
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0 ||
	    write(fds[1], text, len) != (ssize_t)len)
		log_warn("alert %s: writing to sendmail", mail->id);
	close(fds[1]);
	g_free(text);
	s->pid = pid;
	s->done = done;
	s->arg = arg;
	LIST_INSERT_HEAD(&m->sends, s, entry);
	m->running++;
	s->timeout = evtimer_new(m->base, child_timeout, s);
	if (s->timeout != NULL)
		evtimer_add(s->timeout, &tv);
	else
		child_timeout(-1, 0, s); /* never unbounded */
}

unsigned
mailer_running(const struct mailer *m)
{
	return m->running + sessions_running(m->kept);
}

struct mailer *
mailer_new(struct event_base *base)
{
	struct mailer *m = calloc(1, sizeof(*m));

	if (m == NULL)
		fatalx("mailer_new: out of memory");
	m->base = base;
	LIST_INIT(&m->sends);
	g_mime_init();
	m->sigchld = evsignal_new(base, SIGCHLD, on_sigchld, m);
	if (m->sigchld == NULL)
		fatalx("mailer_new: out of memory");
	evsignal_add(m->sigchld, NULL);
	m->kept = sessions_new(base);
	return m;
}

void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	sessions_free(m->kept);
	/* Stopped past the grace: no sendmail outlives mashd unwatched. */
	while (!LIST_EMPTY(&m->sends)) {
		struct send *s = LIST_FIRST(&m->sends);

		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		send_free(m, s);
	}
	event_free(m->sigchld);
	deliver_text_free();
	g_mime_shutdown();
	free(m);
}
