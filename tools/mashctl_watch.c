/*
 * mashctl_watch.c: `mashctl queue --watch`, the queue kept on screen.
 *
 * One control connection asks mashd to `watch`: mashd then writes a line
 * each time a referral of the queue changes, whoever changed it, through
 * whichever mashd (ctl_watch.c). On a notice mashctl reads the first page
 * again, at most a few times a second however many notices come (they are
 * gathered meanwhile), and marks with "*" the referrals that changed
 * since the last drawing. Without notices it reads the page once a
 * minute, for the times that pass ("overdue 2h10m"), never more.
 *
 * q or Ctrl-C quits, the terminal as it was. When mashd goes away the
 * screen says so and mashctl connects again each second (to the control
 * socket: mashd's Redis is not asked).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "mash/protocol.h"

#include "mashctl.h"
#include "mashctl_queue.h"

#define REDRAW_MIN_MS 300 /* drawings at least this far apart */
#define REREAD_MS 60000	  /* the page read again without notices */
#define RECONNECT_MS 1000 /* mashd gone: connect again this often */
#define CHANGED_MAX 64	  /* references remembered between drawings */

struct watch {
	struct ctx *x;
	const struct queue_opts *q;
	int fd;	       /* the watching connection, or -1 */
	char in[4096]; /* what it sent, not yet a whole line */
	size_t inlen;
	bool live;		       /* mashd says notices flow */
	char changed[CHANGED_MAX][32]; /* since the last drawing */
	size_t nchanged;
	int64_t drawn_at; /* ms, monotonic; 0: never */
	int64_t tried_at; /* the last connection tried */
	bool dirty;	  /* to be drawn again */
};

static struct termios saved_tty;
static bool tty_saved;
static volatile sig_atomic_t stop_now, resized;

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		resized = 1;
	else
		stop_now = 1;
}

/* The terminal as it was: on q, Ctrl-C, and any exit. */
static void
tty_restore(void)
{
	if (!tty_saved)
		return;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	fputs("\033[?25h\033[?1049l", stdout); /* cursor; main screen */
	fflush(stdout);
	tty_saved = false;
}

/* Keys one at a time, unechoed; Ctrl-C still a signal. */
static int
tty_setup(void)
{
	struct sigaction sa;
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
		return -1;
	raw = saved_tty;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
		return -1;
	tty_saved = true;
	atexit(tty_restore);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() wakes */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	fputs("\033[?1049h\033[?25l", stdout); /* own screen; no cursor */
	return 0;
}

/* Connect and ask to watch: 0, or -1 with the reason in why. */
static int
watch_open(struct watch *w, char *why, size_t len)
{
	static const char req[] = "{\"v\":1,\"cmd\":\"watch\"}\n";
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", socket_path(w->x));
	w->tried_at = mono_ms();
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0) {
		snprintf(why, len, "cannot reach mashd at %s: %s", sun.sun_path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	w->fd = fd;
	w->inlen = 0;
	w->dirty = true;
	return 0;
}

static void
remember(struct watch *w, const char *id)
{
	for (size_t i = 0; i < w->nchanged; i++)
		if (strcmp(w->changed[i], id) == 0)
			return;
	if (w->nchanged == CHANGED_MAX)
		return; /* many changed: the page is read again anyway */
	snprintf(w->changed[w->nchanged++], sizeof(w->changed[0]), "%s", id);
}

/* One line from mashd: the answer to watch, a change, or live or not. */
static int
watch_line(struct watch *w, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	json_t *ok = json_object_get(o, "ok");
	const char *id = json_string_value(json_object_get(o, "changed"));
	int rc = 0;

	if (json_is_false(ok)) {
		tty_restore();
		fprintf(stderr, "mashctl: %s\n", str(o, "error"));
		rc = -1;
	} else if (id != NULL) {
		remember(w, id);
		w->dirty = true;
	} else if (json_is_boolean(json_object_get(o, "live"))) {
		w->live = json_is_true(json_object_get(o, "live"));
		w->dirty = true; /* live again: read what was missed */
	}
	json_decref(o);
	return rc;
}

/* Read what mashd sent; -1 when it refused to watch. */
static int
watch_read(struct watch *w)
{
	ssize_t n = read(w->fd, w->in + w->inlen, sizeof(w->in) - w->inlen);
	char *nl;

	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return 0;
		close(w->fd);
		w->fd = -1;
		w->live = false;
		w->dirty = true;
		return 0;
	}
	w->inlen += (size_t)n;
	while ((nl = memchr(w->in, '\n', w->inlen)) != NULL) {
		size_t len = (size_t)(nl - w->in) + 1;

		if (watch_line(w, w->in, len) != 0)
			return -1;
		memmove(w->in, w->in + len, w->inlen - len);
		w->inlen -= len;
	}
	if (w->inlen == sizeof(w->in)) /* no line is this long */
		w->inlen = 0;
	return 0;
}

static bool
was_changed(const struct watch *w, const char *id)
{
	for (size_t i = 0; i < w->nchanged; i++)
		if (strcmp(w->changed[i], id) == 0)
			return true;
	return false;
}

