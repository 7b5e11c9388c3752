/*
 * spool.c owns the secure-mail channel; see spool.h.
 *
 * One message at a time: a scan of new/ gives a sorted batch of names;
 * each is read, parsed (mail.c: bounded in size and nesting), and sent to
 * Redis by one script call (intake's submit, confirm, or
 * spool_quarantine); only its callback moves the file (maildir.c moves
 * files and remembers the stuck ones). So:
 *
 * Invariants:
 * - A file leaves new/ only by rename(2) without replace, into cur/ after
 *   Redis stored or linked it, or into the quarantine after Redis audited
 *   the quarantine and queued the alert. Nothing is unlinked, ever.
 * - A failed call leaves the file in new/ and pauses the spool (backoff);
 *   while Redis is unreachable nothing is parsed or moved.
 * - A file that Redis took but that cannot be moved (its rename into cur/
 *   or the quarantine fails) is stuck: it stays in new/ and is passed
 *   over with a backoff of its own (sp->stuck), while the others flow.
 *   The table is capped (MAILDIR_STUCK_MAX); an entry goes when its file
 *   leaves new/. Past the cap the spool pauses as a whole, as above.
 * - A quarantine is audited and alerted once per file: the script keys it
 *   by a SHA-256 of the file's name and bytes (spool_name_key), so a
 *   stuck file tried again raises nothing new. No file name is ever part
 *   of a key.
 * - A referral's idempotency key is the SHA-256 of its file: a file left
 *   in new/ after Redis stored it is answered from it, never stored twice.
 * - At most one message is in flight (sp->busy).
 *
 * Logs, audit details, alerts and sidecars carry the file name (made
 * printable), references, field names and the parse problem: never what
 * the message says about a child.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "mash/config.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "clock.h"
#include "intake.h"
#include "lifecycle.h"
#include "log.h"
#include "mail.h"
#include "maildir.h"
#include "spool.h"
#include "store.h"

#define SPOOL_BATCH 64 /* names taken from one scan of new/ */
#define SPOOL_BACKOFF_MIN_MS 1000
#define SPOOL_BACKOFF_MAX_MS 30000
struct spool {
	struct mashd *d;
	char *dir;
	char *quarantine;
	int dirfd, newfd, curfd, quarfd;
	DIR *newdir; /* over a dup of newfd, rewound for each scan */
	int watchfd; /* inotify on new/, or -1: polling only */
	struct event *ev_watch;
	struct event *ev_tick; /* every spool.poll_ms */
	struct event *ev_next; /* take the next message, from the loop */
	size_t max_size;
	char *batch[SPOOL_BATCH];
	size_t nbatch, ibatch;
	struct msg *busy;
	int backoff_ms;	   /* 0, or the pause after a failed call */
	int64_t resume_at; /* monotonic ms */
	bool held;	   /* Redis unreachable, messages waiting: said so */
	bool starting;	   /* Redis not reached yet since the start */
	struct maildir_stuck stuck; /* files in new/ that could not move */
};

/* One message being taken. */
struct msg {
	struct spool *sp;
	char name[NAME_MAX + 1]; /* in new/, as it is */
	char safe[NAME_MAX + 1]; /* printable, for logs, audit, alerts */
	char actor[NAME_MAX + 8];
	char link[NAME_MAX + 8]; /* "email:<safe>" */
	struct mail mail;	 /* what it says, or why it cannot be taken */
	char key[INTAKE_KEY_OF_LEN];	  /* "mail-" and the file's SHA-256 */
	char name_key[INTAKE_KEY_OF_LEN]; /* see spool_name_key() */
	int64_t now;
};

static void spool_run(struct spool *sp);

/* ---- files ----------------------------------------------------------- */

/* The sidecar: why a quarantined message is there. */
static void
write_why(struct msg *m, const char *final)
{
	struct spool *sp = m->sp;
	char why[NAME_MAX + 8], iso[MASH_TIME_BUFSZ], text[1536];
	int fd, n;

	if ((size_t)snprintf(why, sizeof(why), "%s.why", final) >=
		sizeof(why) ||
	    strlen(why) > NAME_MAX) {
		log_warnx("spool: %s: the name is too long for a sidecar; "
			  "the reason is in the audit trail",
			  m->safe);
		return;
	}
	n = snprintf(text, sizeof(text),
		     "Quarantined by mashd at %s.\n"
		     "Reason: %s.\n"
		     "The message is kept here as it arrived in new/; nothing "
		     "was stored.\n"
		     "If it is a referral, enter it with \"mashctl referral "
		     "new\".\n",
		     mash_time_format(m->now, iso), m->mail.reason);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = (int)strlen(text);
	/* O_EXCL: move_noreplace chose a name whose sidecar is free. */
	fd = openat(sp->quarfd, why,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, text, (size_t)n) != n || fsync(fd) != 0)
		log_warn("spool: cannot write the sidecar of %s", m->safe);
	if (fd >= 0)
		close(fd);
}

