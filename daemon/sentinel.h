/*
 * sentinel: the Redis Sentinels of redis.sentinels, used as Redis's guide
 * for Sentinel clients says: ask them in turn, each within a short
 * deadline, which node is the master named redis.master_name (the one
 * that answers is asked first next time), and follow their failovers:
 * one sentinel at a time is subscribed to +switch-master, and all are
 * asked again every few seconds in case a message was missed. What the
 * node reached really is (ROLE) is the store's to check.
 */
#ifndef MASHD_SENTINEL_H
#define MASHD_SENTINEL_H

#include "mashd.h"

struct sentinel;

/* The master: host and port, or NULL and the reason in err. */
typedef void sentinel_master_cb(const char *host, int port, const char *err,
				void *arg);

/*
 * A new follower of the sentinels. `moved` runs with the master a
 * +switch-master message or a periodic question names; it may be the
 * master in use (the caller compares).
 */
struct sentinel *sentinel_new(struct mashd *d, sentinel_master_cb *moved,
			      void *arg);
/* Stop; a question in flight is answered "mashd is stopping". */
void sentinel_free(struct sentinel *s);
/*
 * Ask the sentinels who the master is: cb runs exactly once, later,
 * within one short deadline per sentinel. 0, or -1 (cb not called) when
 * a question of the caller's is in flight already.
 */
int sentinel_ask(struct sentinel *s, sentinel_master_cb *cb, void *arg);
/*
 * The master the last answer named could not be reached, or is no
 * master: ask another sentinel first next time. (During a failover the
 * sentinels learn the new master one after the other: the one that ran
 * it knows first.)
 */
void sentinel_distrust(struct sentinel *s);
/* The sentinel that answered last, "host:port", or "". */
const char *sentinel_last(const struct sentinel *s);

#endif
