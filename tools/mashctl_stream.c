/*
 * mashctl_stream.c: a request whose answer is many lines, pages of them
 * (queue with "stream": mashd's ctl_queue_stream.c), read on one
 * connection as mashd writes them: mashctl holds one line at a time, and
 * mashd sends the next page only once mashctl has read the pages before.
 * A page is a head line {"ok":true,"items":N}, N lines of one item each,
 * and a tail line {"now","zone","sent","next"}, "next" null on the last;
 * an error line {"ok":false,"error"} in a head's place ends the stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "mash/protocol.h"

#include "mashctl.h"

/* A connection to mashd, or exit when it cannot be reached. */
static int
connect_mashd(struct ctx *x)
{
	const char *path = socket_path(x);
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "mashctl: cannot reach mashd at %s: %s\n", path,
			strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
	return fd;
}

/* Send req (taken) and its newline; exit when it cannot be sent. */
static void
send_request(int fd, json_t *req)
{
	char *text;

	json_object_set_new(req, "v", json_integer(MASH_PROTOCOL_VERSION));
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (text == NULL || send(fd, text, strlen(text), MSG_NOSIGNAL) < 0 ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		fprintf(stderr, "mashctl: cannot send to mashd: %s\n",
			text == NULL ? strerror(ENOMEM) : strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
	free(text);
}

int
stream_unreadable(const char *why)
{
	fprintf(stderr, "mashctl: unreadable answer from mashd: %s\n", why);
	return EXIT_UNREACHABLE;
}

/* One line of the answer, its newline taken off: its length, or -1 at
 * the answer's end. A last line without its newline is cut short (mashd
 * closed the connection in the middle of it): the end too. */
static ssize_t
read_line(FILE *in, char **line, size_t *cap)
{
	ssize_t len = getline(line, cap, in);

	if (len <= 0 || (*line)[len - 1] != '\n')
		return -1;
	(*line)[--len] = '\0';
	return len;
}

/* An error line of mashd's (its refusal, or the stream cut short): say
 * it; the exit status. */
static int
said_no(const json_t *a)
{
	const char *e = json_string_value(json_object_get(a, "error"));
	const char *o = json_string_value(json_object_get(a, "outcome"));

	fprintf(stderr, "mashctl: %s\n", e ? e : "refused");
	/* mashd stopped before Redis answered: no refusal */
	return o != NULL && strcmp(o, "unknown") == 0 ? EXIT_UNKNOWN
						      : EXIT_REFUSED;
}

/* A line that should be a page's head: the count of items it announces,
 * or -1 having set *rc: mashd's refusal, or what it cannot read. */
static long long
page_head(const char *line, size_t len, int *rc)
{
	json_error_t jerr;
	json_t *a = json_loadb(line, len, 0, &jerr);
	const json_t *n = json_object_get(a, "items");
	long long items = -1;

	if (a == NULL) {
		*rc = stream_unreadable(jerr.text);
	} else if (json_is_false(json_object_get(a, "ok"))) {
		*rc = said_no(a);
	} else if (!json_is_true(json_object_get(a, "ok")) ||
		   !json_is_integer(n) || json_integer_value(n) < 0) {
		*rc = stream_unreadable("not a page");
	} else
		items = json_integer_value(n);
	json_decref(a);
	return items;
}

/* A page's tail: -1 when a page follows ("next" a cursor), 0 after the
 * last ("next" null), else the exit status, having said why. */
static int
page_tail(const char *line, size_t len)
{
	json_t *tail = json_loadb(line, len, 0, NULL);
	const json_t *next = json_object_get(tail, "next");
	int rc;

	if (json_is_false(json_object_get(tail, "ok")))
		rc = said_no(tail);
	else if (tail == NULL || !(json_is_string(next) || json_is_null(next)))
		rc = stream_unreadable(tail == NULL ? "a page's end" : "next");
	else
		rc = json_is_string(next) ? -1 : 0;
	json_decref(tail);
	return rc;
}

/* An item's line, as mashd writes each (queue_item.c: jansson's compact
 * text of an object, its "id" first, which holds no newline). */
#define ITEM_START "{\"id\":\""

/* One page: its head, its items (each given to item() as mashd wrote
 * it), its tail. -1 when a page follows, -2 when the answer ends before
 * the page does, else the exit status. An item line is taken as mashd's
 * once its frame is right: on a line of its own, an object's braces,
 * its "id" first (no head, tail or error line is taken for one). */
static int
read_page(FILE *in, char **line, size_t *cap, stream_item_fn *item, void *arg)
{
	ssize_t len = read_line(in, line, cap);
	long long n;
	int rc = -1;

	if (len < 0)
		return -2;
	if ((n = page_head(*line, (size_t)len, &rc)) < 0)
		return rc;
	for (; n > 0; n--) {
		if ((len = read_line(in, line, cap)) < 0)
			return -2;
		if ((size_t)len <= strlen(ITEM_START) ||
		    memcmp(*line, ITEM_START, strlen(ITEM_START)) != 0 ||
		    (*line)[len - 1] != '}')
			return stream_unreadable("an item");
		item(*line, (size_t)len, arg);
	}
	if ((len = read_line(in, line, cap)) < 0)
		return -2;
	return page_tail(*line, (size_t)len);
}

int
request_stream(struct ctx *x, json_t *req, stream_item_fn *item, void *arg)
{
	int fd = connect_mashd(x);
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	int rc;

	send_request(fd, req);
	if ((in = fdopen(fd, "r")) == NULL) {
		perror("mashctl");
		exit(EXIT_UNREACHABLE);
	}
	while ((rc = read_page(in, &line, &cap, item, arg)) == -1)
		;
	if (rc == -2) {
		fprintf(stderr, "mashctl: mashd closed the connection before "
				"the last page: the list is cut\n");
		rc = EXIT_UNREACHABLE;
	}
	free(line);
	fclose(in);
	return rc;
}
