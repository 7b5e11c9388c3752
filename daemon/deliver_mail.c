/*
 * deliver_mail.c owns the sendmail children; see deliver_mail.h.
 *
 * Invariant: a send is in m->sends from the fork until its child is
 * reaped (or the mailer is freed), and its callback runs exactly once,
 * when it leaves the list by reaping.
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
send_free(struct send *s)
{
	LIST_REMOVE(s, entry);
	if (s->timeout != NULL)
		event_free(s->timeout);
	free(s);
}

static void
child_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct send *s = arg;

	(void)fd;
	(void)what;
	if (s->pid > 0)
		kill(s->pid,
		     SIGKILL); /* reaped by on_sigchld, answered there */
}

static void
on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *m = arg;
	int status;
	pid_t pid;

	(void)fd;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		mail_done_cb *done;
		void *darg;
		struct send *s;
		char why[64];

		LIST_FOREACH(s, &m->sends, entry)
		{
			if (s->pid == pid)
				break;
		}
		if (s == NULL)
			continue;
		done = s->done;
		darg = s->arg;
		send_free(s);
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
	char *text;
	size_t len;
	struct timeval tv = {mail->timeout, 0};
	struct send *s;
	int fds[2];
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
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		g_free(text);
		free(s);
		done(strerror(errno), arg);
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[0], STDIN_FILENO);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl(mail->sendmail, "sendmail", "-t", "-oi", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* A message is a few kilobytes: the pipe takes it whole. A short
	 * write shows as sendmail's failure, and is retried. */
	if (write(fds[1], text, len) != (ssize_t)len)
		log_warn("alert %s: writing to sendmail", mail->id);
	close(fds[1]);
	g_free(text);
	s->pid = pid;
	s->done = done;
	s->arg = arg;
	LIST_INSERT_HEAD(&m->sends, s, entry);
	s->timeout = evtimer_new(m->base, child_timeout, s);
	if (s->timeout != NULL)
		evtimer_add(s->timeout, &tv);
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
	while (!LIST_EMPTY(&m->sends))
		send_free(LIST_FIRST(&m->sends));
	event_free(m->sigchld);
	g_mime_shutdown();
	free(m);
}