static void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	if (m->sp->busy == m)
		m->sp->busy = NULL;
	mail_clear(&m->mail);
	free(m);
}

/* Done with this one: the next, from the loop. */
static void
msg_done(struct msg *m, bool ok)
{
	struct spool *sp = m->sp;
	struct timeval now = {0, 0};

	if (ok) {
		sp->backoff_ms = 0;
		maildir_stuck_forget(&sp->stuck, m->name);
	}
	msg_free(m);
	evtimer_add(sp->ev_next, &now);
}

/* Redis did not take it: it stays in new/, and the spool pauses. */
static void
msg_retry(struct msg *m, const char *err)
{
	struct spool *sp = m->sp;

	sp->backoff_ms =
	    sp->backoff_ms == 0 ? SPOOL_BACKOFF_MIN_MS : sp->backoff_ms * 2;
	if (sp->backoff_ms > SPOOL_BACKOFF_MAX_MS)
		sp->backoff_ms = SPOOL_BACKOFF_MAX_MS;
	sp->resume_at = clock_mono_ms() + sp->backoff_ms;
	sp->ibatch = sp->nbatch; /* scan afresh when it resumes */
	log_warnx("spool: %s stays in new/: %s; trying again in %d ms", m->safe,
		  err, sp->backoff_ms);
	msg_done(m, false);
}

/*
 * Redis took it but it cannot be moved: it stays in new/ and is passed
 * over, with a backoff of its own, while the other messages flow. Past
 * MAILDIR_STUCK_MAX such files the spool pauses as a whole (msg_retry).
 */
static void
msg_stuck(struct msg *m, const char *err)
{
	int ms = maildir_stuck_add(&m->sp->stuck, m->name, clock_mono_ms());

	if (ms < 0) {
		msg_retry(m, err);
		return;
	}
	log_warnx("spool: %s stays in new/: %s; passed over for %d s while "
		  "other messages go on",
		  m->safe, err, ms / 1000);
	msg_done(m, false); /* the spool's own backoff stands, if any */
}

static void
sync_dirs(struct spool *sp, int to)
{
	if (fsync(to) != 0 || fsync(sp->newfd) != 0)
		log_warn("spool: fsync of the spool directories");
}

/* Filed, or gone already: true. False: it stays in new/ (logged). */
static bool
file_to_cur(struct msg *m, const char *ref, const char *what)
{
	struct spool *sp = m->sp;
	char final[NAME_MAX + 1];
	char base[NAME_MAX + 1];
	char *info;

	/* new/ should hold no maildir info; should one come, replace it. */
	snprintf(base, sizeof(base), "%s", m->name);
	if ((info = strstr(base, ":2,")) != NULL)
		*info = '\0';
	if (maildir_move(sp->newfd, m->name, sp->curfd, base, ":2,S", NULL,
			 final, sizeof(final)) != 0) {
		/* Taken again later, it is answered from Redis and filed. */
		if (errno == ENOENT)
			return true;
		log_warn("spool: %s (%s) cannot move to cur/", m->safe, what);
		return false;
	}
	sync_dirs(sp, sp->curfd);
	log_event(ref, NULL, "spool", "spool: %s %s; filed to cur/", m->safe,
		  what);
	return true;
}

/* ---- Redis ----------------------------------------------------------- */

static void
quarantine_done(const json_t *r, const char *err, void *arg)
{
	struct msg *m = arg;
	struct spool *sp = m->sp;
	struct lifecycle *life = sp->d->life;
	char final[NAME_MAX + 1];

	(void)r;
	if (err != NULL) {
		msg_retry(m, err);
		lifecycle_release(life);
		return;
	}
	if (maildir_move(sp->newfd, m->name, sp->quarfd, m->name, "", ".why",
			 final, sizeof(final)) != 0) {
		if (errno == ENOENT) {
			msg_done(m, true);
		} else {
			log_warn("spool: %s cannot move to %s", m->safe,
				 sp->quarantine);
			msg_stuck(m, "it cannot move to the quarantine");
		}
		lifecycle_release(life);
		return;
	}
	write_why(m, final);
	sync_dirs(sp, sp->quarfd);
	log_event_warnx(NULL, NULL, "quarantine", "spool: %s quarantined: %s",
			m->safe, m->mail.reason);
	msg_done(m, true);
	lifecycle_release(life);
}

