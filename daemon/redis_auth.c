/*
 * redis_auth.c owns the credentials mashd gives Redis and the sentinels,
 * and the reading of their answer; see redis_auth.h. It does no I/O: the
 * connections' owners (store.c, ctl_watch.c, sentinel.c) send and log.
 *
 * Redis answers a wrong password "WRONGPASS ..." (6 and later; "ERR
 * invalid password" before), a password to a Redis that has none "ERR
 * AUTH <password> called without any password configured ..." (the
 * words, not the password), and any command before AUTH on a Redis that
 * needs one "NOAUTH Authentication required.". None of these quotes what
 * was sent, so they are quoted as they come.
 */
#include <stdio.h>
#include <string.h>

#include "redis_auth.h"

static void
creds(const struct mash_config *c, enum redis_auth_of of, const char **user,
      const char **pass)
{
	if (of == REDIS_AUTH_SENTINEL) {
		*user = c->redis.sentinel_user;
		*pass = c->redis.sentinel_password;
	} else {
		*user = c->redis.user;
		*pass = c->redis.password;
	}
}

bool
redis_auth_set(const struct mash_config *c, enum redis_auth_of of)
{
	const char *user, *pass;

	creds(c, of, &user, &pass);
	return pass != NULL;
}

int
redis_auth_argv(const struct mash_config *c, enum redis_auth_of of,
		const char **argv, size_t *argvlen)
{
	const char *user, *pass;
	int n = 0;

	creds(c, of, &user, &pass);
	if (pass == NULL) {
		argv[n++] = "PING";
	} else {
		argv[n++] = "AUTH";
		if (user != NULL)
			argv[n++] = user;
		argv[n++] = pass;
	}
	for (int i = 0; i < n; i++)
		argvlen[i] = strlen(argv[i]);
	return n;
}

bool
redis_auth_refused(const struct mash_config *c, enum redis_auth_of of,
		   const char *addr, const redisReply *r, char *buf, size_t len)
{
	const char *user, *pass;
	const char *key = of == REDIS_AUTH_SENTINEL ? "redis.sentinel_password"
						    : "redis.password";

	if (r == NULL || r->type != REDIS_REPLY_ERROR)
		return false;
	creds(c, of, &user, &pass);
	if (strncmp(r->str, "NOAUTH", 6) == 0 && pass == NULL) {
		snprintf(buf, len, "%s requires a password: set %s", addr, key);
		return true;
	}
	/* With a password set, r is the answer to AUTH (redis_auth.h). */
	if (pass == NULL)
		return false;
	/* Redis's sentence, without its full stop: the caller goes on. */
	snprintf(buf, len, "%s refused the password for user %s: %.*s", addr,
		 user != NULL ? user : "default",
		 (int)(r->len > 0 && r->str[r->len - 1] == '.' ? r->len - 1
							       : r->len),
		 r->str);
	return true;
}
