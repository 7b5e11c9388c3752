/*
 * maildir: the spool's files (SPEC section 2, the mail channel), for
 * spool.c: a maildir's directories opened, a file moved without ever
 * replacing one, a name made printable, and the files of new/ that could
 * not be moved, each passed over with a backoff of its own while the
 * others flow. No Redis and no event loop.
 */
#ifndef MASHD_MAILDIR_H
#define MASHD_MAILDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAILDIR_STUCK_MAX                                                      \
	256 /* stuck files remembered, each with a backoff                     \
	     */
#define MAILDIR_STUCK_MIN_MS 1000
#define MAILDIR_STUCK_MAX_MS 300000

/* A file in new/ whose move failed: not tried again before next_at. */
struct maildir_stuck_file {
	char *name;
	int64_t next_at; /* monotonic ms */
	int backoff_ms;
};

struct maildir_stuck {
	struct maildir_stuck_file files[MAILDIR_STUCK_MAX];
	size_t n;
};

/* A file name as logs and JSON can carry it: bytes outside printable
 * ASCII become '?', so the result still matches the file as a glob. */
void maildir_safe_name(const char *name, char *out, size_t len);
/*
 * Move `from` (in fromfd) to `base`+`info` in tofd, never replacing a
 * file there: a name taken gets ".1", ".2"... before `info`. With
 * `sidecar` (".why"), a name whose sidecar name is taken is passed over
 * too. The name used goes to out. 0, or -1 with errno.
 */
int maildir_move(int fromfd, const char *from, int tofd, const char *base,
		 const char *info, const char *sidecar, char *out,
		 size_t outlen);
/* The directory `path` at `at` (made first with create), or -1. */
int maildir_open_dir(int at, const char *path, bool create);

/* Passed over by a scan: stuck, and its next try (monotonic ms) not due. */
bool maildir_stuck_waiting(struct maildir_stuck *t, const char *name,
			   int64_t now);
/* Forget the files that left dirfd (moved by hand, or by a later try). */
void maildir_stuck_prune(struct maildir_stuck *t, int dirfd);
/* It moved: no longer stuck. */
void maildir_stuck_forget(struct maildir_stuck *t, const char *name);
/* It could not move at `now`: its backoff in ms, doubled from
 * MAILDIR_STUCK_MIN_MS up to MAILDIR_STUCK_MAX_MS; -1 when no more files
 * can be remembered. */
int maildir_stuck_add(struct maildir_stuck *t, const char *name, int64_t now);
void maildir_stuck_clear(struct maildir_stuck *t);

#endif