static void
call_quarantine(struct msg *m)
{
	struct spool *sp = m->sp;

	lifecycle_hold(sp->d->life);
	if (store_call_json(sp->d->store, SCRIPT_SPOOL_QUARANTINE,
			    json_pack("{ss ss ss sI ss}", "file", m->safe, "id",
				      m->name_key, "reason", m->mail.reason,
				      "at", (json_int_t)m->now, "ref",
				      m->mail.ref),
			    quarantine_done, m) != 0) {
		lifecycle_release(sp->d->life);
		msg_retry(m, "redis is unreachable");
	}
}

static void
submit_done(const struct intake_result *res, void *arg)
{
	struct msg *m = arg;
	char what[64];

	if (res->outcome != INTAKE_STORED && res->outcome != INTAKE_CONFLICT) {
		msg_retry(m, res->err); /* taken again, with its key */
		return;
	}
	/* A conflict: these very bytes were stored, read otherwise then. */
	snprintf(what, sizeof(what), "%s as %s",
		 res->outcome == INTAKE_STORED && !res->replayed
		     ? "stored"
		     : "was stored already",
		 res->id);
	if (file_to_cur(m, res->id, what))
		msg_done(m, true);
	else
		msg_stuck(m, "it cannot move to cur/");
}

static void
call_submit(struct msg *m)
{
	struct intake it;

	it.record = m->mail.record;
	it.channel = channel_names[CHANNEL_EMAIL];
	it.client = channel_names[CHANNEL_EMAIL];
	it.actor = m->actor;
	it.idem = m->key; /* the file's bytes: see the invariants */
	it.now = m->now;
	if (intake_submit(m->sp->d, &it, submit_done, m, NULL) != 0) {
		const char *why = store_refusal(m->sp->d->store);

		msg_retry(m, why ? why : "redis is unreachable");
	}
}

static void
confirm_done(const json_t *r, const char *err, void *arg)
{
	struct msg *m = arg;
	struct lifecycle *life = m->sp->d->life;
	const char *state = json_string_value(json_object_get(r, "state"));
	char what[96], reason[sizeof(m->mail.reason)];

	if (err == NULL && state == NULL)
		err = "odd reply from redis";
	if (err != NULL) {
		msg_retry(m, err);
	} else if (strcmp(state, "none") != 0) {
		snprintf(what, sizeof(what), "%s %s",
			 strcmp(state, "linked") == 0
			     ? "linked to"
			     : "is the written confirmation of",
			 m->mail.ref);
		if (file_to_cur(m, m->mail.ref, what))
			msg_done(m, true);
		else
			msg_stuck(m, "it cannot move to cur/");
	} else if (m->mail.record != NULL) {
		/* No such referral: the message is a referral of its own. */
		log_info("spool: %s names %s, which is no referral; taken as "
			 "a new referral",
			 m->safe, m->mail.ref);
		call_submit(m);
	} else {
		memcpy(reason, m->mail.reason, sizeof(reason));
		if (snprintf(m->mail.reason, sizeof(m->mail.reason),
			     "the subject names %s, which is no referral; "
			     "and %s",
			     m->mail.ref,
			     reason) >= (int)sizeof(m->mail.reason))
			log_debug("spool: %s: the reason is cut", m->safe);
		call_quarantine(m);
	}
	lifecycle_release(life);
}

static void
call_confirm(struct msg *m)
{
	struct spool *sp = m->sp;

	lifecycle_hold(sp->d->life);
	if (store_call_json(
		sp->d->store, SCRIPT_CONFIRM,
		json_pack("{ss ss sI ss ss}", "id", m->mail.ref, "actor",
			  m->actor, "at", (json_int_t)m->now, "how",
			  channel_names[CHANNEL_EMAIL], "link", m->link),
		confirm_done, m) != 0) {
		lifecycle_release(sp->d->life);
		msg_retry(m, "redis is unreachable");
	}
}

/* ---- taking a message ------------------------------------------------ */

/*
 * What keys its quarantine: "name-" and the SHA-256 of the raw name and
 * the bytes' key (empty when unread), so a file tried again is the same,
 * and another message delivered later under a name used before is not.
 */
static void
spool_name_key(struct msg *m)
{
	char buf[NAME_MAX + 1 + INTAKE_KEY_OF_LEN];
	size_t n = strlen(m->name);

	memcpy(buf, m->name, n + 1); /* with its NUL: no name has one */
	memcpy(buf + n + 1, m->key, strlen(m->key));
	intake_key_of("name-", buf, n + 1 + strlen(m->key), m->name_key);
}

