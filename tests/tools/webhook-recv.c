/*
 * webhook-recv: a local HTTP receiver for the integration tests, on
 * evhttp like mashd itself. It records every request it gets and answers
 * with the status written in STATUSFILE (200 when there is none).
 *
 * usage: webhook-recv PORTFILE DIR STATUSFILE
 * Writes the port it listens on (127.0.0.1, chosen by the kernel) to
 * PORTFILE; each request becomes DIR/N.hdr (its headers, "Name: value")
 * and DIR/N.body. Runs until killed.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

struct recv {
	const char *dir;
	const char *statusfile;
	int n;
};

static void
handle(struct evhttp_request *req, void *arg)
{
	struct recv *r = arg;
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evkeyval *kv;
	char path[4096], tmp[4200];
	int status = 200;
	FILE *f;

	if ((f = fopen(r->statusfile, "r")) != NULL) {
		if (fscanf(f, "%d", &status) != 1)
			status = 200;
		fclose(f);
	}
	r->n++;
	snprintf(path, sizeof(path), "%s/%d.hdr", r->dir, r->n);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "Request: %s\n", evhttp_request_get_uri(req));
		fprintf(f, "Status-Sent: %d\n", status);
		for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next)
			fprintf(f, "%s: %s\n", kv->key, kv->value);
		fclose(f);
	}
	/* The body last, renamed into place: its presence means complete. */
	snprintf(path, sizeof(path), "%s/%d.body", r->dir, r->n);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) != NULL) {
		fwrite(evbuffer_pullup(in, -1), 1, evbuffer_get_length(in), f);
		fclose(f);
		rename(tmp, path);
	}
	evhttp_send_reply(req, status, status < 300 ? "OK" : "Failing", NULL);
}

int
main(int argc, char **argv)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	struct evhttp_bound_socket *s;
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(sin);
	struct recv r = {NULL, NULL, 0};
	FILE *f;

	if (argc != 4 || http == NULL) {
		fprintf(stderr,
			"usage: webhook-recv PORTFILE DIR STATUSFILE\n");
		return 2;
	}
	r.dir = argv[2];
	r.statusfile = argv[3];
	evhttp_set_gencb(http, handle, &r);
	if ((s = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0)) ==
		NULL ||
	    getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sin,
			&len) != 0) {
		perror("webhook-recv: listen");
		return 1;
	}
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	fclose(f);
	event_base_dispatch(base);
	return 0;
}
