/*
 * config_redis.c owns the redis group of mashd.conf: where the master is
 * (a socket, a host and port, or the sentinels that know it), the key
 * prefix and its hash tag, the deadline of a call, the replicas a change
 * waits for, the durability waiver, and the credentials mashd gives Redis
 * and the sentinels (AUTH). config.c checks the group's keys
 * and types against its schema first; this file reads their values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/config.h"

#include "config_schema.h"

/* The most replicas a change may wait for: far more than a hub runs. */
#define REPLICAS_ACK_MAX 16
#define SENTINELS_MAX 16

/* config_fail() for redis.KEY (the setting `s`, or redis.KEY's when
 * NULL): "FILE:LINE: redis.KEY: message". */
#define redis_fail(c, key, s, err, errlen, ...)                                \
	config_fail(err, errlen, (c)->path,                                    \
		    (s) != NULL ? (s) : redis_setting(c, key), __VA_ARGS__)

static const config_setting_t *
redis_setting(struct mash_config *c, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "redis.%s", key);
	return config_lookup(&c->cfg, path);
}

static int
redis_int(struct mash_config *c, const char *key, long long def, long long lo,
	  long long hi, int *out, char *err, size_t errlen)
{
	char path[64];
	long long v;

	snprintf(path, sizeof(path), "redis.%s", key);
	if (!config_lookup_int64(&c->cfg, path, &v))
		v = def;
	if (v < lo || v > hi)
		return redis_fail(c, key, NULL, err, errlen,
				  "must be between %lld and %lld", lo, hi);
	*out = (int)v;
	return 0;
}

static bool
redis_has(struct mash_config *c, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "redis.%s", key);
	return config_lookup(&c->cfg, path) != NULL;
}

/* "host:port", "[v6]:port": 0, or -1 when it is neither. */
static int
parse_node(const char *s, struct config_node *n)
{
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hlen;
	char *end;
	long port;

	if (colon == NULL || colon[1] == '\0')
		return -1;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(n->host) ||
	    strcspn(h, " \t\r\n[]") < hlen)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -1;
	memcpy(n->host, h, hlen);
	n->host[hlen] = '\0';
	n->port = (int)port;
	return 0;
}

static int
load_sentinels(struct mash_config *c, char *err, size_t errlen)
{
	config_setting_t *a = config_lookup(&c->cfg, "redis.sentinels");
	int n = a ? config_setting_length(a) : 0;
	const char *name;

	if (a == NULL) {
		if (redis_has(c, "master_name"))
			return redis_fail(c, "master_name", NULL, err, errlen,
					  "needs redis.sentinels, the "
					  "sentinels that know it");
		return 0;
	}
	if (n == 0 || n > SENTINELS_MAX)
		return redis_fail(c, "sentinels", NULL, err, errlen,
				  "must name 1 to %d sentinels, like "
				  "[ \"10.0.0.1:26379\", \"10.0.0.2:26379\" ]",
				  SENTINELS_MAX);
	/* One master, named one way: never guess which the hub meant. */
	if (redis_has(c, "socket") || redis_has(c, "host") ||
	    redis_has(c, "port"))
		return redis_fail(
		    c, "sentinels", NULL, err, errlen,
		    "cannot be used with redis.%s: the sentinels name the "
		    "master; remove redis.socket, redis.host and redis.port",
		    redis_has(c, "socket") ? "socket"
		    : redis_has(c, "host") ? "host"
					   : "port");
	if (!config_lookup_string(&c->cfg, "redis.master_name", &name))
		return redis_fail(c, "sentinels", NULL, err, errlen,
				  "needs redis.master_name, the name the "
				  "sentinels monitor the master by");
	if (name[0] == '\0' || strcspn(name, " \t\r\n") != strlen(name))
		return redis_fail(c, "master_name", NULL, err, errlen,
				  "must be the sentinels' name of the "
				  "master, one word like \"mash\"");
	c->redis.master_name = name;
	if ((c->redis.sentinels =
		 calloc((size_t)n, sizeof(struct config_node))) == NULL)
		return redis_fail(c, "sentinels", NULL, err, errlen,
				  "out of memory");
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(a, i);
		const char *v = config_setting_get_string(e);

		if (v == NULL || parse_node(v, &c->redis.sentinels[i]) != 0) {
			char key[32];

			snprintf(key, sizeof(key), "sentinels[%d]", i);
			return redis_fail(c, key, e, err, errlen,
					  "must be \"host:port\", like "
					  "\"10.0.0.1:26379\"");
		}
		c->redis.nsentinels++;
	}
	return 0;
}