static void
window(int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* The screen's last line: what is shown, and how live it is. */
static void
status_line(FILE *out, const struct watch *w, const struct queue_page *pg,
	    const char *err)
{
	if (err != NULL)
		fprintf(out, "NOT LIVE: %s; trying again.", err);
	else if (w->fd < 0)
		fprintf(out, "NOT LIVE: mashd is not reachable; trying again "
			     "each second.");
	else if (!w->live)
		fprintf(out, "NOT LIVE: mashd has lost Redis's notices; "
			     "waiting for them.");
	else
		fprintf(out,
			"live%s. * changed since the last drawing. "
			"q quits.",
			pg->next ? "; more follow below this page" : "");
}

/* Write the drawing: each line cut to the terminal's width. */
static void
paint(const char *text, size_t len, int cols)
{
	const char *p = text, *end = text + len;

	fputs("\033[H\033[2J", stdout);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		fwrite(p, 1, n < (size_t)cols ? n : (size_t)cols, stdout);
		p += n;
		if (nl != NULL) {
			fputs("\r\n", stdout);
			p++;
		}
	}
	fflush(stdout);
}

static void
draw(struct watch *w, struct queue_page *pg)
{
	int rows, cols, limit;
	size_t i, len = 0;
	char *text = NULL;
	const char *err = NULL;
	FILE *out;
	json_t *it;

	window(&rows, &cols);
	limit = rows > 5 ? rows - 4 : 1;
	if (w->fd >= 0 &&
	    queue_fetch(w->x, w->q, pg, w->q->after, limit, true, false) != 0)
		err = pg->error;
	if ((out = open_memstream(&text, &len)) == NULL)
		return;
	if (pg->answer != NULL) {
		queue_counts(out, pg);
		queue_header(out);
		json_array_foreach(pg->items, i, it)
		{
			queue_row(out, pg, it, was_changed(w, str(it, "id")));
		}
	}
	status_line(out, w, pg, err);
	fclose(out);
	paint(text, len, cols);
	free(text);
	w->nchanged = 0;
	w->dirty = false;
	w->drawn_at = mono_ms();
}

/* How long poll() may sleep before something is due. */
static int
wait_ms(const struct watch *w)
{
	int64_t now = mono_ms(), due = w->drawn_at + REREAD_MS;

	if (w->dirty)
		due = w->drawn_at + REDRAW_MIN_MS;
	if (w->fd < 0 && w->tried_at + RECONNECT_MS < due)
		due = w->tried_at + RECONNECT_MS;
	return due <= now ? 0 : (int)(due - now);
}

/* A key: q, or Ctrl-C should the terminal pass it as a byte. */
static bool
key_quits(void)
{
	ssize_t n;
	char ch;

	if ((n = read(STDIN_FILENO, &ch, 1)) == 1)
		return ch == 'q' || ch == 'Q' || ch == 3 || ch == 4;
	return n == 0 || (errno != EINTR && errno != EAGAIN);
}

static int
watch_loop(struct watch *w)
{
	struct queue_page pg = {0};
	char why[256];
	int rc = 0;

	draw(w, &pg);
	while (!stop_now) {
		struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0},
				      {w->fd, POLLIN, 0}};
		int n = poll(p, w->fd >= 0 ? 2 : 1, wait_ms(w));

		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP)) && key_quits())
			break;
		if (n > 0 && w->fd >= 0 &&
		    (p[1].revents & (POLLIN | POLLHUP)) &&
		    (rc = watch_read(w)) != 0)
			break;
		if (resized) {
			resized = 0;
			w->dirty = true;
		}
		if (w->fd < 0 && mono_ms() - w->tried_at >= RECONNECT_MS)
			watch_open(w, why, sizeof(why));
		if (mono_ms() - w->drawn_at >=
		    (w->dirty ? REDRAW_MIN_MS : REREAD_MS))
			draw(w, &pg);
	}
	json_decref(pg.answer);
	if (w->fd >= 0)
		close(w->fd);
	tty_restore();
	return rc ? EXIT_REFUSED : 0;
}

static int
queue_watch(struct ctx *x, const struct queue_opts *q)
{
	struct watch w = {0};
	char why[256];

	w.x = x;
	w.q = q;
	w.fd = -1;
	if (x->json || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "mashctl: --watch draws on a terminal, and "
				"takes no --json\n");
		return EXIT_USAGE;
	}
	if (watch_open(&w, why, sizeof(why)) != 0) {
		fprintf(stderr, "mashctl: %s\n", why);
		return EXIT_UNREACHABLE;
	}
	if (tty_setup() != 0) {
		fprintf(stderr, "mashctl: cannot set up the terminal: %s\n",
			strerror(errno));
		close(w.fd);
		return EXIT_USAGE;
	}
	return watch_loop(&w);
}

/* queue [--watch] [options]: the table, JSON, or the live view. */
int
cmd_queue(struct ctx *x, int argc, char **argv)
{
	struct queue_opts q = {0};
	bool watch;

	if (queue_parse(x, argc, argv, &q, &watch) != 0)
		return EXIT_USAGE;
	return watch ? queue_watch(x, &q) : queue_show(x, &q);
}
