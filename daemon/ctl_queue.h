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
/* A queue item for mashctl, from one of queue.lua's items
 * (ctl_queue_item.c). */
json_t *ctl_queue_item(const json_t *e);
/* watch: {"ok":true,"live":...} now, then one line a change as it happens
 * ({"changed":ID}, {"live":false|true}): ctl_watch.c. */
void ctl_watch(struct ctl_conn *c);
/* mashd stops: the subscriber connection and every watcher let go
 * (main.c, before ctl_free()). */
void ctl_watch_free(void);

#endif
