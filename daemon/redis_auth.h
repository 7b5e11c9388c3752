/*
 * redis_auth.h: what every connection of mashd to Redis or to a sentinel
 * sends first, and what its answer means (redis_auth.c). Redis's own
 * replicas (masterauth, masteruser) and sentinels (auth-pass, auth-user)
 * do the same: AUTH user pass with an ACL user, AUTH pass for the default
 * user, before any other command. The credentials are read from the
 * configuration in force when the connection is made: after a reload, the
 * next connection uses the new ones, and one already made keeps going.
 */
#ifndef MASHD_REDIS_AUTH_H
#define MASHD_REDIS_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "mash/config.h"

/* Whose credentials: the Redis that holds the data (redis.user,
 * redis.password), or a sentinel (redis.sentinel_user, ...). */
enum redis_auth_of {
	REDIS_AUTH_DATA,
	REDIS_AUTH_SENTINEL,
};

/* A password is configured for it: AUTH is sent. */
bool redis_auth_set(const struct mash_config *c, enum redis_auth_of of);

/*
 * The first command of a connection, in argv/argvlen (3 slots): AUTH
 * [user] password, or PING when no password is configured (so that a
 * Redis that asks one says so at once). Returns argc. The strings are
 * the configuration's: send them before it may be freed (a reload).
 */
int redis_auth_argv(const struct mash_config *c, enum redis_auth_of of,
		    const char **argv, size_t *argvlen);

/* What the answer to the first command says. */
enum redis_auth_answer {
	REDIS_AUTH_ACCEPTED, /* go on */
	REDIS_AUTH_REFUSED,  /* the credentials are wrong or missing */
	REDIS_AUTH_FAILED,   /* another error: a failure like any other */
};

/*
 * Reads `r`, the answer to the first command (AUTH, or PING with no
 * password), which may be NULL (the connection went: FAILED). Unless
 * ACCEPTED, a sentence in buf, which quotes of the error only its code
 * word and never holds a password:
 * "ADDR refused the password for user U: WRONGPASS, a wrong password or
 * user, or the user is disabled", "ADDR requires a password: set
 * redis.password" (REFUSED); "ADDR: AUTH failed: ERR, it is at
 * maxclients" (FAILED).
 */
enum redis_auth_answer redis_auth_answer(const struct mash_config *c,
					 enum redis_auth_of of,
					 const char *addr, const redisReply *r,
					 char *buf, size_t len);

/*
 * Whether `r`, the answer to a later command, is NOAUTH while no password
 * is set: then "ADDR requires a password: set redis.password" in buf.
 */
bool redis_auth_missing(const struct mash_config *c, enum redis_auth_of of,
			const char *addr, const redisReply *r, char *buf,
			size_t len);

/*
 * The code word of the error `r` (its text up to the first space, at most
 * 32 characters: "ERR", "NOPERM"), or "an error" when that would hold
 * the password or the user: what a log line may quote of an error.
 */
void redis_auth_code(const struct mash_config *c, enum redis_auth_of of,
		     const redisReply *r, char *buf, size_t len);

#endif
