/*
 * test_redis_auth: the first command of a connection to Redis or a
 * sentinel (AUTH with a user, AUTH alone, or PING with no password), and
 * the sentences its refusals become, which name the address, the user and
 * the key to set, and never hold the password.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

/* The module under test does no I/O. */
#include "../../daemon/redis_auth.c"

#define PASS "s3cret-pass-0123456789"

static int
argv_of(const struct mash_config *c, enum redis_auth_of of, char *out)
{
	const char *argv[3];
	size_t len[3];
	int n = redis_auth_argv(c, of, argv, len);

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		assert_int_equal(len[i], strlen(argv[i]));
		strcat(out, i ? " " : "");
		strcat(out, argv[i]);
	}
	return n;
}

static void
test_argv(void **state)
{
	struct mash_config c;
	char got[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_false(redis_auth_set(&c, REDIS_AUTH_DATA));
	assert_int_equal(argv_of(&c, REDIS_AUTH_DATA, got), 1);
	assert_string_equal(got, "PING");
	c.redis.password = PASS;
	assert_true(redis_auth_set(&c, REDIS_AUTH_DATA));
	assert_false(redis_auth_set(&c, REDIS_AUTH_SENTINEL));
	assert_int_equal(argv_of(&c, REDIS_AUTH_DATA, got), 2);
	assert_string_equal(got, "AUTH " PASS);
	c.redis.user = "mashd";
	assert_int_equal(argv_of(&c, REDIS_AUTH_DATA, got), 3);
	assert_string_equal(got, "AUTH mashd " PASS);
	/* The sentinels' own, apart. */
	assert_int_equal(argv_of(&c, REDIS_AUTH_SENTINEL, got), 1);
	c.redis.sentinel_password = "other";
	assert_int_equal(argv_of(&c, REDIS_AUTH_SENTINEL, got), 2);
	assert_string_equal(got, "AUTH other");
}

static redisReply
reply(int type, const char *s)
{
	redisReply r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.str = (char *)s;
	r.len = s ? strlen(s) : 0;
	return r;
}

static void
test_refused(void **state)
{
	struct mash_config c;
	redisReply r;
	char buf[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	/* No password: only NOAUTH says one is needed. */
	r = reply(REDIS_REPLY_ERROR, "NOAUTH Authentication required.");
	assert_true(redis_auth_refused(&c, REDIS_AUTH_DATA, "10.0.0.1:6379", &r,
				       buf, sizeof(buf)));
	assert_string_equal(
	    buf, "10.0.0.1:6379 requires a password: set redis.password");
	assert_true(redis_auth_refused(&c, REDIS_AUTH_SENTINEL, "s:26379", &r,
				       buf, sizeof(buf)));
	assert_string_equal(
	    buf, "s:26379 requires a password: set redis.sentinel_password");
	r = reply(REDIS_REPLY_ERROR, "ERR unknown command 'ROLE'");
	assert_false(
	    redis_auth_refused(&c, REDIS_AUTH_DATA, "a", &r, buf, sizeof(buf)));
	r = reply(REDIS_REPLY_STATUS, "PONG");
	assert_false(
	    redis_auth_refused(&c, REDIS_AUTH_DATA, "a", &r, buf, sizeof(buf)));
	assert_false(redis_auth_refused(&c, REDIS_AUTH_DATA, "a", NULL, buf,
					sizeof(buf)));

	/* A password: any error to AUTH is a refusal, its full stop cut. */
	c.redis.password = PASS;
	r = reply(REDIS_REPLY_ERROR, "WRONGPASS invalid username-password "
				     "pair or user is disabled.");
	assert_true(redis_auth_refused(&c, REDIS_AUTH_DATA, "/run/r.sock", &r,
				       buf, sizeof(buf)));
	assert_string_equal(buf, "/run/r.sock refused the password for user "
				 "default: WRONGPASS invalid username-password "
				 "pair or user is disabled");
	c.redis.user = "mashd";
	assert_true(redis_auth_refused(&c, REDIS_AUTH_DATA, "/run/r.sock", &r,
				       buf, sizeof(buf)));
	assert_non_null(strstr(buf, "for user mashd: WRONGPASS"));
	assert_null(strstr(buf, PASS));
	r = reply(REDIS_REPLY_STATUS, "OK");
	assert_false(
	    redis_auth_refused(&c, REDIS_AUTH_DATA, "a", &r, buf, sizeof(buf)));
	/* A short buffer: cut, never overrun. */
	r = reply(REDIS_REPLY_ERROR, "WRONGPASS x");
	buf[10] = 'Z';
	assert_true(redis_auth_refused(&c, REDIS_AUTH_DATA, "/run/r.sock", &r,
				       buf, 10));
	assert_int_equal(strlen(buf), 9);
	assert_int_equal(buf[10], 'Z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_argv),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
