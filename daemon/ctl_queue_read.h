/*
 * ctl_queue_read: a stream's page read by mashd itself (ctl_queue_read.c):
 * queue.lua chose its referrals (asked with "ids": the references
 * alone); each is read with one plain HMGET and its item made by
 * queue_item.c as the reply comes.
 */
#ifndef MASHD_CTL_QUEUE_READ_H
#define MASHD_CTL_QUEUE_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "queue_item.h"
#include "store.h"

struct qread;
typedef void qread_done_cb(struct qread *r, void *arg);

/* The page of queue.lua's answer r (its head, then references): its
 * frame made (the tail's "sent" is sent, counted on by the page's
 * items), the references kept, the cursor of the page after it into
 * next ("" for none). NULL when r is not such an answer, or memory ran
 * out. */
struct qread *qread_new(const redisReply *r, const char *zone, long long sent,
			char *next, size_t nextsz);
size_t qread_count(const struct qread *r);
/* Its next cursor did not fit next (next ""): a stream cannot go on. */
bool qread_long_next(const struct qread *r);
/* Ask Redis for each referral of the page (an HMGET each, written when
 * the loop turns or at store_flush()); the items are made with q
 * (borrowed) as the replies come, and done(r, arg) runs once the last is
 * in (not from here: when none could be sent, qread_busy() is false). */
void qread_send(struct qread *r, struct store *st, const char *prefix,
		struct queue_items *q, qread_done_cb *done, void *arg);
/* Replies still awaited. */
bool qread_busy(const struct qread *r);
/* The page as the text mashctl reads (its head line, an item a line, its
 * tail line; no newline at its end), the caller's to free; NULL with
 * why, a sentence, when it could not be read or made. */
char *qread_page(struct qread *r, size_t *len, const char **why);
void qread_free(struct qread *r);

#endif
