/*
 * test_intake_batch: the group commit's queue, with the store's call
 * replaced by one that records what is sent. What waits is at most one
 * call's worth (a whole one goes at once, with a call in flight); one
 * taken back (intake_batch_cancel) is never sent nor called back; once
 * closed, those waiting are told STORE_NOT_RUN, nothing more is sent and
 * a submission is refused; those that cannot be sent are told
 * STORE_NOT_RUN, never STORE_UNKNOWN: they never left mashd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../daemon/intake_batch.c"

/* The calls sent: their callbacks, and how many submissions each took. */
static struct {
	store_outcome_cb *cb[8];
	void *arg[8];
	size_t took[8];
	int n;
	bool refuse; /* the next call is refused: Redis not reachable */
} calls;

int
store_call_object(struct store *st, enum store_script s, const json_t *args,
		  store_outcome_cb *cb, void *arg)
{
	const json_t *list = json_object_get(args, "submissions");

	(void)st;
	assert_int_equal(s, SCRIPT_SUBMIT);
	if (calls.refuse || calls.n == 8)
		return -1;
	calls.cb[calls.n] = cb;
	calls.arg[calls.n] = arg;
	calls.took[calls.n] = list != NULL ? json_array_size(list) : 1;
	calls.n++;
	return 0;
}

/* What each submission was told: its outcome, or -1 while not yet. */
static int told[80];

static void
on_done(const struct store_result *sr, const json_t *answer, void *arg)
{
	int *slot = arg;

	(void)answer;
	assert_int_equal(*slot, -1); /* exactly once */
	*slot = (int)sr->outcome;
}

static struct mashd d;

static int
setup(void **state)
{
	memset(&calls, 0, sizeof(calls));
	for (size_t i = 0; i < sizeof(told) / sizeof(told[0]); i++)
		told[i] = -1;
	*state = intake_batch_new(&d);
	return *state == NULL;
}

static int
teardown(void **state)
{
	intake_batch_free(*state);
	return 0;
}

static int
submit(struct intake_batch *b, int i)
{
	json_t *args = json_pack("{ss}", "record", "{}");
	int rc = intake_batch_submit(b, args, on_done, &told[i]);

	json_decref(args);
	return rc;
}

/* Call n answers: lost with its connection. */
static void
lost(int n)
{
	struct store_result sr = {STORE_UNKNOWN, NULL, "lost", false};

	calls.cb[n](&sr, calls.arg[n]);
}

static void
test_bounded(void **state)
{
	struct intake_batch *b = *state;

	assert_int_equal(submit(b, 0), 0); /* alone, at once */
	for (int i = 1; i <= INTAKE_BATCH_MAX; i++)
		assert_int_equal(submit(b, i), 1); /* queued */
	assert_int_equal(calls.n, 1);
	/* One more: the whole call's worth goes now, the first in flight. */
	assert_int_equal(submit(b, INTAKE_BATCH_MAX + 1), 1);
	assert_int_equal(calls.n, 2);
	assert_int_equal(calls.took[1], INTAKE_BATCH_MAX);
	lost(0);
	lost(1);
	assert_int_equal(calls.n, 3); /* the last one, alone */
	assert_int_equal(calls.took[2], 1);
	lost(2);
	for (int i = 0; i <= INTAKE_BATCH_MAX + 1; i++)
		assert_int_equal(told[i], STORE_UNKNOWN);
}

static void
test_cancel(void **state)
{
	struct intake_batch *b = *state;

	assert_int_equal(submit(b, 0), 0);
	assert_int_equal(submit(b, 1), 1);
	assert_int_equal(submit(b, 2), 1);
	assert_int_equal(intake_batch_cancel(b, &told[1]), 0);
	assert_int_equal(intake_batch_cancel(b, &told[1]), -1);
	assert_int_equal(intake_batch_cancel(b, &told[0]), -1); /* sent */
	lost(0);
	assert_int_equal(calls.n, 2);
	assert_int_equal(calls.took[1], 1); /* only the one not taken back */
	lost(1);
	assert_int_equal(told[1], -1); /* never called back */
	assert_int_equal(told[2], STORE_UNKNOWN);
}

static void
test_close(void **state)
{
	struct intake_batch *b = *state;

	assert_int_equal(submit(b, 0), 0);
	assert_int_equal(submit(b, 1), 1);
	intake_batch_close(b);
	assert_int_equal(told[1], STORE_NOT_RUN);
	assert_int_equal(submit(b, 2), -1);
	lost(0); /* the store goes: nothing is sent on it */
	assert_int_equal(calls.n, 1);
	assert_int_equal(told[0], STORE_UNKNOWN);
	assert_int_equal(told[2], -1);
}

static void
test_unsent(void **state)
{
	struct intake_batch *b = *state;

	assert_int_equal(submit(b, 0), 0);
	assert_int_equal(submit(b, 1), 1);
	assert_int_equal(submit(b, 2), 1);
	calls.refuse = true; /* the connection went with call 0 */
	lost(0);
	assert_int_equal(told[0], STORE_UNKNOWN);
	assert_int_equal(told[1], STORE_NOT_RUN);
	assert_int_equal(told[2], STORE_NOT_RUN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
