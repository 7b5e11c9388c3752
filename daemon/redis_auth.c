/*
 * redis_auth.c owns the credentials mashd gives Redis and the sentinels,
 * and the reading of their answer; see redis_auth.h. It does no I/O: the
 * connections' owners (store.c, ctl_watch.c, sentinel.c) send and log.
 *
 * An error's text is never quoted, only its code word (the text up to its
 * first space: WRONGPASS, NOAUTH, ERR, NOPERM), with a sentence of
 * mashd's own for the answers it knows: some of Redis's quote what was
 * sent ("ERR unknown command 'AUTH', with args beginning with:
 * '<password>'" where AUTH is renamed, "ERR AUTH <password> called
 * without any password configured ..."), and a proxy's may too.
 */
#include <stdio.h>
#include <string.h>

#include "redis_auth.h"

/* An answer mashd knows, by how it begins; `also` too, when set. */
struct known {
	const char *begins, *also;
	enum redis_auth_answer is;
	const char *says;
};

static const struct known KNOWN[] = {
    {"WRONGPASS", NULL, REDIS_AUTH_REFUSED,
     "a wrong password or user, or the user is disabled"},
    {"ERR invalid password", NULL, REDIS_AUTH_REFUSED, "a wrong password"},
    {"ERR invalid username-password pair", NULL, REDIS_AUTH_REFUSED,
     "a wrong password or user, or the user is disabled"},
    {"ERR AUTH ", "called without any password configured", REDIS_AUTH_REFUSED,
     "it has no password set"},
    {"ERR Client sent AUTH, but no password is set", NULL, REDIS_AUTH_REFUSED,
     "it has no password set"},
    {"ERR wrong number of arguments for 'auth'", NULL, REDIS_AUTH_REFUSED,
     "it takes no user (Redis before 6)"},
    {"NOAUTH", NULL, REDIS_AUTH_REFUSED, "it asks a password first"},
    {"ERR max number of clients reached", NULL, REDIS_AUTH_FAILED,
     "it is at maxclients"},
    {"ERR unknown command", NULL, REDIS_AUTH_FAILED,
     "it does not know the command"},
};

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

static const char *
key_of(enum redis_auth_of of)
{
	return of == REDIS_AUTH_SENTINEL ? "redis.sentinel_password"
					 : "redis.password";
}

static const struct known *
known(const redisReply *r)
{
	for (size_t i = 0; i < sizeof(KNOWN) / sizeof(KNOWN[0]); i++)
		if (strncmp(r->str, KNOWN[i].begins, strlen(KNOWN[i].begins)) ==
			0 &&
		    (KNOWN[i].also == NULL || strstr(r->str, KNOWN[i].also)))
			return &KNOWN[i];
	return NULL;
}

static bool
holds(const char *s, const char *secret)
{
	return secret != NULL && secret[0] != '\0' && strstr(s, secret);
}

void
redis_auth_code(const struct mash_config *c, enum redis_auth_of of,
		const redisReply *r, char *buf, size_t len)
{
	const char *user, *pass;
	char code[33];
	size_t n = 0;

	creds(c, of, &user, &pass);
	/* Redis's code word is capitals, ended by a space or the reply's
	 * end, measured whole: anything else (an echo of what was sent, a
	 * long word a cut could leave part of a password in) is not quoted,
	 * nor a word that holds a credential. */
	while (n < r->len && r->str[n] >= 'A' && r->str[n] <= 'Z')
		n++;
	if (n == 0 || n >= sizeof(code) || (n < r->len && r->str[n] != ' ')) {
		snprintf(buf, len, "an error");
		return;
	}
	snprintf(code, sizeof(code), "%.*s", (int)n, r->str);
	snprintf(buf, len, "%s",
		 holds(code, pass) || holds(code, user) ? "an error" : code);
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
redis_auth_missing(const struct mash_config *c, enum redis_auth_of of,
		   const char *addr, const redisReply *r, char *buf, size_t len)
{
	if (r == NULL || r->type != REDIS_REPLY_ERROR ||
	    redis_auth_set(c, of) || strncmp(r->str, "NOAUTH", 6) != 0)
		return false;
	snprintf(buf, len, "%s requires a password: set %s", addr, key_of(of));
	return true;
}

enum redis_auth_answer
redis_auth_answer(const struct mash_config *c, enum redis_auth_of of,
		  const char *addr, const redisReply *r, char *buf, size_t len)
{
	const char *user, *pass;
	const struct known *k;
	char code[40];

	if (r == NULL) {
		snprintf(buf, len, "%s: the connection went", addr);
		return REDIS_AUTH_FAILED;
	}
	if (r->type != REDIS_REPLY_ERROR)
		return REDIS_AUTH_ACCEPTED;
	if (redis_auth_missing(c, of, addr, r, buf, len))
		return REDIS_AUTH_REFUSED;
	creds(c, of, &user, &pass);
	redis_auth_code(c, of, r, code, sizeof(code));
	k = known(r);
	if (k != NULL && k->is == REDIS_AUTH_REFUSED && pass != NULL) {
		snprintf(buf, len,
			 "%s refused the password for user %s: %s, %s", addr,
			 user != NULL ? user : "default", code, k->says);
		return REDIS_AUTH_REFUSED;
	}
	snprintf(buf, len, "%s: %s failed: %s%s%s", addr,
		 pass != NULL ? "AUTH" : "PING", code, k != NULL ? ", " : "",
		 k != NULL ? k->says : "");
	return REDIS_AUTH_FAILED;
}
