/*
 * config.c owns mashd.conf. libconfig parses; this file walks the parsed
 * tree against a schema so a misspelt key stops mashd before it listens
 * instead of being silently ignored.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mash/protocol.h"

#include "config.h"

struct key {
	const char *name;
	int type;		    /* CONFIG_TYPE_* ; INT also admits INT64 */
	const struct key *children; /* a group's keys, or a list's groups */
};

static const struct key redis_keys[] = {
    {"socket", CONFIG_TYPE_STRING, NULL},
    {"host", CONFIG_TYPE_STRING, NULL},
    {"port", CONFIG_TYPE_INT, NULL},
    {"prefix", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key http_keys[] = {
    {"address", CONFIG_TYPE_STRING, NULL},
    {"port", CONFIG_TYPE_INT, NULL},
    {"max_body", CONFIG_TYPE_INT, NULL},
    {"idempotency_hours", CONFIG_TYPE_INT, NULL},
    {NULL, 0, NULL},
};
static const struct key control_keys[] = {
    {"socket", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key client_keys[] = {
    {"name", CONFIG_TYPE_STRING, NULL},
    {"token", CONFIG_TYPE_STRING, NULL},
    {"channel", CONFIG_TYPE_STRING, NULL},
    {"agency", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key root_keys[] = {
    {"redis", CONFIG_TYPE_GROUP, redis_keys},
    {"http", CONFIG_TYPE_GROUP, http_keys},
    {"control", CONFIG_TYPE_GROUP, control_keys},
    {"clients", CONFIG_TYPE_LIST, client_keys},
    {NULL, 0, NULL},
};

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	}
	return "a value";
}

/* The dotted path of a setting, e.g. "clients[1].token". */
static size_t
setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *p = config_setting_parent(s);
	size_t n;
	int w;

	if (p == NULL || len == 0) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	n = setting_path(p, buf, len);
	if (config_setting_name(s) != NULL)
		w = snprintf(buf + n, len - n, "%s%s", n ? "." : "",
			     config_setting_name(s));
	else
		w = snprintf(buf + n, len - n, "[%d]", config_setting_index(s));
	return w < 0 || (size_t)w >= len - n ? len - 1 : n + (size_t)w;
}

static int
fail(char *err, size_t errlen, const char *file, const config_setting_t *s,
     const char *fmt, ...)
{
	char path[256], msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s == NULL) {
		snprintf(err, errlen, "%s: %s", file, msg);
		return -1;
	}
	setting_path(s, path, sizeof(path));
	snprintf(err, errlen, "%s:%d: %s: %s", file,
		 config_setting_source_line(s), path, msg);
	return -1;
}

static int
check_tree(const config_setting_t *group, const struct key *schema,
	   const char *file, char *err, size_t errlen)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(group, i);
		const struct key *k;
		int t = config_setting_type(s);

		for (k = schema; k->name != NULL; k++)
			if (strcmp(k->name, config_setting_name(s)) == 0)
				break;
		if (k->name == NULL)
			return fail(err, errlen, file, s, "unknown key");
		if (!(t == k->type ||
		      (k->type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64)))
			return fail(err, errlen, file, s, "must be %s",
				    type_name(k->type));
		if (k->type == CONFIG_TYPE_GROUP &&
		    check_tree(s, k->children, file, err, errlen))
			return -1;
		if (k->type == CONFIG_TYPE_LIST) {
			int m = config_setting_length(s);

			for (int j = 0; j < m; j++) {
				config_setting_t *e =
				    config_setting_get_elem(s, j);

				if (config_setting_type(e) != CONFIG_TYPE_GROUP)
					return fail(err, errlen, file, e,
						    "must be a group { ... }");
				if (check_tree(e, k->children, file, err,
					       errlen))
					return -1;
			}
		}
	}
	return 0;
}

static const char *
get_str(const config_t *cfg, const char *path, const char *def)
{
	const char *v;

	return config_lookup_string(cfg, path, &v) ? v : def;
}

static long long
get_int(const config_t *cfg, const char *path, long long def)
{
	long long v;

	return config_lookup_int64(cfg, path, &v) ? v : def;
}

static int
check_range(struct mash_config *c, const char *path, long long v, long long lo,
	    long long hi, char *err, size_t errlen)
{
	if (v >= lo && v <= hi)
		return 0;
	return fail(err, errlen, c->path, config_lookup(&c->cfg, path),
		    "must be between %lld and %lld", lo, hi);
}

