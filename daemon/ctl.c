/*
 * ctl.c owns the control socket's transport; see ctl.h. Each connection
 * reads one JSON request per line and answers one JSON line, in order:
 * reading pauses while a request waits for Redis, so answers never
 * overtake each other. The commands themselves are ctl_cmd.c's and
 * ctl_alerts.c's, with ctl_args.c's helpers; the role table is roles.c's.
 *
 * The caller is who the kernel says it is (SO_PEERCRED, SO_PEERGROUPS,
 * ctl_admit.c), never who the request claims to be; its uid goes into
 * every audit event it causes, and its roles (roles.* of the
 * configuration) say which commands it may run. Roles are resolved into a table
 * at start and on SIGHUP (ctl_roles_load, roles.h): no name-service call is
 * ever made on a request's path, where a slow sssd or LDAP would stall the
 * event loop.
 *
 * No client can take the socket from the others: a connection is read
 * only while less than CTL_OUT_MAX of its answers wait unsent; one idle
 * (or not reading) for control.idle_timeout is closed; one user holds at
 * most control.max_per_uid connections, and the last slots of
 * control.max_connections are kept for root and the admins.
 *
 * Invariant: a connection is freed only when no request of it waits for
 * Redis (c->busy is false), so a store callback never finds its
 * connection gone; and, after the client's EOF, only once every request
 * it sent has been answered and the answers written.
 */
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <jansson.h>

#include "mash/config.h"
#include "mash/protocol.h"

#include "ctl.h"
#include "ctl_int.h"
#include "lifecycle.h"
#include "log.h"
#include "roles.h"
#include "store.h"

static void conn_read(struct bufferevent *bev, void *arg);

/* The answers are all written, or never will be (lost: the client has
 * gone): a stop may go on. */
static void
conn_sent(struct ctl_conn *c, bool lost)
{
	if (!c->unsent)
		return;
	c->unsent = false;
	(lost ? lifecycle_lose_reply
	      : lifecycle_release_reply)(c->ctl->d->life);
}

static void
conn_free(struct ctl_conn *c)
{
	if (c->gone != NULL)
		c->gone(c);
	conn_sent(c, c->dead);
	LIST_REMOVE(c, entry);
	c->ctl->nconns--;
	bufferevent_free(c->bev);
	json_decref(c->req);
	free(c->gids);
	free(c);
}

/* Free the connection once it is done: idle, no more requests to read,
 * and every answer written (or unwritable). Else conn_write or
 * ctl_done call again. */
