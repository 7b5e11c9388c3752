/*
 * ctl_queue: the control socket's view of the queue. `queue` answers one
 * page of it (ctl_queue.c); `watch` turns a connection into a stream of
 * notices, one line a referral changed (ctl_watch.c).
 */
#ifndef MASHD_CTL_QUEUE_H
#define MASHD_CTL_QUEUE_H

#include "ctl.h"

/* queue [--brag R] [--mine|--unclaimed] [--overdue] [--limit N]
 * [--after CURSOR] */
void ctl_queue(struct ctl_conn *c);
/* queue with "stream": every page from the cursor on, one line each, as
 * the client reads them (ctl_queue_stream.c); args are queue.lua's
 * (taken). */
void ctl_queue_stream(struct ctl_conn *c, json_t *args);
/* Ask queue.lua for a page with its arguments (taken): cb gets its
 * answer as Redis gave it (res->reply), or why there is none (res->err);
 * -1 at once when it cannot be asked (ctl_queue_page.c). */
int ctl_queue_ask(struct ctl_conn *c, json_t *args, store_outcome_cb *cb,
		  void *arg);
/* The cursor of the page after queue.lua's answer r into next ("" for
 * none): 0; 1 when it does not fit next (next ""), -1 when r is not
 * queue.lua's. */
int ctl_queue_next(const redisReply *r, char *next, size_t nextsz);
/* Why a page could not be made: mashd cannot tell which (it is not
 * Redis's failure alone: the items are made by mashd). */
#define CTL_QUEUE_UNMADE                                                       \
	"the page could not be made (queue.lua's answer is not of its "        \
	"shape, or mashd ran out of memory)"
/* queue.lua's answer as the text mashctl reads (malloc'd, its length in
 * *len, no newline at its end). For a page (sent NULL), one line:
 * {"ok":true,"items":[...],"now","zone","next"} and "counts" when asked.
 * For a stream's page, lines: its head {"ok":true,"items":N}, the N items
 * one a line, its tail {"now","zone","sent","next"}, "sent" the
 * referrals sent so far, *sent counted on. The cursor of the next page
 * goes to next ("" for none). NULL when the answer is not queue.lua's. */
char *ctl_queue_line(const redisReply *r, const char *zone, long long *sent,
		     char *next, size_t nextsz, size_t *len);
/* A stream's page's tail line of queue.lua's answer r, "sent" the
 * referrals sent with it (malloc'd; no newline); the cursor of the page
 * after it into next ("" for none, or when it does not fit: then
 * *long_next). NULL when r is not queue.lua's. */
char *ctl_queue_tail(const redisReply *r, const char *zone, long long sent,
		     char *next, size_t nextsz, bool *long_next);
/* watch: {"ok":true,"live":...} now, then one line a change as it happens
 * ({"changed":ID}, {"live":false|true}): ctl_watch.c. */
void ctl_watch(struct ctl_conn *c);
/* mashd stops: the subscriber connection and every watcher let go
 * (main.c, before ctl_free()). */
void ctl_watch_free(void);

#endif
