/*
 * test_lifecycle: the counts of work in hand and the stop. `drained` runs
 * once, from the event loop, only while draining and once both counts are
 * zero; a release followed at once by a hold does not end the stop; a
 * release with nothing held aborts rather than hide a missing hold. At
 * the grace's end what is in hand is abandoned, once, and the stop waits
 * for the replies only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../daemon/lifecycle.h"

struct fixture {
	struct event_base *base;
	struct lifecycle *l;
	int drained;
	int abandoned;
};

static void
on_drained(void *arg)
{
	struct fixture *f = arg;

	f->drained++;
}

/* As http and ctl do: the request waiting is answered, its reply held. */
static void
on_abandon(void *arg)
{
	struct fixture *f = arg;

	f->abandoned++;
	lifecycle_release(f->l);
	lifecycle_hold_reply(f->l);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->base = event_base_new();
	f->l = lifecycle_new(f->base, on_drained, on_abandon, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	lifecycle_free(f->l);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void
turn(struct fixture *f)
{
	event_base_loop(f->base, EVLOOP_NONBLOCK);
}

static void
test_counts(void **state)
{
	struct fixture *f = *state;

	lifecycle_hold(f->l);
	lifecycle_hold(f->l);
	lifecycle_hold_reply(f->l);
	assert_int_equal(lifecycle_in_flight(f->l), 2);
	assert_int_equal(lifecycle_unsent(f->l), 1);
	lifecycle_release(f->l);
	lifecycle_release(f->l);
	lifecycle_release_reply(f->l);
	assert_int_equal(lifecycle_in_flight(f->l), 0);
	assert_int_equal(lifecycle_unsent(f->l), 0);
	assert_false(lifecycle_draining(f->l));
	turn(f);
	assert_int_equal(f->drained, 0); /* not stopping: nothing to say */
}

static void
test_drain_waits_for_both(void **state)
{
	struct fixture *f = *state;

	lifecycle_hold(f->l);
	lifecycle_hold_reply(f->l);
	lifecycle_drain(f->l, 60);
	assert_true(lifecycle_draining(f->l));
	assert_false(lifecycle_drained(f->l));
	turn(f);
	assert_int_equal(f->drained, 0);
	lifecycle_release(f->l);
	turn(f);
	assert_int_equal(f->drained, 0); /* a reply is still being written */
	lifecycle_release_reply(f->l);
	assert_true(lifecycle_drained(f->l));
	assert_int_equal(f->drained, 0); /* never from inside a release */
	turn(f);
	assert_int_equal(f->drained, 1);
	lifecycle_hold(f->l);
	lifecycle_release(f->l);
	turn(f);
	assert_int_equal(f->drained, 1); /* once */
}

static void
test_drain_when_idle(void **state)
{
	struct fixture *f = *state;

	lifecycle_drain(f->l, 60);
	assert_true(lifecycle_drained(f->l));
	assert_int_equal(f->drained, 0);
	turn(f);
	assert_int_equal(f->drained, 1);
}

static void
test_release_then_hold(void **state)
{
	struct fixture *f = *state;

	lifecycle_hold(f->l);
	lifecycle_drain(f->l, 60);
	/* One callback ends a request and starts the next. */
	lifecycle_release(f->l);
	lifecycle_hold_reply(f->l);
	turn(f);
	assert_int_equal(f->drained, 0);
	lifecycle_release_reply(f->l);
	turn(f);
	assert_int_equal(f->drained, 1);
}

/* The grace over, what is in hand is answered; the stop then waits for
 * the answers to be written, not for the work still in flight. */
static void
test_grace_abandons(void **state)
{
	struct fixture *f = *state;

	lifecycle_hold(f->l); /* a request, answered at the grace's end */
	lifecycle_hold(f->l); /* work no one waits for (a delivery) */
	lifecycle_drain(f->l, 0);
	turn(f);
	assert_int_equal(f->abandoned, 1);
	assert_int_equal(lifecycle_in_flight(f->l), 1);
	assert_false(lifecycle_drained(f->l)); /* its answer is unsent */
	turn(f);
	assert_int_equal(f->drained, 0);
	lifecycle_release_reply(f->l);
	assert_true(lifecycle_drained(f->l));
	turn(f);
	assert_int_equal(f->drained, 1);
	assert_int_equal(f->abandoned, 1); /* once */
	lifecycle_release(f->l);
}

/* Drained within the grace: nothing is abandoned. */
static void
test_drained_in_grace(void **state)
{
	struct fixture *f = *state;

	lifecycle_hold(f->l);
	lifecycle_drain(f->l, 0);
	lifecycle_release(f->l);
	turn(f);
	assert_int_equal(f->drained, 1);
	turn(f);
	assert_int_equal(f->abandoned, 0);
}

static void
underflow(struct fixture *f, void (*release)(struct lifecycle *))
{
	struct rlimit no_core = {0, 0};
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &no_core);
		close(2); /* assert's message is expected */
		release(f->l);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* An answer its client never reads: the stop ends all the same, the
 * flush's 2 s after the grace (the loop runs until then: no sleep). An
 * answer whose client has gone is counted apart, once draining. */
static void
test_flush_over(void **state)
{
	struct fixture *f = *state;

	lifecycle_hold_reply(f->l);
	lifecycle_lose_reply(f->l); /* before the stop: not counted */
	lifecycle_hold(f->l);	    /* answered at the grace's end */
	lifecycle_hold_reply(f->l); /* a client gone: lost */
	lifecycle_drain(f->l, 0);
	lifecycle_lose_reply(f->l);
	while (f->drained == 0 && event_base_loop(f->base, EVLOOP_ONCE) == 0)
		;
	assert_int_equal(f->abandoned, 1);
	assert_int_equal(f->drained, 1);
	assert_int_equal(lifecycle_unsent(f->l), 1); /* never written */
	assert_int_equal(lifecycle_lost(f->l), 1);
	assert_false(lifecycle_drained(f->l));
	lifecycle_release_reply(f->l);
}

static void
test_underflow_aborts(void **state)
{
	struct fixture *f = *state;

	underflow(f, lifecycle_release);
	underflow(f, lifecycle_release_reply);
	lifecycle_hold(f->l);
	lifecycle_release(f->l);
	underflow(f, lifecycle_release);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drain_waits_for_both, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_drain_when_idle, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_release_then_hold, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_grace_abandons, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_drained_in_grace, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_flush_over, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_underflow_aborts, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
