/*
 * store_json.c owns the scripts' typed contract; see store.h. It is a
 * layer over store_call_object(): the arguments go as one JSON text, and
 * the script's answer, a JSON text, comes back parsed.
 */
#include <stdlib.h>

#include "store.h"

struct json_call {
	store_json_cb *cb;
	void *arg;
};

static void
json_reply(const struct store_result *res, void *arg)
{
	struct json_call *jc = arg;
	const redisReply *r = res->reply;
	const char *err = res->err;
	json_t *o = NULL;

	if (err == NULL && (r->type != REDIS_REPLY_STRING ||
			    (o = json_loadb(r->str, r->len, 0, NULL)) == NULL ||
			    !json_is_object(o)))
		err = "the script's answer is not a JSON object";
	if (err != NULL)
		jc->cb(NULL, err, jc->arg);
	else
		jc->cb(o, NULL, jc->arg);
	json_decref(o);
	free(jc);
}

int
store_call_json(struct store *st, enum store_script s, json_t *args,
		store_json_cb *cb, void *arg)
{
	struct json_call *jc = NULL;
	int rc = -1;

	if (args == NULL || (jc = malloc(sizeof(*jc))) == NULL)
		goto out;
	jc->cb = cb;
	jc->arg = arg;
	if ((rc = store_call_object(st, s, args, json_reply, jc)) != 0)
		free(jc);
out:
	json_decref(args);
	return rc;
}
