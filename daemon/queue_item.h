/*
 * queue_item: the JSON of the queue's items, made in mashd from what
 * queue.lua read of each referral ("Lua selects, mashd shows"): the one
 * builder of items, for a page (ctl_queue.c) and a stream
 * (ctl_queue_stream.c), in the shape `mashctl queue --json` shows
 * (mashctl(1)). Every stored field is untrusted: what is not a number,
 * not UTF-8, or not there is shown as queue.lua showed it when it made
 * the items (t_queue_damaged), never refused.
 */
#ifndef MASHD_QUEUE_ITEM_H
#define MASHD_QUEUE_ITEM_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "mash/words.h"

/* queue.lua's WANT, what an item is made of, in its order (ctl_queue_read.c
 * asks for the same by name): these, then due, fired, stopped of each
 * timer. */
enum { F_BRAG, F_STATUS, F_CHANNEL, F_RECEIVED, F_OWNER, F_REPEAT, F_CATS };
#define F_TIMERS 7
#define NFIELDS (F_TIMERS + 3 * TIMER_COUNT)

/* The builder of one page's items: one kept tree of jansson's, whose
 * values each item sets in place before it is written. */
struct queue_items;

struct queue_items *queue_items_new(void);
void queue_items_free(struct queue_items *q);

/* The JSON text of queue.lua's item e (compact, one line: no raw
 * newline) appended at *len of the buffer *buf of *cap bytes (malloc'd,
 * grown as needed). -1 when e is not an item of queue.lua's, or memory
 * ran out. */
int queue_item_append(struct queue_items *q, const redisReply *e, char **buf,
		      size_t *len, size_t *cap);

/* Lua 5.1's tonumber() of a string, as Redis's scripts read a field:
 * 0 and *v set, or -1 when s is no number. */
int queue_item_number(const char *s, double *v);

/* lib.lua's iso_time(): UTC ms as "YYYY-MM-DDTHH:MM:SSZ", what is no
 * instant (infinite, not a number, past 2^53 ms) as 0. out: 32 bytes at
 * least. Returns the text's length. */
size_t queue_item_iso(double ms, char *out);

#endif
