/*
 * store_read.c: a plain read command (HMGET, HGET) on the store's
 * connection, for a caller that reads keys a script chose (a stream's
 * referrals, ctl_queue_read.c). It goes the way of every call: only
 * while the store is UP, with redis.timeout's deadline, answered
 * exactly once (the reply, Redis's error, or why none came when the
 * connection was lost, dropped, or mashd stopped), and written when the
 * loop turns or at store_flush(). Nothing it sends changes Redis.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_conn.h"

struct read {
	store_outcome_cb *cb;
	void *arg;
};

static void
read_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct read *rd = priv;
	struct store *st = ac->data;
	struct store_result res = {STORE_DONE, reply, NULL, false};

	if (reply == NULL) {
		res.outcome = STORE_UNKNOWN;
		res.err = st != NULL && st->lost != NULL
			      ? st->lost
			      : "the connection to redis was lost";
	} else if (reply->type == REDIS_REPLY_ERROR) {
		res.reply = NULL;
		res.err = reply->str;
	}
	rd->cb(&res, rd->arg);
	free(rd);
}

int
store_read(struct store *st, const char *cmd, size_t len, store_outcome_cb *cb,
	   void *arg)
{
	struct read *rd;

	if (st->state != ST_UP || (rd = malloc(sizeof(*rd))) == NULL)
		return -1;
	rd->cb = cb;
	rd->arg = arg;
	if (store_send_formatted(st, read_reply, rd, cmd, len) != 0) {
		free(rd);
		return -1;
	}
	return 0;
}
