/*
 * digest_pages.c gathers the supervisors' daily digest a page a call;
 * see digest_pages.h.
 *
 * Invariants:
 * - One call in flight per gathering; the next page is sent from the
 *   last one's answer, in the order overdue, escalations, held.
 * - Each list holds at most `max` items, the first in its part's order;
 *   the counts count every item read once.
 * - The overdue hash is read by HSCAN: a referral overdue throughout is
 *   read at least once, and a field read twice (the hash rehashed
 *   between pages) is counted once (`seen_od`, `seen_wr`). A referral
 *   decided between pages is told as it was when its page was read:
 *   overdue if that page came before its decision, not at all after.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/jfield.h"

#include "digest_pages.h"
#include "store.h"

/* Work a call: fields of the overdue hash (each with its referral's
 * HMGET), audit events, held alerts. A page holds Redis 1.5 to 4 ms on
 * average at 20,000 overdue (BENCHMARKS.md, 2026-11-30 early morning).
 * While the overdue hash is small enough for Redis's compact encoding
 * (hash-max-listpack-entries, 512 by default) HSCAN ignores the count
 * and answers it whole: one call then reads up to 512 referrals, about
 * 5 to 7 ms at the same rate. */
#define PAGE_FIELDS 100
#define PAGE_EVENTS 250
#define PAGE_HELD 500

enum phase { OVERDUE, ESCALATIONS, HELD };

struct gather {
	struct store *st;
	digest_pages_cb *cb;
	void *arg;
	size_t max;
	long long scan;
	enum phase phase;
	json_t *out; /* the first page's answer, the parts added to it */
	json_t *od, *wr, *esc, *held;
	json_t *seen_od, *seen_wr;
	long long od_n, wr_n, esc_n, held_n;
	char cursor[32];
	char after[64];
};

static int next(struct gather *w);

static void
gather_free(struct gather *w)
{
	json_decref(w->out);
	json_decref(w->od);
	json_decref(w->wr);
	json_decref(w->esc);
	json_decref(w->held);
	json_decref(w->seen_od);
	json_decref(w->seen_wr);
	free(w);
}

static void
fail(struct gather *w, const char *err)
{
	w->cb(NULL, err, w->arg);
	gather_free(w);
}

/* A stored number as Lua's tonumber() or 0 reads it. */
static double
number(const json_t *o, const char *key)
{
	const char *s = jfield(o, key);
	char *end;
	double v = strtod(s, &end);

	return (end == s || *end != '\0') ? 0 : v;
}

/* Decisions overdue and written confirmations missing: most late
 * first, then by reference. */
static bool
by_due(const json_t *x, const json_t *y)
{
	double a = number(x, "due"), b = number(y, "due");

	if (a != b)
		return a < b;
	return strcmp(jfield(x, "id"), jfield(y, "id")) < 0;
}

/* Escalations by when they fired; x, read later, is the older in the
 * stream, and goes first among those of its instant. */
static bool
by_at(const json_t *x, const json_t *y)
{
	return strcmp(jfield(x, "at"), jfield(y, "at")) <= 0;
}

/* item into list, where `before` puts it, if it is among the first max. */
static void
keep(json_t *list, size_t max, json_t *item,
     bool (*before)(const json_t *, const json_t *))
{
	size_t i, n = json_array_size(list);

	for (i = 0; i < n; i++)
		if (before(item, json_array_get(list, i)))
			break;
	if (i >= max)
		return;
	json_array_insert(list, i, item);
	if (json_array_size(list) > max)
		json_array_remove(list, max);
}

/* The items of a page not seen before into list, counted in *n. */
static void
add_new(json_t *list, json_t *seen, long long *n, size_t max,
	const json_t *page)
{
	size_t i;
	json_t *e;

	json_array_foreach(page, i, e)
	{
		const char *id = jfield(e, "id");

		if (json_object_get(seen, id) != NULL)
			continue;
		json_object_set_new(seen, id, json_true());
		(*n)++;
		keep(list, max, e, by_due);
	}
}

static bool
overdue_page(struct gather *w, const json_t *r)
{
	add_new(w->od, w->seen_od, &w->od_n, w->max,
		json_object_get(r, "overdue"));
	add_new(w->wr, w->seen_wr, &w->wr_n, w->max,
		json_object_get(r, "written"));
	snprintf(w->cursor, sizeof(w->cursor), "%s", jfield(r, "cursor"));
	return strcmp(w->cursor, "0") == 0;
}

static bool
escalations_page(struct gather *w, const json_t *r)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(r, "escalations"), i, e)
	{
		w->esc_n++;
		keep(w->esc, w->max, e, by_at);
	}
	w->scan -= json_integer_value(json_object_get(r, "read"));
	snprintf(w->after, sizeof(w->after), "%s", jfield(r, "after"));
	if (w->scan <= 0)
		json_object_set_new(w->out, "escalations_partial", json_true());
	return json_is_true(json_object_get(r, "done")) || w->scan <= 0;
}