void
conn_maybe_free(struct ctl_conn *c)
{
	if (c->busy || !c->eof)
		return;
	if (c->dead || evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

void
ctl_send_text(struct ctl_conn *c, const char *text, size_t len)
{
	if (c->dead || c->abandoned)
		return;
	bufferevent_write(c->bev, text, len);
	bufferevent_write(c->bev, "\n", 1);
	if (!c->unsent) {
		c->unsent = true;
		lifecycle_hold_reply(c->ctl->d->life);
	}
}

void
ctl_send(struct ctl_conn *c, json_t *o)
{
	static const char oom[] = "{\"ok\":false,\"error\":\"out of memory\"}";
	char *text = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	ctl_send_text(c, text ? text : oom, text ? strlen(text) : strlen(oom));
	free(text);
}

void
ctl_error(struct ctl_conn *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_mend(msg);
	ctl_send(c, json_pack("{sbss}", "ok", 0, "error", msg));
}

/* A request has been answered: read the next one, or free a done conn. */
static void
request_finish(struct ctl_conn *c)
{
	c->busy = false;
	c->abandoned = false;
	json_decref(c->req);
	c->req = NULL;
	if (!c->dead) {
		if (!c->eof && !c->paused)
			bufferevent_enable(c->bev, EV_READ);
		conn_read(c->bev, c); /* lines that arrived meanwhile */
	}
	conn_maybe_free(c);
}

void
ctl_done(struct ctl_conn *c)
{
	if (c->held) {
		c->held = false;
		lifecycle_release(c->ctl->d->life);
	}
	request_finish(c);
}

void
ctl_wait(struct ctl_conn *c, bool hold)
{
	c->busy = true;
	if (hold) {
		c->held = true;
		lifecycle_hold(c->ctl->d->life);
	}
	bufferevent_disable(c->bev, EV_READ);
}

int
ctl_call(struct ctl_conn *c, enum store_script s, json_t *args,
	 store_json_cb *cb)
{
	if (args == NULL) { /* out of memory, or a string not UTF-8 */
		ctl_error(c, "nothing was done: the request cannot be put "
			     "into JSON for the store");
		return -1;
	}
	if (store_call_json(c->ctl->d->store, s, args, cb, c) != 0) {
		ctl_error(c, "the referral store is unreachable; try again");
		return -1;
	}
	ctl_wait(c, true);
	return 0;
}

const json_t *
ctl_request(const struct ctl_conn *c)
{
	return c->req;
}

const char *
ctl_arg(const struct ctl_conn *c, const char *key)
{
	return json_string_value(json_object_get(c->req, key));
}

const char *
ctl_actor(const struct ctl_conn *c)
{
	return c->actor;
}

struct mashd *
ctl_daemon(const struct ctl_conn *c)
{
	return c->ctl->d;
}

unsigned
ctl_roles(const struct ctl_conn *c)
{
	return roles_of(c->ctl->roles, c->uid, c->gid, c->gids, c->ngids);
}

/* At start and on SIGHUP: never on a request's path (roles.h). */
void
ctl_roles_load(struct ctl *ctl)
{
	roles_free(ctl->roles);
	ctl->roles = roles_load(ctl->d->conf);
}

static const struct ctl_command *
find_command(const struct ctl *ctl, const char *name)
{
	for (size_t i = 0; name != NULL && i < ctl->ncmds; i++)
		if (strcmp(name, ctl->cmds[i].name) == 0)
			return &ctl->cmds[i];
	return NULL;
}

/* The caller may run cmd; else refused, logged and answered. */
static bool
permitted(struct ctl_conn *c, const struct ctl_command *cmd)
{
	unsigned have = ctl_roles(c);
	char need[96], mine[96];

	if (have & cmd->roles)
		return true;
	roles_words(cmd->roles, need, sizeof(need));
	roles_words(have, mine, sizeof(mine));
	log_info("control: %s refused %s (roles: %s)", c->actor, cmd->name,
		 mine);
	ctl_error(c,
		  "permission denied: %s needs one of the roles %s; %s has: "
		  "%s",
		  cmd->name, need, c->actor, mine);
	return false;
}

static void
handle_line(struct ctl_conn *c, const char *line, size_t len)
{
	const struct ctl_command *cmd;
	const char *name;
	json_error_t jerr;
	json_int_t v;

	c->req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (c->req == NULL || !json_is_object(c->req)) {
		ctl_error(c, "a request is one JSON object per line");
		goto out;
	}
	v = json_integer_value(json_object_get(c->req, "v"));
	if (v != MASH_PROTOCOL_VERSION) {
		ctl_error(c,
			  "protocol version %lld is not spoken here "
			  "(mashd speaks %d)",
			  (long long)v, MASH_PROTOCOL_VERSION);
		goto out;
	}
	name = ctl_arg(c, "cmd");
	if ((cmd = find_command(c->ctl, name)) == NULL) {
		ctl_error(c, "unknown command \"%s\"", name ? name : "");
		goto out;
	}
	if (!permitted(c, cmd))
		goto out;
	cmd->fn(c);
	if (c->busy)
		return; /* the callback finishes it: ctl_done */
out:
	json_decref(c->req);
	c->req = NULL;
}

/* Are c's answers written down to CTL_OUT_MAX unsent? */
static bool
out_low(const struct ctl_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) <=
	       CTL_OUT_MAX;
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while (!c->busy && !c->dead) {
		/* A client that does not read its answers is not read. */
		if (!out_low(c)) {
			c->paused = true;
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) == NULL)
			break;
		handle_line(c, line, len);
		free(line);
	}
	if (!c->busy && evbuffer_get_length(in) > MASH_CONTROL_MAX_LINE) {
		ctl_error(c, "request line too long");
		bufferevent_disable(bev, EV_READ);
		c->eof = true; /* freed by conn_write once flushed */
	}
}

bool
ctl_gone(const struct ctl_conn *c)
{
	return c->dead || c->abandoned;
}

void
ctl_when_drained(struct ctl_conn *c, ctl_drained_cb *fn, void *arg)
{
	if (c->dead || out_low(c)) {
		fn(c, arg);
		return;
	}
	c->drained = fn;
	c->drained_arg = arg;
}

bool
ctl_drained_now(const struct ctl_conn *c)
{
	return !ctl_gone(c) && out_low(c);
}

/* A stream waits for its pages to be written: it goes on, or, the
 * connection gone, ends. True when it was called: c may be freed. */
static bool
wake_stream(struct ctl_conn *c)
{
	ctl_drained_cb *fn = c->drained;

	if (fn == NULL)
		return false;
	c->drained = NULL;
	fn(c, c->drained_arg);
	return true;
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;

	conn_sent(c, false);
	if (wake_stream(c))
		return;
	if (c->paused) { /* drained: read again */
		c->paused = false;
		if (!c->busy && !c->eof && !c->dead)
			bufferevent_enable(bev, EV_READ);
		conn_read(bev, c);
	}
	conn_maybe_free(c);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *c = arg;

	if (what & (BEV_EVENT_TIMEOUT | BEV_EVENT_ERROR)) {
		/* Idle, or its answers unread, for control.idle_timeout; or
		 * the socket erred. What is unsent never will be written. */
		if (what & BEV_EVENT_TIMEOUT)
			log_debug("control: %s idle: closed", c->actor);
		c->dead = true;
		c->eof = true;
		conn_sent(c, true);
		if (!wake_stream(c))
			conn_maybe_free(c);
	} else if (what & BEV_EVENT_EOF) {
		/* Half-closed: answer what was sent, then go. */
		c->eof = true;
		conn_read(bev, c);
		conn_maybe_free(c);
	}
}

