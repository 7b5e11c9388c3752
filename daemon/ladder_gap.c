/*
 * ladder_gap.c closes the reminder ladder's gaps; see ladder_gap.h.
 *
 * Invariant: one look at a time (busy); a call while busy sets again, and
 * the look starts over from the first page when it ends.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "ladder.h"
#include "ladder_gap.h"
#include "log.h"
#include "mashd.h"
#include "store.h"

/* Entries of the overdue hash looked at per call. */
#define GAP_PAGE 500
/* A look that failed (Redis away, or loading its data) is made again
 * this many seconds later; and every mashd looks this often anyway, so a
 * gap left by a mashd that died and was not started again is closed by
 * the others. */
#define GAP_RETRY_SEC 5
#define GAP_EVERY_SEC 600

static bool busy, again, waiting;
static struct event *later; /* the next look: after a failure, or the next
			       regular one */

static void page(struct mashd *d, const char *cursor);

static void
look_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ladder_gap_close(arg);
}

/* The look ends (failed: it is made again soon), the next one set. */
static void
end(struct mashd *d, bool failed)
{
	struct timeval tv = {failed ? GAP_RETRY_SEC : GAP_EVERY_SEC, 0};

	busy = false;
	if (again) {
		again = false;
		ladder_gap_close(d);
		return;
	}
	if (later == NULL)
		later = evtimer_new(d->base, look_later, d);
	if (later != NULL)
		evtimer_add(later, &tv);
}

static void
page_done(const json_t *r, const char *err, void *arg)
{
	struct mashd *d = arg;
	const char *cursor = json_string_value(json_object_get(r, "cursor"));
	const char *now_s = json_string_value(json_object_get(r, "now"));
	int64_t now = now_s ? strtoll(now_s, NULL, 10) : 0;
	const json_t *g;
	size_t i;

	if (err != NULL || cursor == NULL || now == 0) {
		log_warnx("timers: cannot look for overdue referrals with no "
			  "reminder pending: %s",
			  err ? err : "no cursor or time in the answer");
		end(d, true);
		return;
	}
	json_array_foreach(json_object_get(r, "gaps"), i, g)
	{
		const char *id = json_string_value(json_object_get(g, "id"));
		const char *due = json_string_value(json_object_get(g, "due"));
		json_int_t after =
		    json_integer_value(json_object_get(g, "after"));

		if (id == NULL || due == NULL)
			continue;
		log_warnx("referral %s: overdue with no reminder pending: "
			  "scheduling reminder %lld",
			  id, (long long)after + 1);
		ladder_schedule(d, id, (long)after, strtoll(due, NULL, 10),
				now);
	}
	if (strcmp(cursor, "0") == 0 || again) {
		end(d, false);
		return;
	}
	page(d, cursor);
}

static void
page(struct mashd *d, const char *cursor)
{
	if (store_call_json(
		d->store, SCRIPT_LADDER_GAP,
		json_pack("{ss si}", "cursor", cursor, "count", GAP_PAGE),
		page_done, d) != 0)
		end(d, true); /* Redis is away */
}

void
ladder_gap_close(struct mashd *d)
{
	if (d->timers_behind) {
		waiting = true;
		return;
	}
	if (busy) {
		again = true;
		return;
	}
	busy = true;
	page(d, "0");
}

void
ladder_gap_resume(struct mashd *d)
{
	if (!waiting)
		return;
	waiting = false;
	ladder_gap_close(d);
}

void
ladder_gap_free(void)
{
	if (later != NULL)
		event_free(later);
	later = NULL;
}
