/*
 * intake_batch: group commit of submissions (intake_batch.c). A submission
 * with fewer than INTAKE_BATCH_INFLIGHT calls of submit.lua in flight goes
 * at once, alone; the others wait here, and when a call answers, those
 * waiting go together in one call ({"submissions": [...]}), which Redis
 * makes durable with one write of its append-only file. So a burst costs
 * Redis one call's dispatch, claim and fsync, not one for each.
 */
#ifndef MASHD_INTAKE_BATCH_H
#define MASHD_INTAKE_BATCH_H

#include <jansson.h>

#include "mashd.h"
#include "store.h"

/* Calls of submit.lua in flight at once; a call takes at most so many
 * submissions, or so many bytes of records (one goes alone whatever its
 * size). */
#define INTAKE_BATCH_INFLIGHT 1
#define INTAKE_BATCH_MAX 64
#define INTAKE_BATCH_BYTES (256 * 1024)

struct intake_batch;

/*
 * What became of one submission's call: sr as for a call of its own; on
 * STORE_DONE with no error, `answer` is the submission's own answer
 * object (its slot of a call of several), NULL when unreadable or when
 * its work raised inside the call ({"error": ...}).
 */
typedef void intake_batch_cb(const struct store_result *sr,
			     const json_t *answer, void *arg);

struct intake_batch *intake_batch_new(struct mashd *d);

/*
 * mashd stops: those still waiting are answered STORE_NOT_RUN (never
 * sent), nothing is sent after it and a submission is refused (-1).
 * Called before the store is freed: the calls it then fails send none
 * of those waiting on a store already down.
 */
void intake_batch_close(struct intake_batch *b);

/* Closes it (if not closed yet) and frees it. */
void intake_batch_free(struct intake_batch *b);

/*
 * Submit `args` (submit.lua's one object; a reference is taken): 0 when
 * sent now, 1 when queued (it waits at most for the calls in flight now:
 * a whole call's worth waiting goes at once). -1, without calling cb,
 * only when Redis is not reachable or mashd stops; else cb runs exactly
 * once, or never once intake_batch_cancel took it back.
 */
int intake_batch_submit(struct intake_batch *b, json_t *args,
			intake_batch_cb *cb, void *arg);

/* The submission of `arg`, still waiting (never sent), taken back and
 * its cb never called: 0; -1 when it is not waiting (sent, or answered). */
int intake_batch_cancel(struct intake_batch *b, const void *arg);

#endif
