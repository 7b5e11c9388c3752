/*
 * ctl_queue: the control socket's view of the queue. `queue` answers one
 * page of it (ctl_queue.c).
 */
#ifndef MASHD_CTL_QUEUE_H
#define MASHD_CTL_QUEUE_H

#include "ctl.h"

/* queue [--brag R] [--mine|--unclaimed] [--overdue] [--limit N]
 * [--after CURSOR] */
void ctl_queue(struct ctl_conn *c);

#endif
