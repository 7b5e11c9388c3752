/*
 * mashctl_stream.c: a request whose answer is many lines, one a page
 * (queue with "stream": mashd's ctl_queue_stream.c), read on one
 * connection as mashd writes them: mashctl holds one line at a time, and
 * mashd sends the next page only once mashctl has read the pages before.
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

/* A line that is no page: mashd's refusal, or what it cannot read. */
static int
not_a_page(const char *line, size_t len)
{
	json_error_t jerr;
	json_t *a = json_loadb(line, len, 0, &jerr);
	const char *e = json_string_value(json_object_get(a, "error"));
	const char *o = json_string_value(json_object_get(a, "outcome"));
	int rc = EXIT_REFUSED;

	if (a == NULL) {
		rc = stream_unreadable(jerr.text);
	} else if (json_is_false(json_object_get(a, "ok"))) {
		fprintf(stderr, "mashctl: %s\n", e ? e : "refused");
		/* mashd stopped before Redis answered: no refusal */
		if (o != NULL && strcmp(o, "unknown") == 0)
			rc = EXIT_UNKNOWN;
	} else
		rc = stream_unreadable("not a page");
	json_decref(a);
	return rc;
}

int
request_stream(struct ctx *x, json_t *req, stream_page_fn *page, void *arg)
{
	int fd = connect_mashd(x);
	FILE *in;
	char *line = NULL;
	size_t cap = 0, start = strlen(STREAM_PAGE_START);
	ssize_t len;
	int rc = -1;

	send_request(fd, req);
	if ((in = fdopen(fd, "r")) == NULL) {
		perror("mashctl");
		exit(EXIT_UNREACHABLE);
	}
	while ((len = getline(&line, &cap, in)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		/* A page is read as it is printed (the caller checks its
		 * items one by one); any other line is read whole. */
		if ((size_t)len >= start &&
		    memcmp(line, STREAM_PAGE_START, start) == 0)
			rc = page(line, (size_t)len, arg);
		else
			rc = not_a_page(line, (size_t)len);
		if (rc >= 0)
			break;
	}
	if (rc < 0) {
		fprintf(stderr, "mashctl: mashd closed the connection before "
				"the last page: the list is cut\n");
		rc = EXIT_UNREACHABLE;
	}
	free(line);
	fclose(in);
	return rc;
}
