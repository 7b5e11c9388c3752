/*
 * ctl_admit.c: who may open a control connection; see ctl_int.h. The
 * peer is who the kernel says (SO_PEERCRED, SO_PEERGROUPS), its roles
 * come from the role table (roles.h), and the limits are control.*:
 * mashd stopping, max_per_uid, and the last slots of max_connections kept
 * for root and the admins. A refusal is one line that says why, then the
 * socket is closed; refusals are logged at most once a second.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mash/config.h"

#include "ctl_int.h"
#include "lifecycle.h"
#include "log.h"
#include "mashd.h"
#include "roles.h"

/* The groups the peer's process holds; none when the kernel cannot say. */
static void
peer_groups(evutil_socket_t fd, gid_t **gids, size_t *ngids)
{
	socklen_t len = 32 * sizeof(gid_t);
	gid_t *g = NULL;

	*gids = NULL;
	*ngids = 0;
#ifdef SO_PEERGROUPS
	for (int tries = 0; tries < 2; tries++) {
		gid_t *ng = realloc(g, len > 0 ? len : sizeof(gid_t));

		if (ng == NULL)
			break;
		g = ng;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
			*gids = g;
			*ngids = len / sizeof(gid_t);
			return;
		}
		if (errno != ERANGE)
			break;
	}
#else
	(void)fd;
	(void)len;
#endif
	free(g);
}

/*
 * Refuse a connection with one line that says why, and log it, at most
 * once a second with the count of those not logged.
 */
static void
refuse(struct ctl *ctl, evutil_socket_t fd, uid_t uid, const char *fmt, ...)
{
	char msg[256], line[320];
	time_t now = time(NULL);
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\"}\n",
		     msg);
	/* A fresh socket's buffer takes it at once: never wait on it. */
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("control: refusal to uid %u unsent", (unsigned)uid);
	shutdown(fd, SHUT_WR);
	close(fd);
	if (now != ctl->refused_at) {
		log_warnx("control: refused uid %u: %s (%u more refused "
			  "since the last warning)",
			  (unsigned)uid, msg, ctl->refused);
		ctl->refused_at = now;
		ctl->refused = 0;
	} else {
		ctl->refused++;
	}
}

/* Root, mashd's own user and the admins take the reserved slots. */
static bool
admitted(struct ctl *ctl, evutil_socket_t fd, uid_t uid, unsigned roles)
{
	const struct mash_config *conf = ctl->d->conf;
	unsigned max = (unsigned)conf->control.max_connections;
	unsigned reserved =
	    (unsigned)CONFIG_CTL_RESERVED(conf->control.max_connections);
	unsigned mine = 0;
	struct ctl_conn *c;

	if (lifecycle_draining(ctl->d->life)) {
		refuse(ctl, fd, uid, "mashd is stopping: try again later");
		return false;
	}
	if (roles & CTL_ROLE(CTL_ADMINS)) {
		if (ctl->nconns < max)
			return true;
		refuse(ctl, fd, uid,
		       "too many control connections "
		       "(control.max_connections = %u)",
		       max);
		return false;
	}
	LIST_FOREACH(c, &ctl->conns, entry)
	{
		mine += c->uid == uid;
	}
	if (mine >= (unsigned)conf->control.max_per_uid) {
		refuse(ctl, fd, uid,
		       "too many control connections for uid %u "
		       "(control.max_per_uid = %d)",
		       (unsigned)uid, conf->control.max_per_uid);
		return false;
	}
	if (ctl->nconns >= max - reserved) {
		refuse(ctl, fd, uid,
		       "too many control connections (control.max_connections "
		       "= %u, the last %u kept for root and admins)",
		       max, reserved);
		return false;
	}
	return true;
}

bool
ctl_admit(struct ctl *ctl, evutil_socket_t fd, const struct ucred *cred,
	  gid_t **gids, size_t *ngids)
{
	peer_groups(fd, gids, ngids);
	if (admitted(ctl, fd, cred->uid,
		     roles_of(ctl->roles, cred->uid, cred->gid, *gids, *ngids)))
		return true;
	free(*gids);
	*gids = NULL;
	return false;
}
