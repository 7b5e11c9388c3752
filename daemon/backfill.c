/*
 * backfill.c: see backfill.h. One call at a time, each the next batch, so
 * Redis serves everything else in between.
 */
#include <jansson.h>

#include "mash/timeutil.h"

#include "backfill.h"
#include "clock.h"
#include "log.h"
#include "store.h"

/* Referrals looked at per call: at most some 30 ms of Redis's time. */
#define BACKFILL_BATCH 500

static struct {
	struct mashd *d;
	bool running; /* a call is out */
	bool done;    /* index:built: nothing more, ever, for this mashd */
	long long indexed;
} bf;

static void backfill_next(void);

static void
backfill_done(const json_t *r, const char *err, void *arg)
{
	(void)arg;
	bf.running = false;
	if (err != NULL) {
		log_warnx("index: older referrals not all listed yet (%s); "
			  "going on when redis answers again",
			  err);
		return;
	}
	bf.indexed += json_integer_value(json_object_get(r, "indexed"));
	if (!json_is_true(json_object_get(r, "done"))) {
		backfill_next();
		return;
	}
	bf.done = true;
	if (bf.indexed > 0)
		log_info("index: %lld referral(s) stored by an older mashd "
			 "added to the list index",
			 bf.indexed);
}

static void
backfill_next(void)
{
	int y, m, d;

	mash_civil_from_days(clock_now_ms() / 86400000, &y, &m, &d);
	if (store_call_json(
		bf.d->store, SCRIPT_BACKFILL,
		json_pack("{si si}", "this_year", y, "batch", BACKFILL_BATCH),
		backfill_done, NULL) == 0)
		bf.running = true;
}

void
backfill_kick(struct mashd *d)
{
	bf.d = d;
	if (!bf.running && !bf.done)
		backfill_next();
}
