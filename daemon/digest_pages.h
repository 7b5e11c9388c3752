/*
 * digest_pages: what the supervisors' daily digest tells, gathered page
 * by page (digest_gather.lua first, then digest_overdue.lua,
 * digest_escalations.lua and digest_held.lua a bounded page a call), so
 * that no call holds Redis's one thread for more than a few ms however
 * long the day was; mashd sends each page when the last one's answer
 * comes, never waiting on the loop.
 *
 * The answer is the one object a single call would have answered
 * (digest_text.h): every part counted whole, its list the first `max`
 * in the same order. Its window is fixed by the first page: the audit
 * events read back from the stream's last id then, the held alerts up to
 * the last one held then; later ones are the next digest's.
 */
#ifndef MASHD_DIGEST_PAGES_H
#define MASHD_DIGEST_PAGES_H

#include <stdint.h>

#include <jansson.h>

struct store;

/* The gathering's end: `gathered` (the callee's to free) or NULL with a
 * sentence in err. */
typedef void digest_pages_cb(json_t *gathered, const char *err, void *arg);

/*
 * Gather the digest of local date `date` ("2026-11-30"): escalations and
 * dead letters since `since` (ms) when no digest was sent before, `max`
 * items listed a part, `scan` audit events looked back through at most;
 * or, when that date's digest was sent already (a restart, another
 * mashd), {"sent": true} alone, with nothing read. Returns -1 at once,
 * without calling cb, when Redis is not reachable; else cb runs exactly
 * once, later.
 */
int digest_pages_gather(struct store *st, const char *date, int64_t since,
			int max, int scan, digest_pages_cb *cb, void *arg);

#endif