/* Read new/<name> and send it on its way. False when there was nothing
 * to take (the file went). */
static bool
spool_take(struct spool *sp, const char *name)
{
	struct msg *m = calloc(1, sizeof(*m));
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd;

	if (m == NULL)
		return false;
	m->sp = sp;
	m->now = clock_now_ms();
	snprintf(m->name, sizeof(m->name), "%s", name);
	maildir_safe_name(name, m->safe, sizeof(m->safe));
	snprintf(m->actor, sizeof(m->actor), "spool:%s", m->safe);
	snprintf(m->link, sizeof(m->link), "email:%s", m->safe);

	fd = openat(sp->newfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		free(m);
		return false;
	}
	if (fd < 0)
		snprintf(m->mail.reason, sizeof(m->mail.reason),
			 "the file cannot be opened (%s)",
			 errno == ELOOP ? "a symbolic link" : strerror(errno));
	else if (fstat(fd, &st) != 0)
		snprintf(m->mail.reason, sizeof(m->mail.reason),
			 "the file cannot be read (%s)", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(m->mail.reason, sizeof(m->mail.reason),
			 "not a regular file");
	else if ((size_t)st.st_size > sp->max_size)
		snprintf(m->mail.reason, sizeof(m->mail.reason),
			 "the message is larger than spool.max_size (%zu "
			 "bytes)",
			 sp->max_size);
	else if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		sp->busy = m;
		msg_retry(m, "out of memory");
		return true;
	}
	if (buf != NULL) {
		ssize_t n;

		while (len < (size_t)st.st_size &&
		       (n = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
			len += (size_t)n;
		if (len < (size_t)st.st_size)
			snprintf(m->mail.reason, sizeof(m->mail.reason),
				 "the file cannot be read whole");
		else
			mail_parse(&m->mail, buf, len,
				   sp->d->conf->http.max_body, m->now);
		intake_key_of("mail-", buf, len, m->key);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	spool_name_key(m);

	sp->busy = m;
	if (m->mail.ref[0] != '\0')
		call_confirm(m);
	else if (m->mail.record != NULL)
		call_submit(m);
	else
		call_quarantine(m);
	return true;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
batch_clear(struct spool *sp)
{
	for (size_t i = 0; i < sp->nbatch; i++)
		free(sp->batch[i]);
	sp->nbatch = sp->ibatch = 0;
}

/* The names in new/, oldest first as maildir names sort, a batch. */
static void
spool_scan(struct spool *sp)
{
	struct dirent *de;
	int64_t now = clock_mono_ms();

	batch_clear(sp);
	maildir_stuck_prune(&sp->stuck, sp->newfd);
	rewinddir(sp->newdir);
	errno = 0;
	/* A stuck file waiting for its next try takes no place in a batch. */
	while (sp->nbatch < SPOOL_BATCH && (de = readdir(sp->newdir)) != NULL)
		if (de->d_name[0] != '.' &&
		    !maildir_stuck_waiting(&sp->stuck, de->d_name, now) &&
		    (sp->batch[sp->nbatch] = strdup(de->d_name)) != NULL)
			sp->nbatch++;
	if (errno != 0)
		log_warn("spool: reading %s/new", sp->dir);
	qsort(sp->batch, sp->nbatch, sizeof(sp->batch[0]), cmp_names);
}

static void
spool_run(struct spool *sp)
{
	if (sp->busy != NULL || lifecycle_draining(sp->d->life))
		return;
	if (sp->backoff_ms > 0 && clock_mono_ms() < sp->resume_at)
		return;
	if (!store_up(sp->d->store)) {
		if (!sp->held && !sp->starting) {
			spool_scan(sp);
			if (sp->nbatch > 0)
				log_warnx("spool: redis is unreachable; "
					  "messages wait in new/");
			sp->held = sp->nbatch > 0;
			batch_clear(sp);
		}
		return;
	}
	if (sp->held)
		log_info("spool: redis is back; taking messages again");
	sp->held = sp->starting = false;
	for (;;) {
		if (sp->ibatch >= sp->nbatch) {
			spool_scan(sp);
			if (sp->nbatch == 0)
				return;
		}
		/* One message per turn of the loop. */
		if (spool_take(sp, sp->batch[sp->ibatch++]))
			return;
	}
}

static void
on_next(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	spool_run(arg);
}

void
spool_kick(struct spool *sp)
{
	if (sp != NULL)
		spool_run(sp);
}

static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	spool_run(arg);
}

/* ---- life ------------------------------------------------------------ */

/* inotify takes a delivery at once; the poll stays as a backstop. */
static void
spool_watch(struct spool *sp)
{
	char path[PATH_MAX];

	if ((sp->watchfd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return;
	snprintf(path, sizeof(path), "%s/new", sp->dir);
	if (inotify_add_watch(sp->watchfd, path,
			      IN_MOVED_TO | IN_CLOSE_WRITE) >= 0)
		sp->ev_watch = event_new(sp->d->base, sp->watchfd,
					 EV_READ | EV_PERSIST, on_watch, sp);
	if (sp->ev_watch != NULL && event_add(sp->ev_watch, NULL) == 0)
		return;
	log_warn("spool: no inotify on %s; polling only", path);
	if (sp->ev_watch != NULL)
		event_free(sp->ev_watch);
	sp->ev_watch = NULL;
	close(sp->watchfd);
	sp->watchfd = -1;
}

struct spool *
spool_new(struct mashd *d)
{
	const struct mash_config *c = d->conf;
	static const char *const subs[] = {"new", "cur", "tmp"};
	struct spool *sp;
	struct timeval poll;
	struct stat a, b;
	int fds[3], dupfd;

	if (c->spool.dir == NULL)
		return NULL;
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		fatalx("spool_new: out of memory");
	sp->d = d;
	sp->max_size = c->spool.max_size;
	sp->dir = strdup(c->spool.dir);
	if (c->spool.quarantine != NULL)
		sp->quarantine = strdup(c->spool.quarantine);
	else if (asprintf(&sp->quarantine, "%s/quarantine", c->spool.dir) < 0)
		sp->quarantine = NULL;
	if (sp->dir == NULL || sp->quarantine == NULL)
		fatalx("spool_new: out of memory");

	if ((sp->dirfd = maildir_open_dir(AT_FDCWD, sp->dir, false)) < 0)
		fatal("spool.dir %s", sp->dir);
	for (int i = 0; i < 3; i++)
		if ((fds[i] = maildir_open_dir(sp->dirfd, subs[i], true)) < 0)
			fatal("spool.dir %s/%s", sp->dir, subs[i]);
	sp->newfd = fds[0];
	sp->curfd = fds[1];
	close(fds[2]); /* tmp/ is the gateway's */
	if ((sp->quarfd = maildir_open_dir(AT_FDCWD, sp->quarantine, true)) < 0)
		fatal("spool.quarantine %s", sp->quarantine);
	/* Messages move by rename(2), never by copy. */
	if (fstat(sp->newfd, &a) != 0 || fstat(sp->quarfd, &b) != 0 ||
	    a.st_dev != b.st_dev)
		fatalx("spool.quarantine %s is not on the file system of "
		       "spool.dir %s: messages are moved, never copied",
		       sp->quarantine, sp->dir);
	if ((dupfd = dup(sp->newfd)) < 0 ||
	    (sp->newdir = fdopendir(dupfd)) == NULL)
		fatal("spool.dir %s/new", sp->dir);

	mail_init();
	sp->ev_next = evtimer_new(d->base, on_next, sp);
	sp->ev_tick = event_new(d->base, -1, EV_PERSIST, on_next, sp);
	if (sp->ev_next == NULL || sp->ev_tick == NULL)
		fatalx("spool_new: out of memory");
	poll.tv_sec = c->spool.poll_ms / 1000;
	poll.tv_usec = (c->spool.poll_ms % 1000) * 1000;
	evtimer_add(sp->ev_tick, &poll);
	spool_watch(sp);
	log_info("spool: taking mail from %s/new every %d ms%s; quarantine "
		 "%s",
		 sp->dir, c->spool.poll_ms,
		 sp->watchfd >= 0 ? " and at once (inotify)" : "",
		 sp->quarantine);
	/* The first run is spool_kick's, once Redis answers. */
	sp->starting = true;
	return sp;
}

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	msg_free(sp->busy);
	batch_clear(sp);
	maildir_stuck_clear(&sp->stuck);
	if (sp->ev_watch != NULL)
		event_free(sp->ev_watch);
	if (sp->watchfd >= 0)
		close(sp->watchfd);
	event_free(sp->ev_tick);
	event_free(sp->ev_next);
	closedir(sp->newdir);
	close(sp->newfd);
	close(sp->curfd);
	close(sp->quarfd);
	close(sp->dirfd);
	mail_shutdown();
	free(sp->dir);
	free(sp->quarantine);
	free(sp);
}
