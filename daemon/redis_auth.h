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

/*
 * Whether `r` says the credentials are refused or missing: r is the
 * answer to the first command (any error to AUTH counts), or, when no
 * password is set, to any command (NOAUTH counts). Then a sentence in
 * buf, which never holds the password:
 * "ADDR refused the password for user U: WRONGPASS ...", or
 * "ADDR requires a password: set redis.password". False when it does not
 * (r may be NULL: the connection went, which says nothing about AUTH).
 */
bool redis_auth_refused(const struct mash_config *c, enum redis_auth_of of,
			const char *addr, const redisReply *r, char *buf,
			size_t len);

#endif
