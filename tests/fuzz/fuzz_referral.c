/*
 * fuzz_referral: a referral record from JSON bytes, through the whole pure
 * path intake runs: referral_parse (JSON and every rule of SPEC section 3),
 * the first BRAG rating, the statutory timers of each channel on the
 * default calendar, the queue score, and the record as it is stored.
 * Each input is received at four instants: a working morning, a Saturday
 * night, Christmas Day and the spring clock change.
 *
 * Invariants beyond "no crash, no leak, no undefined behaviour": a refusal
 * has a message and names its field by mashd's own keys only (the field is
 * logged; the input's text never is); an accepted record stores as JSON
 * that is accepted again, equal and rated alike; every due time is where
 * the default rules put it.
 */
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/deadline.h"
#include "mash/referral.h"

#include "fuzz.h"

#define HOUR_MS 3600000LL

static struct calendar *cal;
static struct deadline_rules rules;
static const char *const channels[] = {"web", "partner", "phone", "email"};
static const char *const instants[] = {
    "2026-11-24T10:00:00Z", /* Tuesday, office hours */
    "2026-11-28T23:30:00Z", /* Saturday night */
    "2026-12-25T09:00:00Z", /* Christmas Day */
    "2027-03-28T00:59:59Z", /* a second before the clocks go forward */
};

static void
setup(void)
{
	struct calendar_options o;
	char err[256];

	calendar_options_default(&o);
	if ((cal = calendar_new(&o, err, sizeof(err))) == NULL)
		fuzz_fail("calendar: %s", err);
	deadline_rules_default(&rules);
}

static void
check_refusal(const struct referral_error *e)
{
	if (e->message[0] == '\0')
		fuzz_fail("a refusal without a message");
	for (const char *s = e->field; *s != '\0'; s++)
		if (strchr("abcdefghijklmnopqrstuvwxyz_.[]0123456789", *s) ==
		    NULL)
			fuzz_fail("the field named \"%s\" is not mashd's own",
				  e->field);
}

static void
check_deadlines(const json_t *rec, int64_t now, enum brag b)
{
	for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
		bool phone = strcmp(channels[i], "phone") == 0;
		struct deadlines dl;
		int64_t score, dec;

		deadline_compute(cal, &rules, now, channels[i], b, &dl);
		dec = dl.due[TIMER_DECISION];
		if (dec <= now || dl.due[TIMER_ESCALATION] <= dec)
			fuzz_fail("decision or escalation out of order");
		if (dl.due[TIMER_WRITTEN] != (phone ? now + 24 * HOUR_MS : 0))
			fuzz_fail("written confirmation due wrong");
		if (dl.due[TIMER_DECISION_WARNING] == 0 ||
		    dl.due[TIMER_DECISION_WARNING] >= dec)
			fuzz_fail("decision warning not before the decision");
		switch (b) {
		case BRAG_RED:
			if (dl.due[TIMER_SCREENING] != now + 4 * HOUR_MS)
				fuzz_fail("red screening due wrong");
			break;
		case BRAG_AMBER:
			if (dl.due[TIMER_SCREENING] <= now)
				fuzz_fail("amber screening due wrong");
			break;
		default:
			if (dl.due[TIMER_SCREENING] != 0)
				fuzz_fail("a screening timer for %s",
					  brag_name(b));
		}
		score = deadline_queue_score(b, &dl, now);
		if (score / QUEUE_RANK_WIDTH != (int64_t)b)
			fuzz_fail("queue score %lld out of its band",
				  (long long)score);
	}
	(void)rec;
}

static void
one_instant(const uint8_t *data, size_t size, int64_t now)
{
	struct referral_error err;
	json_t *rec, *again;
	enum brag b;
	char *stored;

	rec = referral_parse((const char *)data, size, now, &err);
	if (rec == NULL) {
		check_refusal(&err);
		return;
	}
	if (referral_validate(rec, now, &err) != 0)
		fuzz_fail("parsed but invalid: %s", err.field);
	b = brag_rate(rec, now);
	if ((unsigned)b >= BRAG_COUNT)
		fuzz_fail("rating %d", (int)b);
	check_deadlines(rec, now, b);

	/* What intake stores is what show and the scheduler read back. */
	if ((stored = json_dumps(rec, JSON_COMPACT)) == NULL)
		fuzz_fail("an accepted record does not serialise");
	again = referral_parse(stored, strlen(stored), now, &err);
	if (again == NULL)
		fuzz_fail("the stored record is refused: %s", err.field);
	if (!json_equal(rec, again) || brag_rate(again, now) != b)
		fuzz_fail("the stored record differs");
	json_decref(again);
	free(stored);
	json_decref(rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (cal == NULL)
		setup();
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++)
		one_instant(data, size, fuzz_instant(instants[i]));
	return 0;
}