/*
 * One pair of credentials: redis.USER_KEY and redis.PASS_KEY. A user
 * needs a password (AUTH user pass); a password alone is the default
 * user's (AUTH pass). An empty one is refused: Redis's requirepass ""
 * means no password, so the key would be a mistake. No message quotes
 * a value.
 */
static int
load_auth(struct mash_config *c, const char *user_key, const char *pass_key,
	  const char **user, const char **pass, char *err, size_t errlen)
{
	char path[64];

	snprintf(path, sizeof(path), "redis.%s", user_key);
	if (!config_lookup_string(&c->cfg, path, user))
		*user = NULL;
	snprintf(path, sizeof(path), "redis.%s", pass_key);
	if (!config_lookup_string(&c->cfg, path, pass))
		*pass = NULL;
	if (*pass != NULL && (*pass)[0] == '\0')
		return redis_fail(c, pass_key, NULL, err, errlen,
				  "must not be empty: remove it for a Redis "
				  "that asks no password");
	if (*user != NULL &&
	    ((*user)[0] == '\0' || strcspn(*user, " \t\r\n") != strlen(*user)))
		return redis_fail(c, user_key, NULL, err, errlen,
				  "must be an ACL user's name, one word");
	if (*user != NULL && *pass == NULL)
		return redis_fail(c, user_key, NULL, err, errlen,
				  "needs redis.%s, the user's password",
				  pass_key);
	return 0;
}

/*
 * A Redis Cluster hash tag: the text between the first '{' and the first
 * '}' after it, not empty. Keys that share it share a slot.
 */
static bool
has_hash_tag(const char *s)
{
	const char *open = strchr(s, '{'), *close;

	return open != NULL && (close = strchr(open + 1, '}')) != NULL &&
	       close > open + 1;
}

int
config_load_redis(struct mash_config *c, char *err, size_t errlen)
{
	int b = 0;

	if (!config_lookup_string(&c->cfg, "redis.socket", &c->redis.socket))
		c->redis.socket = NULL;
	if (!config_lookup_string(&c->cfg, "redis.host", &c->redis.host))
		c->redis.host = "127.0.0.1";
	if (redis_int(c, "port", 6379, 1, 65535, &c->redis.port, err, errlen) ||
	    load_sentinels(c, err, errlen))
		return -1;
	if (c->redis.nsentinels > 0)
		c->redis.socket = c->redis.host = NULL;
	if (!config_lookup_string(&c->cfg, "redis.prefix", &c->redis.prefix))
		c->redis.prefix = "{mash}:";
	/* Scripts make some keys from data they read (the referral a due
	 * timer names): only the tag keeps those in the slot of the rest. */
	if (!has_hash_tag(c->redis.prefix))
		return redis_fail(c, "prefix", NULL, err, errlen,
				  "must hold a hash tag, like \"{mash}:\": "
				  "every key of the hub shares it, so that "
				  "all are in one slot");
	if (redis_int(c, "timeout", 5, 1, 600, &c->redis.timeout, err,
		      errlen) ||
	    redis_int(c, "replicas_ack", 0, 0, REPLICAS_ACK_MAX,
		      &c->redis.replicas_ack, err, errlen))
		return -1;
	c->redis.allow_unsafe =
	    config_lookup_bool(&c->cfg, "redis.allow_unsafe", &b) && b;
	if (load_auth(c, "user", "password", &c->redis.user, &c->redis.password,
		      err, errlen) ||
	    load_auth(c, "sentinel_user", "sentinel_password",
		      &c->redis.sentinel_user, &c->redis.sentinel_password, err,
		      errlen))
		return -1;
	if (c->redis.nsentinels == 0 && c->redis.sentinel_password != NULL)
		return redis_fail(c, "sentinel_password", NULL, err, errlen,
				  "needs redis.sentinels: without them mashd "
				  "talks to no sentinel");
	return 0;
}