static void
set_actor(struct ctl_conn *c, uid_t uid)
{
	const char *name = roles_user_name(c->ctl->roles, uid);

	c->uid = uid;
	if (name != NULL)
		snprintf(c->actor, sizeof(c->actor), "uid:%u(%s)",
			 (unsigned)uid, name);
	else
		snprintf(c->actor, sizeof(c->actor), "uid:%u", (unsigned)uid);
}

static void
ctl_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
	   int salen, void *arg)
{
	struct ctl *ctl = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct timeval idle;
	struct ctl_conn *c;
	gid_t *gids;
	size_t ngids;

	(void)lev;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if (!ctl_admit(ctl, fd, &cred, &gids, &ngids))
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		free(gids);
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->pid = cred.pid;
	c->gid = cred.gid;
	c->gids = gids;
	c->ngids = ngids;
	set_actor(c, cred.uid);
	c->bev =
	    bufferevent_socket_new(ctl->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c->gids);
		free(c);
		return;
	}
	ctl->nconns++;
	LIST_INSERT_HEAD(&ctl->conns, c, entry);
	/* Silent, or not reading its answers, this long: closed. */
	idle.tv_sec = ctl->d->conf->control.idle_timeout;
	idle.tv_usec = 0;
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/*
 * A socket file may be left by a mashd that died. Probe it: if a daemon
 * answers, refuse to start rather than steal its socket; else remove it.
 */
static int
ctl_probe(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int alive;

	if (fd < 0)
		return -1;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (alive) {
		log_warnx("control: another mashd answers on %s",
			  sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) != 0 && errno != ENOENT) {
		log_warn("control: cannot remove %s", sun->sun_path);
		return -1;
	}
	return 0;
}

struct ctl *
ctl_new(struct mashd *d, const struct ctl_command *cmds, size_t ncmds)
{
	const char *path = d->conf->control.socket;
	struct sockaddr_un sun;
	struct ctl *ctl;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control: socket path %s is too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if (ctl_probe(&sun) != 0)
		return NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("control: socket");
		return NULL;
	}
	/* Owner and group only: roles refine this, the mode bounds it. */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		log_warn("control: cannot bind %s", path);
		close(fd);
		return NULL;
	}
	umask(old);
	/* Who may connect at all: roles then say what each caller may do. */
	if (d->conf->control.group != NULL) {
		struct group gr, *grr = NULL;
		char buf[2048];

		if (getgrnam_r(d->conf->control.group, &gr, buf, sizeof(buf),
			       &grr) != 0 ||
		    grr == NULL || chown(path, (uid_t)-1, gr.gr_gid) != 0) {
			log_warn("control: cannot give %s to group %s", path,
				 d->conf->control.group);
			close(fd);
			unlink(path);
			return NULL;
		}
	}
	if (chmod(path, (mode_t)d->conf->control.mode) != 0) {
		log_warn("control: chmod %s", path);
		close(fd);
		unlink(path);
		return NULL;
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		close(fd);
		return NULL;
	}
	ctl->d = d;
	LIST_INIT(&ctl->conns);
	ctl->cmds = cmds;
	ctl->ncmds = ncmds;
	ctl_roles_load(ctl);
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->lev = evconnlistener_new(
	    d->base, ctl_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (ctl->lev == NULL) {
		log_warn("control: listen on %s", path);
		close(fd);
		unlink(path);
		free(ctl);
		return NULL;
	}
	log_info("control: listening on %s", path);
	return ctl;
}

void
ctl_stop_accepting(struct ctl *ctl)
{
	if (ctl != NULL && ctl->lev != NULL) {
		evconnlistener_free(ctl->lev);
		ctl->lev = NULL;
		unlink(ctl->path);
	}
}

void
ctl_free(struct ctl *ctl)
{
	struct ctl_conn *c, *next;

	if (ctl == NULL)
		return;
	ctl_stop_accepting(ctl);
	/* Clients still connected at exit: their answers were all sent (a
	 * stop waits for that), so only the sockets are left to close. A
	 * connection waiting for Redis is left: its callback still runs. */
	for (c = LIST_FIRST(&ctl->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->drained !=
		    NULL) { /* a stream its client stopped reading */
			c->dead = true;
			c->eof = true;
			wake_stream(c); /* it ends: c is freed */
		} else if (!c->busy) {
			conn_free(c);
		}
	}
	roles_free(ctl->roles);
	free(ctl);
}
