/*
 * ctl_int.h: the control socket's connections, inside: for ctl.c,
 * ctl_admit.c, which decides who may connect, ctl_watch.c, which writes
 * notices to the connections that watch the queue, and ctl_stop.c, which
 * answers them at the end of a stop's grace.
 * No other file sees them.
 */
#ifndef MASHD_CTL_INT_H
#define MASHD_CTL_INT_H

#include <stdbool.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <jansson.h>

#include "ctl.h"

/* Answers unsent past which a connection is no longer read. */
#define CTL_OUT_MAX (1024 * 1024)
struct ctl {
	struct mashd *d;
	struct evconnlistener *lev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned nconns;
	LIST_HEAD(, ctl_conn) conns; /* every open connection, for ctl_free */
	const struct ctl_command *cmds;
	size_t ncmds;
	struct roles *roles; /* the role table: ctl_roles_load */
	time_t refused_at;   /* the last refusal logged, and those since */
	unsigned refused;
};

struct ctl_conn {
	struct ctl *ctl;
	LIST_ENTRY(ctl_conn) entry; /* in ctl->conns */
	struct bufferevent *bev;
	uid_t uid;
	gid_t gid;
	gid_t *gids; /* the peer's groups, as the kernel gave them */
	size_t ngids;
	pid_t pid;
	char actor[96]; /* "uid:1000(alice)" */
	bool busy;	/* a request is waiting for Redis */
	bool eof;	/* no more requests will be read */
	bool dead;	/* the socket erred: nothing can be written */
	bool abandoned; /* answered at a stop's grace: the request's own
			 * answer, when it comes, is not sent */
	bool unsent;	/* an answer is not all written: a reply held */
	bool held;	/* the request waiting holds work in flight */
	bool paused;	/* not read until its answers are written */
	json_t *req;	/* the request being answered */
	/* A stream (ctl_when_drained) waits for its answers to be written. */
	ctl_drained_cb *drained;
	void *drained_arg;
	/* Told as it closes (ctl_watch.c sets it on a watcher), so ctl.c
	 * calls nothing of the modules above it. */
	void (*gone)(struct ctl_conn *c);
	/* Answers the request waiting at the end of a stop's grace, when
	 * its command set one (ctl_on_abandon); else ctl_stop.c does. */
	void (*abandon)(void *arg);
	void *abandon_arg;
};

/* Free the connection once it is done (ctl.c). */
void conn_maybe_free(struct ctl_conn *c);

/*
 * May the peer on fd, as the kernel gave it, open a control connection
 * (ctl_admit.c)? True with *gids (*ngids of them) its groups, for the
 * caller to keep and free; false when refused, fd then answered with why
 * and closed.
 */
bool ctl_admit(struct ctl *ctl, evutil_socket_t fd, const struct ucred *cred,
	       gid_t **gids, size_t *ngids);

#endif