static int
load_clients(struct mash_config *c, char *err, size_t errlen)
{
	config_setting_t *list = config_lookup(&c->cfg, "clients");
	int n = list ? config_setting_length(list) : 0;

	if (n == 0)
		return 0;
	c->clients = calloc((size_t)n, sizeof(*c->clients));
	if (c->clients == NULL)
		return fail(err, errlen, c->path, NULL, "out of memory");
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, i);
		struct config_client *cl = &c->clients[i];

		if (!config_setting_lookup_string(g, "name", &cl->name) ||
		    cl->name[0] == '\0')
			return fail(err, errlen, c->path, g, "needs a name");
		if (!config_setting_lookup_string(g, "token", &cl->token) ||
		    strlen(cl->token) < 16)
			return fail(err, errlen, c->path, g,
				    "needs a token of at least 16 characters");
		if (!config_setting_lookup_string(g, "channel", &cl->channel))
			cl->channel = "web";
		if (strcmp(cl->channel, "web") &&
		    strcmp(cl->channel, "partner"))
			return fail(err, errlen, c->path,
				    config_setting_lookup(g, "channel"),
				    "must be \"web\" or \"partner\"");
		if (!config_setting_lookup_string(g, "agency", &cl->agency))
			cl->agency = NULL;
		for (int j = 0; j < i; j++) {
			if (strcmp(c->clients[j].name, cl->name) == 0)
				return fail(err, errlen, c->path, g,
					    "name \"%s\" is used twice",
					    cl->name);
			if (strcmp(c->clients[j].token, cl->token) == 0)
				return fail(err, errlen, c->path, g,
					    "token is used twice");
		}
		c->nclients++;
	}
	return 0;
}

struct mash_config *
config_load(const char *path, char *err, size_t errlen)
{
	struct mash_config *c = calloc(1, sizeof(*c));
	long long v;

	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	config_init(&c->cfg);
	c->path = path;
	if (!config_read_file(&c->cfg, path)) {
		if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read the file", path);
		else
			snprintf(err, errlen, "%s:%d: %s", path,
				 config_error_line(&c->cfg),
				 config_error_text(&c->cfg));
		goto fail;
	}
	if (check_tree(config_root_setting(&c->cfg), root_keys, path, err,
		       errlen))
		goto fail;

	c->redis.socket = get_str(&c->cfg, "redis.socket", NULL);
	c->redis.host = get_str(&c->cfg, "redis.host", "127.0.0.1");
	v = get_int(&c->cfg, "redis.port", 6379);
	if (check_range(c, "redis.port", v, 1, 65535, err, errlen))
		goto fail;
	c->redis.port = (int)v;
	c->redis.prefix = get_str(&c->cfg, "redis.prefix", "{mash}:");

	c->http.address = get_str(&c->cfg, "http.address", "127.0.0.1");
	v = get_int(&c->cfg, "http.port", 8080);
	if (check_range(c, "http.port", v, 0, 65535, err, errlen))
		goto fail;
	c->http.port = (int)v;
	v = get_int(&c->cfg, "http.max_body", 65536);
	if (check_range(c, "http.max_body", v, 1024, 16 << 20, err, errlen))
		goto fail;
	c->http.max_body = (size_t)v;
	v = get_int(&c->cfg, "http.idempotency_hours", 24);
	if (check_range(c, "http.idempotency_hours", v, 1, 24 * 365, err,
			errlen))
		goto fail;
	c->http.idempotency_hours = (int)v;

	c->control.socket =
	    get_str(&c->cfg, "control.socket", MASH_CONTROL_SOCKET);
	if (load_clients(c, err, errlen))
		goto fail;
	return c;
fail:
	config_free(c);
	return NULL;
}

void
config_free(struct mash_config *c)
{
	if (c == NULL)
		return;
	config_destroy(&c->cfg);
	free(c->clients);
	free(c);
}

const struct config_client *
config_client_by_token(const struct mash_config *c, const char *token)
{
	const struct config_client *found = NULL;
	size_t tlen = strlen(token);

	/* Compare against every client so timing reveals nothing. */
	for (size_t i = 0; i < c->nclients; i++) {
		const char *t = c->clients[i].token;

		if (strlen(t) == tlen && CRYPTO_memcmp(t, token, tlen) == 0)
			found = &c->clients[i];
	}
	return found;
}
