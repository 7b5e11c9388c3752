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

#include <jansson.h>

#include "ladder.h"
#include "ladder_gap.h"
#include "log.h"
#include "mashd.h"
#include "store.h"

/* Entries of the overdue hash looked at per call. */
#define GAP_PAGE 500

static bool busy, again, waiting;

static void page(struct mashd *d, const char *cursor);

static void
end(struct mashd *d)
{
	busy = false;
	if (again) {
		again = false;
		ladder_gap_close(d);
	}
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
		end(d);
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
		end(d);
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
		end(d); /* Redis is away: the reconnection calls again */
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