static bool
held_page(struct gather *w, const json_t *r)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(r, "held"), i, e)
	{
		if (json_array_size(w->held) < w->max)
			json_array_append(w->held, e);
	}
	w->held_n += json_integer_value(json_object_get(r, "read"));
	snprintf(w->after, sizeof(w->after), "%s", jfield(r, "after"));
	return json_is_true(json_object_get(r, "done"));
}

/* The parts into the answer, as digest_gather.lua used to answer them. */
static void
finish(struct gather *w)
{
	json_t *o = w->out;

	json_object_set(o, "overdue", w->od);
	json_object_set_new(o, "overdue_n", json_integer(w->od_n));
	json_object_set(o, "written", w->wr);
	json_object_set_new(o, "written_n", json_integer(w->wr_n));
	json_object_set(o, "escalations", w->esc);
	json_object_set_new(o, "escalations_n", json_integer(w->esc_n));
	json_object_set(o, "held", w->held);
	json_object_set_new(o, "held_n", json_integer(w->held_n));
	json_object_del(o, "since");
	json_object_del(o, "stop");
	json_object_del(o, "top");
	w->out = NULL;
	w->cb(o, NULL, w->arg);
	gather_free(w);
}

static void
page_done(const json_t *r, const char *err, void *arg)
{
	struct gather *w = arg;
	bool done = false;

	if (err != NULL) {
		fail(w, err);
		return;
	}
	switch (w->phase) {
	case OVERDUE:
		done = overdue_page(w, r);
		break;
	case ESCALATIONS:
		done = escalations_page(w, r);
		break;
	case HELD:
		done = held_page(w, r);
		break;
	}
	if (done) {
		w->after[0] = '\0';
		/* Nothing to read back from, or none held: a part read. */
		if (w->phase == OVERDUE && jfield(w->out, "top")[0] != '\0') {
			w->phase = ESCALATIONS;
		} else if (w->phase != HELD &&
			   jfield(w->out, "held_last")[0] != '\0') {
			w->phase = HELD;
		} else {
			finish(w);
			return;
		}
	}
	if (next(w) != 0)
		fail(w, "redis is unreachable");
}

/* The next page of the part under way. */
static int
next(struct gather *w)
{
	const json_t *o = w->out;
	json_int_t limit = PAGE_EVENTS;

	switch (w->phase) {
	case OVERDUE:
		return store_call_json(w->st, SCRIPT_DIGEST_OVERDUE,
				       json_pack("{ss si}", "cursor", w->cursor,
						 "count", PAGE_FIELDS),
				       page_done, w);
	case ESCALATIONS:
		if (limit > w->scan)
			limit = (json_int_t)w->scan;
		return store_call_json(
		    w->st, SCRIPT_DIGEST_ESCALATIONS,
		    json_pack("{ss ss ss ss sI}", "upto", jfield(o, "top"),
			      "after", w->after, "stop", jfield(o, "stop"),
			      "since", jfield(o, "since"), "limit", limit),
		    page_done, w);
	case HELD:
		return store_call_json(
		    w->st, SCRIPT_DIGEST_HELD,
		    json_pack("{ss ss si sI}", "after", w->after, "last",
			      jfield(o, "held_last"), "limit", PAGE_HELD,
			      "want",
			      (json_int_t)(w->max - json_array_size(w->held))),
		    page_done, w);
	}
	return -1;
}

static void
first_done(const json_t *r, const char *err, void *arg)
{
	struct gather *w = arg;

	if (err != NULL) {
		fail(w, err);
		return;
	}
	if ((w->out = json_deep_copy(r)) == NULL) {
		fail(w, "out of memory");
		return;
	}
	if (json_is_true(json_object_get(r, "sent"))) {
		/* The date's digest went out already: nothing to gather. */
		json_t *o = w->out;

		w->out = NULL;
		w->cb(o, NULL, w->arg);
		gather_free(w);
		return;
	}
	json_object_set_new(w->out, "escalations_partial", json_false());
	if (next(w) != 0)
		fail(w, "redis is unreachable");
}

int
digest_pages_gather(struct store *st, const char *date, int64_t since, int max,
		    int scan, digest_pages_cb *cb, void *arg)
{
	struct gather *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	w->st = st;
	w->cb = cb;
	w->arg = arg;
	w->max = max > 0 ? (size_t)max : 0;
	w->scan = scan;
	w->phase = OVERDUE;
	snprintf(w->cursor, sizeof(w->cursor), "0");
	w->od = json_array();
	w->wr = json_array();
	w->esc = json_array();
	w->held = json_array();
	w->seen_od = json_object();
	w->seen_wr = json_object();
	if (w->od == NULL || w->wr == NULL || w->esc == NULL ||
	    w->held == NULL || w->seen_od == NULL || w->seen_wr == NULL ||
	    store_call_json(st, SCRIPT_DIGEST_GATHER,
			    json_pack("{ss sI si}", "date", date, "since",
				      (json_int_t)since, "max", max),
			    first_done, w) != 0) {
		gather_free(w);
		return -1;
	}
	return 0;
}
