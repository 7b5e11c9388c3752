/*
 * deliver_pipes.c: a kept `sendmail -bs` session's process and pipes,
 * and what is written to them; see deliver_session_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "deliver_int.h"
#include "deliver_session_int.h"

/*
 * Written at once when nothing waits before it: a pipe takes a command
 * (or a message) whole. Left to the bufferevent each time, a command
 * cost two epoll_ctl calls (its write event added, then deleted), eight
 * a message. What the pipe does not take now, or an error (which the
 * bufferevent meets in its turn, and reports), goes to the bufferevent.
 */
void
session_put(struct session *s, const char *p, size_t n)
{
	ssize_t w = 0;

	if (evbuffer_get_length(bufferevent_get_output(s->in)) == 0 &&
	    (w = write(bufferevent_getfd(s->in), p, n)) < 0)
		w = 0;
	if ((size_t)w < n)
		bufferevent_write(s->in, p + w, n - (size_t)w);
}

void
say(struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(line)) {
		session_put(s, line, (size_t)n);
		return;
	}
	va_start(ap, fmt); /* a long address: as it was */
	evbuffer_add_vprintf(bufferevent_get_output(s->in), fmt, ap);
	va_end(ap);
}

void
close_pipes(struct session *s)
{
	if (s->in != NULL)
		bufferevent_free(s->in);
	if (s->out != NULL)
		bufferevent_free(s->out);
	s->in = s->out = NULL;
}

static int
session_pipes(struct session *s, int fds[4])
{
	struct event_base *base = s->ss->base;

	if (evutil_make_socket_nonblocking(fds[1]) != 0 ||
	    evutil_make_socket_nonblocking(fds[2]) != 0 ||
	    (s->in = bufferevent_socket_new(base, fds[1],
					    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return -1;
	fds[1] = -1;
	if ((s->out = bufferevent_socket_new(base, fds[2],
					     BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return -1;
	fds[2] = -1;
	bufferevent_setcb(s->in, NULL, NULL, s->ss->hooks->on_event, s);
	bufferevent_setcb(s->out, s->ss->hooks->on_read, NULL,
			  s->ss->hooks->on_event, s);
	bufferevent_enable(s->in, EV_WRITE);
	bufferevent_enable(s->out, EV_READ);
	return 0;
}

/* sendmail -bs, its stdin and stdout on pipes. 0, or an errno. */
int
session_start(struct sessions *ss, const char *sendmail, struct session **sp)
{
	char *argv[] = {"sendmail", "-bs", NULL};
	struct session *s = calloc(1, sizeof(*s));
	int fds[4] = {-1, -1, -1, -1}, rc = ENOMEM;

	if (s == NULL)
		return ENOMEM;
	s->ss = ss;
	if ((s->sendmail = strdup(sendmail)) == NULL ||
	    (s->timer = evtimer_new(ss->base, ss->hooks->on_timer, s)) == NULL)
		goto fail;
	if (pipe2(fds, O_CLOEXEC) != 0 || pipe2(fds + 2, O_CLOEXEC) != 0) {
		rc = errno;
		goto fail;
	}
	if ((rc = deliver_spawn(sendmail, argv, fds[0], fds[3], &s->pid)) != 0)
		goto fail;
	close(fds[0]);
	close(fds[3]);
	fds[0] = fds[3] = -1;
	TAILQ_INSERT_TAIL(&ss->all, s, entry);
	ss->nsessions++;
	if (session_pipes(s, fds) != 0) {
		ss->hooks->kill(s, "out of memory"); /* reaped as any other */
		for (int i = 0; i < 4; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return ENOMEM;
	}
	*sp = s;
	return 0;
fail:
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (s->timer != NULL)
		event_free(s->timer);
	free(s->sendmail);
	free(s);
	return rc;
}
