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
#define LONG_PASS "correct-horse-battery-staple-0123456789"

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

#define ANSWER(c, of, addr, text)                                              \
	(r = reply(REDIS_REPLY_ERROR, (text)),                                 \
	 redis_auth_answer((c), (of), (addr), &r, buf, sizeof(buf)))

static void
test_refused(void **state)
{
	struct mash_config c;
	redisReply r;
	char buf[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	/* No password: only NOAUTH says one is needed. */
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "10.0.0.1:6379",
				"NOAUTH Authentication required."),
			 REDIS_AUTH_REFUSED);
	assert_string_equal(
	    buf, "10.0.0.1:6379 requires a password: set redis.password");
	assert_int_equal(ANSWER(&c, REDIS_AUTH_SENTINEL, "s:26379",
				"NOAUTH Authentication required."),
			 REDIS_AUTH_REFUSED);
	assert_string_equal(
	    buf, "s:26379 requires a password: set redis.sentinel_password");
	assert_true(redis_auth_missing(&c, REDIS_AUTH_SENTINEL, "s:26379", &r,
				       buf, sizeof(buf)));
	r = reply(REDIS_REPLY_ERROR, "ERR unknown command 'ROLE'");
	assert_false(
	    redis_auth_missing(&c, REDIS_AUTH_DATA, "a", &r, buf, sizeof(buf)));
	r = reply(REDIS_REPLY_STATUS, "PONG");
	assert_int_equal(
	    redis_auth_answer(&c, REDIS_AUTH_DATA, "a", &r, buf, sizeof(buf)),
	    REDIS_AUTH_ACCEPTED);
	assert_int_equal(
	    redis_auth_answer(&c, REDIS_AUTH_DATA, "a", NULL, buf, sizeof(buf)),
	    REDIS_AUTH_FAILED);

	/* A password: Redis's refusals, in words of mashd's own. */
	c.redis.password = PASS;
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "/run/r.sock",
				"WRONGPASS invalid username-password "
				"pair or user is disabled."),
			 REDIS_AUTH_REFUSED);
	assert_string_equal(buf, "/run/r.sock refused the password for user "
				 "default: WRONGPASS, a wrong password or "
				 "user, or the user is disabled");
	c.redis.user = "mashd";
	assert_int_equal(
	    ANSWER(&c, REDIS_AUTH_DATA, "/run/r.sock", "WRONGPASS x"),
	    REDIS_AUTH_REFUSED);
	assert_non_null(strstr(buf, "for user mashd: WRONGPASS"));
	r = reply(REDIS_REPLY_STATUS, "OK");
	assert_int_equal(
	    redis_auth_answer(&c, REDIS_AUTH_DATA, "a", &r, buf, sizeof(buf)),
	    REDIS_AUTH_ACCEPTED);
	/* A short buffer: cut, never overrun. */
	buf[10] = 'Z';
	r = reply(REDIS_REPLY_ERROR, "WRONGPASS x");
	assert_int_equal(
	    redis_auth_answer(&c, REDIS_AUTH_DATA, "/run/r.sock", &r, buf, 10),
	    REDIS_AUTH_REFUSED);
	assert_int_equal(strlen(buf), 9);
	assert_int_equal(buf[10], 'Z');
}

/* Every refusal Redis words, old and new, is one; the ones that quote
 * the password are never quoted. */
static void
test_refusals(void **state)
{
	static const char *refusals[] = {
	    "ERR invalid password",
	    "ERR invalid username-password pair or user is disabled.",
	    "ERR AUTH " PASS " called without any password configured for "
	    "the default user. Are you sure your configuration is correct?",
	    "ERR Client sent AUTH, but no password is set",
	    "ERR wrong number of arguments for 'auth' command",
	    "NOAUTH Authentication required.",
	};
	struct mash_config c;
	redisReply r;
	char buf[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.redis.password = PASS;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "a", refusals[i]),
				 REDIS_AUTH_REFUSED);
		assert_null(strstr(buf, PASS));
		assert_non_null(strstr(buf, "a refused the password"));
	}
	assert_non_null(strstr(buf, ": NOAUTH, "));
}

/* Any other error to AUTH is a failure like any, not a refusal; and no
 * error's text is quoted, only its code word (AUTH renamed: Redis quotes
 * the password). */
static void
test_failed(void **state)
{
	struct mash_config c;
	redisReply r;
	char buf[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.redis.password = PASS;
	c.redis.user = "mashd-user";
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "10.0.0.1:6379",
				"ERR unknown command 'AUTH', with args "
				"beginning with: 'mashd-user' '" PASS "' "),
			 REDIS_AUTH_FAILED);
	assert_string_equal(buf, "10.0.0.1:6379: AUTH failed: ERR, it does "
				 "not know the command");
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "10.0.0.1:6379",
				"ERR max number of clients reached"),
			 REDIS_AUTH_FAILED);
	assert_string_equal(
	    buf, "10.0.0.1:6379: AUTH failed: ERR, it is at maxclients");
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "a",
				"LOADING Redis is loading the dataset"),
			 REDIS_AUTH_FAILED);
	assert_string_equal(buf, "a: AUTH failed: LOADING");
	/* A code word that holds a credential is not quoted either. */
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "a", PASS " said"),
			 REDIS_AUTH_FAILED);
	assert_string_equal(buf, "a: AUTH failed: an error");
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "a", "xmashd-userx"),
			 REDIS_AUTH_FAILED);
	assert_string_equal(buf, "a: AUTH failed: an error");
	redis_auth_code(&c, REDIS_AUTH_DATA, &r, buf, 4);
	assert_string_equal(buf, "an ");
	/* A password longer than a code word may be, echoed first: no part
	 * of it is quoted (a cut word held none of it whole). */
	c.redis.password = LONG_PASS;
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "a", LONG_PASS " said"),
			 REDIS_AUTH_FAILED);
	assert_string_equal(buf, "a: AUTH failed: an error");
	assert_int_equal(ANSWER(&c, REDIS_AUTH_DATA, "a", "-" LONG_PASS),
			 REDIS_AUTH_FAILED);
	assert_string_equal(buf, "a: AUTH failed: an error");
	c.redis.password = PASS;
	r = reply(REDIS_REPLY_ERROR, "NOPERM this user has no permissions");
	redis_auth_code(&c, REDIS_AUTH_DATA, &r, buf, sizeof(buf));
	assert_string_equal(buf, "NOPERM");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_argv),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
