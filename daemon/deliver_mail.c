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
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "deliver_mail.h"
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
	unsigned running; /* in sends */
};

/* The message, built by GMime so headers are encoded and folded right. */
static char *
mail_text(const struct mail *mail)
{
	GMimeMessage *m = g_mime_message_new(TRUE);
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	GDateTime *now = g_date_time_new_now_local();
	char *text;

	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "MASH alerts",
				   mail->from);
	for (size_t i = 0; i < mail->nto; i++)
		g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL,
					   mail->to[i]);
	g_mime_message_set_subject(m, mail->subject, "utf-8");
	g_mime_message_set_date(m, now);
	g_mime_message_set_message_id(m, mail->msgid);
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted",
				 "auto-generated", NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Mash-Reference", mail->ref,
				 NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Mash-Event", mail->event,
				 NULL);
	g_mime_text_part_set_text(tp, mail->body);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(tp));
	text = g_mime_object_to_string(GMIME_OBJECT(m), NULL);
	g_date_time_unref(now);
	g_object_unref(tp);
	g_object_unref(m);
	return text;
}

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

/*
 * sendmail -t -oi, started by posix_spawnp (the daemon's address space is
 * never copied), reading the pipe `in`, its output thrown away, in a
 * process group of its own so a timeout kills all it started, with the
 * signals mashd ignores or blocks back to their defaults.
 */
static int
spawn(const char *sendmail, int in, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char *const argv[] = {"sendmail", "-t", "-oi", NULL};
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
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO)) ==
		0 &&
	    (rc = posix_spawn_file_actions_addopen(
		 &fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO,
						   STDERR_FILENO)) == 0 &&
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

void
mailer_send(struct mailer *m, const struct mail *mail, mail_done_cb *done,
	    void *arg)
{
	char *text;
	size_t len;
	struct timeval tv = {mail->timeout, 0};
	struct send *s;
	int fds[2], rc;
	pid_t pid;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		done("out of memory", arg);
		return;
	}
	text = mail_text(mail);
	len = strlen(text);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		g_free(text);
		free(s);
		done(strerror(errno), arg);
		return;
	}
	if ((rc = spawn(mail->sendmail, fds[0], &pid)) != 0) {
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
	return m->running;
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
	return m;
}

void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	/* Stopped past the grace: no sendmail outlives mashd unwatched. */
	while (!LIST_EMPTY(&m->sends)) {
		struct send *s = LIST_FIRST(&m->sends);

		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		send_free(m, s);
	}
	event_free(m->sigchld);
	g_mime_shutdown();
	free(m);
}
