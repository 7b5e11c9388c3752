/*
 * fuzz_config: mashd.conf from bytes, through config_load (libconfig, then
 * the schema, the ranges, the calendar, the timers, alerts, roles and the
 * spool), then used as mashd uses it: each client found by its token, and
 * a referral's due times on the configured calendar and timers.
 *
 * Invariants: a refusal names the file; an accepted configuration finds
 * each client by its own token and no client by a token it lacks; due
 * times never precede their start and the decision warning never follows
 * the decision.
 */
#include <string.h>

#include "mash/calendar.h"
#include "mash/deadline.h"

#include "mash/config.h"
#include "fuzz.h"

static struct fuzz_memfile file;

static void
use(const struct mash_config *c)
{
	static const char *const instants[] = {"2026-11-24T10:00:00Z",
					       "2027-03-28T00:59:59Z"};
	const struct config_client *cl;
	struct deadlines dl;

	for (size_t i = 0; i < c->nclients; i++) {
		cl = config_client_by_token(c, c->clients[i].token);
		if (cl != &c->clients[i])
			fuzz_fail("client %zu not found by its token", i);
	}
	if (config_client_by_token(c, "") != NULL)
		fuzz_fail("a client found by an empty token");
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
		int64_t t = fuzz_instant(instants[i]);

		for (int b = 0; b < BRAG_COUNT; b++) {
			deadline_compute(c->calendar, &c->timers, t, "phone",
					 (enum brag)b, &dl);
			for (int k = 0; k < TIMER_COUNT; k++)
				if (k != TIMER_DECISION_WARNING &&
				    dl.due[k] != 0 && dl.due[k] < t)
					fuzz_fail("%s due before it starts",
						  timer_name(k));
			if (dl.due[TIMER_DECISION_WARNING] != 0 &&
			    dl.due[TIMER_DECISION_WARNING] >
				dl.due[TIMER_DECISION])
				fuzz_fail("decision warning after the "
					  "decision");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mash_config *c;
	char err[1024];

	fuzz_memfile_put(&file, data, size);
	err[0] = '\0';
	if ((c = config_load(file.path, err, sizeof(err))) == NULL) {
		if (strncmp(err, file.path, strlen(file.path)) != 0)
			fuzz_fail("a refusal not naming the file: %s", err);
		return 0;
	}
	use(c);
	config_free(c);
	return 0;
}
