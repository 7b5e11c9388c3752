/*
 * test_queue_item: the queue's items as mashd makes them (queue_item.c)
 * from what queue.lua read: its times are mash_time_format()'s, its
 * numbers Lua's tonumber()'s, and an answer that is not queue.lua's
 * shape is refused (-1), never read past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/timeutil.h"
#include "mash/words.h"

#include "queue_item.h"


static void
test_iso(void **state)
{
	char a[64], b[MASH_TIME_BUFSZ];
	/* 1900 to 2200 and the edges of days, leap days, 1970 */
	int64_t from = -2208988800000LL, to = 7258118400000LL;
	int64_t step = (to - from) / 200003;

	(void)state;
	for (int64_t ms = from; ms < to; ms += step)
		for (int64_t off = -1; off <= 1000; off += 1000) {
			queue_item_iso((double)(ms + off), a);
			mash_time_format(ms + off, b);
			assert_string_equal(a, b);
		}
	queue_item_iso(NAN, a);
	assert_string_equal(a, "1970-01-01T00:00:00Z");
	queue_item_iso(1e300, a);
	assert_string_equal(a, "1970-01-01T00:00:00Z");
	queue_item_iso(253402300800000.0, a);
	assert_string_equal(a, "10000-01-01T00:00:00Z");
	queue_item_iso(-62167219200001.0, a);
	assert_string_equal(a, "-001-12-31T23:59:59Z");
}

static void
test_number(void **state)
{
	static const struct {
		const char *s;
		int rc;
		double v;
	} cases[] = {
	    {"1784021400000", 0, 1784021400000.0},
	    {"  12345  ", 0, 12345},
	    {"0x1F4", 0, 500},
	    {"0X10", 0, 16},
	    {"1e3", 0, 1000},
	    {"-5", 0, -5},
	    {"+7", 0, 7},
	    {"12.7e2", 0, 1270},
	    {"9007199254740993", 0, 9007199254740992.0},
	    {"", -1, 0},
	    {"abc", -1, 0},
	    {"123abc", -1, 0},
	    {"1 2", -1, 0},
	    {"0xg", -1, 0},
	};
	double v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -99;
		if (queue_item_number(cases[i].s, &v) != cases[i].rc ||
		    (cases[i].rc == 0 && v != cases[i].v))
			fail_msg("\"%s\": %g", cases[i].s, v);
	}
}

static redisReply *
str(const char *s)
{
	redisReply *r = calloc(1, sizeof(*r));

	r->type = REDIS_REPLY_STRING;
	r->str = strdup(s);
	r->len = strlen(s);
	return r;
}

static redisReply *
of_type(int type)
{
	redisReply *r = calloc(1, sizeof(*r));

	r->type = type;
	return r;
}

static redisReply *
arr(size_t n)
{
	redisReply *r = of_type(REDIS_REPLY_ARRAY);

	r->elements = n;
	r->element = calloc(n ? n : 1, sizeof(*r->element));
	return r;
}

static void
drop(redisReply *r)
{
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i] != NULL)
			drop(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

/* {id, fields (all nil but status, due:decision), cats, repeat} */
static redisReply *
item(void)
{
	redisReply *e = arr(4), *v = arr(NFIELDS);

	e->element[0] = str("MASH-2026-000001");
	for (size_t i = 0; i < NFIELDS; i++)
		v->element[i] = of_type(REDIS_REPLY_NIL);
	drop(v->element[1]);
	v->element[1] = str("new");
	drop(v->element[7]);
	v->element[7] = str("1784280600000");
	e->element[1] = v;
	e->element[2] = arr(1);
	e->element[2]->element[0] = str("neglect");
	e->element[3] = of_type(REDIS_REPLY_NIL);
	return e;
}

static int
build(redisReply *e, char **text)
{
	struct queue_items *q = queue_items_new();
	size_t len = 0, cap = 16;
	int rc;

	*text = malloc(cap);
	rc = queue_item_append(q, e, text, &len, &cap);
	queue_items_free(q);
	if (rc == 0 && (*text = realloc(*text, len + 1)) != NULL)
		(*text)[len] = '\0';
	return rc;
}

static void
test_items(void **state)
{
	redisReply *e = item(), *d = arr(2);
	char *text;

	(void)state;
	assert_int_equal(build(e, &text), 0);
	assert_string_equal(
	    text, "{\"id\":\"MASH-2026-000001\",\"brag\":\"\",\"status\":"
		  "\"new\",\"channel\":\"\",\"received\":\"1970-01-01T00:00:"
		  "00Z\",\"categories\":[\"neglect\"],\"overdue\":[],"
		  "\"timers\":{\"decision\":{\"due\":\"2026-07-17T09:30:00Z\","
		  "\"fired\":null,\"stopped\":null}},\"next_due\":{\"timer\":"
		  "\"decision\",\"due\":\"2026-07-17T09:30:00Z\"},\"owner\":"
		  "null,\"repeat\":null}");
	free(text);
	d->element[0] = str("MASH-2026-000002");
	d->element[1] = str("missing");
	assert_int_equal(build(d, &text), 0);
	assert_string_equal(text, "{\"id\":\"MASH-2026-000002\",\"status\":"
				  "\"damaged\",\"damaged\":\"missing\"}");
	free(text);
	drop(d);
	drop(e);
}

/* Each answer not of queue.lua's shape: -1, nothing read past it. */
static void
test_not_items(void **state)
{
	char *text;
	redisReply *e;

	(void)state;
	e = str("{}"); /* an item as text: the old answer */
	assert_int_equal(build(e, &text), -1);
	free(text);
	drop(e);
	e = item(); /* a field that is a number */
	drop(e->element[1]->element[3]);
	e->element[1]->element[3] = of_type(REDIS_REPLY_INTEGER);
	assert_int_equal(build(e, &text), -1);
	free(text);
	drop(e);
	e = item(); /* a field too few */
	e->element[1]->elements--;
	drop(e->element[1]->element[NFIELDS - 1]);
	assert_int_equal(build(e, &text), -1);
	free(text);
	drop(e);
	e = item(); /* categories that are not strings */
	drop(e->element[2]->element[0]);
	e->element[2]->element[0] = arr(0);
	assert_int_equal(build(e, &text), -1);
	free(text);
	drop(e);
	e = item(); /* a repeat that is an array */
	drop(e->element[3]);
	e->element[3] = arr(0);
	assert_int_equal(build(e, &text), -1);
	free(text);
	drop(e);
	e = item(); /* no id */
	drop(e->element[0]);
	e->element[0] = of_type(REDIS_REPLY_NIL);
	assert_int_equal(build(e, &text), -1);
	free(text);
	drop(e);
	e = arr(2); /* damaged, but why is no string */
	e->element[0] = str("MASH-2026-000002");
	e->element[1] = of_type(REDIS_REPLY_NIL);
	assert_int_equal(build(e, &text), -1);
	free(text);
	drop(e);
	e = arr(0);
	assert_int_equal(build(e, &text), -1);
	free(text);
	drop(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_iso),
	    cmocka_unit_test(test_number),
	    cmocka_unit_test(test_items),
	    cmocka_unit_test(test_not_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
