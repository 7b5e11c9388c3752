/*
 * maildir.c owns the spool's files as files; see maildir.h. Nothing is
 * ever replaced or unlinked: a move is rename(2) without replace (or
 * link(2), which never replaces, where the file system lacks it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "maildir.h"

/* A file name as logs and JSON can carry it: bytes outside printable
 * ASCII become '?', so the result still matches the file as a glob. */
void
maildir_safe_name(const char *name, char *out, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		out[i] = name[i] >= ' ' && name[i] <= '~' ? name[i] : '?';
	out[i] = '\0';
}

/*
 * Move `from` (in fromfd) to `base`+`info` in tofd, never replacing a
 * file there: a name taken gets ".1", ".2"... before `info`. With
 * `sidecar` (".why"), a name whose sidecar name is taken is passed over
 * too, so a sidecar never lands on another file. The name used goes to
 * out. 0, or -1 with errno.
 */
int
maildir_move(int fromfd, const char *from, int tofd, const char *base,
	     const char *info, const char *sidecar, char *out, size_t outlen)
{
	for (int i = 0; i < 1000; i++) {
		int n = i == 0
			    ? snprintf(out, outlen, "%s%s", base, info)
			    : snprintf(out, outlen, "%s.%d%s", base, i, info);

		if (n < 0 || (size_t)n >= outlen || n > NAME_MAX) {
			if (info[0] != '\0') { /* drop the maildir info */
				info = "";
				i = -1;
				continue;
			}
			errno = ENAMETOOLONG;
			return -1;
		}
		if (sidecar != NULL) {
			char side[NAME_MAX + 8];

			snprintf(side, sizeof(side), "%s%s", out, sidecar);
			if (faccessat(tofd, side, F_OK, AT_SYMLINK_NOFOLLOW) ==
			    0)
				continue;
		}
		if (renameat2(fromfd, from, tofd, out, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EINVAL || errno == ENOSYS) {
			/* No RENAME_NOREPLACE here: link(2) never replaces. */
			if (linkat(fromfd, from, tofd, out, 0) == 0) {
				if (unlinkat(fromfd, from, 0) != 0)
					log_warn("spool: %s is in two "
						 "directories",
						 out);
				return 0;
			}
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* Open (and make, with create) a directory at `at`; -1 with errno. */
int
maildir_open_dir(int at, const char *path, bool create)
{
	int fd;

	if (create && mkdirat(at, path, 0750) != 0 && errno != EEXIST)
		return -1;
	fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd;
}

/* ---- files that could not move -------------------------------------- */

static struct maildir_stuck_file *
stuck_find(struct maildir_stuck *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->files[i].name, name) == 0)
			return &t->files[i];
	return NULL;
}

static void
stuck_drop(struct maildir_stuck *t, struct maildir_stuck_file *f)
{
	free(f->name);
	*f = t->files[--t->n];
}

bool
maildir_stuck_waiting(struct maildir_stuck *t, const char *name, int64_t now)
{
	const struct maildir_stuck_file *f = stuck_find(t, name);

	return f != NULL && now < f->next_at;
}

void
maildir_stuck_prune(struct maildir_stuck *t, int dirfd)
{
	struct stat st;

	for (size_t i = 0; i < t->n;)
		if (fstatat(dirfd, t->files[i].name, &st,
			    AT_SYMLINK_NOFOLLOW) != 0 &&
		    errno == ENOENT)
			stuck_drop(t, &t->files[i]);
		else
			i++;
}

void
maildir_stuck_forget(struct maildir_stuck *t, const char *name)
{
	struct maildir_stuck_file *f = stuck_find(t, name);

	if (f != NULL)
		stuck_drop(t, f);
}

int
maildir_stuck_add(struct maildir_stuck *t, const char *name, int64_t now)
{
	struct maildir_stuck_file *f = stuck_find(t, name);

	if (f == NULL) {
		if (t->n == MAILDIR_STUCK_MAX ||
		    (t->files[t->n].name = strdup(name)) == NULL)
			return -1;
		f = &t->files[t->n++];
		f->backoff_ms = 0;
	}
	f->backoff_ms =
	    f->backoff_ms == 0 ? MAILDIR_STUCK_MIN_MS : f->backoff_ms * 2;
	if (f->backoff_ms > MAILDIR_STUCK_MAX_MS)
		f->backoff_ms = MAILDIR_STUCK_MAX_MS;
	f->next_at = now + f->backoff_ms;
	return f->backoff_ms;
}

void
maildir_stuck_clear(struct maildir_stuck *t)
{
	while (t->n > 0)
		stuck_drop(t, &t->files[0]);
}
