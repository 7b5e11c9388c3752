/*
 * ctl_queue.c owns the control socket's `queue` command: one page of the
 * open referrals, most urgent first (queue.lua), with a cursor to page
 * on and, for a person's first screen, the counts per rating. Every page
 * is bounded (QUEUE_PAGE_MAX items, QUEUE_SCAN referrals looked at), so
 * no answer grows with the queue, and none is cut without saying so:
 * "next" names where the next page starts until the queue is done.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/words.h"

#include "ctl.h"
#include "ctl_queue.h"

#define QUEUE_PAGE 100	    /* items of a page when the request says none */
#define QUEUE_PAGE_MAX 1000 /* items of a page at most */
#define QUEUE_SCAN 5000	    /* referrals one call looks at, at most */

static void
queue_done(const struct store_result *res, void *arg)
{
	const redisReply *r = res->reply;
	const char *err = res->err;
	struct ctl_conn *c = arg;
	const struct calendar_options *o =
	    calendar_options(ctl_daemon(c)->conf->calendar);
	char next[96], *line;
	size_t len;

	if (err != NULL) {
		if (strncmp(err, "ERR ", 4) == 0) /* queue.lua refused */
			ctl_error(c, "%s", ctl_refusal(err));
		else
			ctl_error(c, "redis: %s", ctl_failure(err));
	} else if ((line = ctl_queue_line(r, o->timezone, NULL, next,
					  sizeof(next), &len)) == NULL) {
		ctl_error(c, "%s", CTL_QUEUE_UNMADE);
	} else {
		ctl_send_text(c, line, len);
		free(line);
	}
	ctl_done(c);
}

/* The request's "limit": a page's size, or -1 with the error sent. */
static json_int_t
page_size(struct ctl_conn *c)
{
	json_t *v = json_object_get(ctl_request(c), "limit");

	if (v == NULL)
		return QUEUE_PAGE;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > QUEUE_PAGE_MAX) {
		ctl_error(c, "a page is 1 to %d referrals (--limit N)",
			  QUEUE_PAGE_MAX);
		return -1;
	}
	return json_integer_value(v);
}

static bool
flag(struct ctl_conn *c, const char *name)
{
	return json_is_true(json_object_get(ctl_request(c), name));
}

void
ctl_queue(struct ctl_conn *c)
{
	const char *bname = ctl_arg(c, "brag"), *after = ctl_arg(c, "after");
	json_int_t min = 0, max = BRAG_COUNT * QUEUE_RANK_WIDTH, limit;
	enum brag b;
	json_t *args;

	if (bname != NULL) {
		if (brag_parse(bname, &b) != 0) {
			ctl_error(c,
				  "unknown BRAG rating \"%s\": use red, "
				  "amber, green or blue",
				  bname);
			return;
		}
		min = b * QUEUE_RANK_WIDTH;
		max = (b + 1) * QUEUE_RANK_WIDTH;
	}
	if (flag(c, "mine") && flag(c, "unclaimed")) {
		ctl_error(c, "--mine and --unclaimed exclude each other");
		return;
	}
	if ((limit = page_size(c)) < 0)
		return;
	args = json_pack("{sI sI sI si ss sb sb sb}", "min", min, "max", max,
			 "limit", limit, "scan", QUEUE_SCAN, "after",
			 after ? after : "", "unclaimed", flag(c, "unclaimed"),
			 "overdue", flag(c, "overdue"), "counts",
			 flag(c, "counts"));
	if (args != NULL && flag(c, "mine"))
		json_object_set_new(args, "owner", json_string(ctl_actor(c)));
	if (flag(c, "stream"))
		ctl_queue_stream(c, args);
	else if (args == NULL)
		ctl_error(c, "nothing was done: out of memory");
	else if (ctl_queue_ask(c, args, queue_done, c) != 0)
		ctl_error(c, "the referral store is unreachable; try again");
	else
		ctl_wait(c, true);
}
