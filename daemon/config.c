/*
 * config.c owns mashd.conf. libconfig parses; config_schema.c walks the
 * parsed tree against the schema, so a misspelt key stops mashd before it
 * listens instead of being silently ignored; then this file reads and
 * checks each value.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "mash/config.h"
#include "mash/referral.h"
#include "mash/protocol.h"
#include "mash/words.h"

#include "config_schema.h"

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
	return config_fail(err, errlen, c->path, config_lookup(&c->cfg, path),
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
		return config_fail(err, errlen, c->path, NULL, "out of memory");
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, i);
		struct config_client *cl = &c->clients[i];

		if (!config_setting_lookup_string(g, "name", &cl->name) ||
		    cl->name[0] == '\0')
			return config_fail(err, errlen, c->path, g,
					   "needs a name");
		if (!config_setting_lookup_string(g, "token", &cl->token) ||
		    strlen(cl->token) < 16)
			return config_fail(
			    err, errlen, c->path, g,
			    "needs a token of at least 16 characters");
		/* The telephone and mail channels have their own ways in. */
		if (!config_setting_lookup_string(g, "channel", &cl->channel))
			cl->channel = channel_names[CHANNEL_WEB];
		if (strcmp(cl->channel, channel_names[CHANNEL_WEB]) &&
		    strcmp(cl->channel, channel_names[CHANNEL_PARTNER]))
			return config_fail(err, errlen, c->path,
					   config_setting_lookup(g, "channel"),
					   "must be \"%s\" or \"%s\"",
					   channel_names[CHANNEL_WEB],
					   channel_names[CHANNEL_PARTNER]);
		if (!config_setting_lookup_string(g, "agency", &cl->agency))
			cl->agency = NULL;
		for (int j = 0; j < i; j++) {
			if (strcmp(c->clients[j].name, cl->name) == 0)
				return config_fail(err, errlen, c->path, g,
						   "name \"%s\" is used twice",
						   cl->name);
			if (strcmp(c->clients[j].token, cl->token) == 0)
				return config_fail(err, errlen, c->path, g,
						   "token is used twice");
		}
		c->nclients++;
	}
	return 0;
}

/* "HH:MM" to minutes after midnight; 24:00 allowed as a close. */
static const char *const role_names[ROLE_COUNT] = {
    "navigators", "supervisors", "first_response", "edt", "managers"};

const char *
config_role_name(enum recipient_role r)
{
	return role_names[r];
}

/*
 * An array of strings into `out`, each checked by `ok` (which names what
 * is wrong, or returns NULL).
 */
static int
load_list(struct mash_config *c, config_setting_t *a, struct config_list *out,
	  const char *(*ok)(const char *), char *err, size_t errlen)
{
	int n = a ? config_setting_length(a) : 0;

	out->n = 0;
	if (n == 0)
		return 0;
	if ((out->items = calloc((size_t)n, sizeof(char *))) == NULL)
		return config_fail(err, errlen, c->path, a, "out of memory");
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(a, i);
		const char *v = config_setting_get_string(e), *why;

		if (v == NULL)
			return config_fail(err, errlen, c->path, e,
					   "must be a string");
		if ((why = ok(v)) != NULL)
			return config_fail(err, errlen, c->path, e, "%s", why);
		out->items[out->n++] = v;
	}
	return 0;
}

/* A mail address goes into a header: nothing that could break one. */
static const char *
address_ok(const char *v)
{
	/* As a transport will take it (deliver_text.c), and intake a
	 * referrer's. */
	if (!referral_email_plain(v))
		return "must be a plain mail address like "
		       "navigators@hub.example";
	return NULL;
}

/* A webhook wants alert events by their names (words.h). */
static const char *
event_ok(const char *v)
{
	static char why[512];
	char names[400];

	if (words_find(alert_event_names, EVENT_COUNT, v) >= 0)
		return NULL;
	snprintf(
	    why, sizeof(why), "must be one of %s",
	    words_join(alert_event_names, EVENT_COUNT, names, sizeof(names)));
	return why;
}

/* webhooks: each needs a name, an https:// url (config_tls.c), a secret
 * and events. */
static int
load_webhooks(struct mash_config *c, char *err, size_t errlen)
{
	config_setting_t *hooks = config_lookup(&c->cfg, "webhooks");
	int n = hooks ? config_setting_length(hooks) : 0;

	if (n == 0)
		return 0;
	if ((c->webhooks = calloc((size_t)n, sizeof(*c->webhooks))) == NULL)
		return config_fail(err, errlen, c->path, hooks,
				   "out of memory");
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(hooks, i);
		struct config_webhook *w = &c->webhooks[i];
		int b = 0;

		c->nwebhooks++;
		if (!config_setting_lookup_string(g, "name", &w->name) ||
		    w->name[0] == '\0')
			return config_fail(err, errlen, c->path, g,
					   "needs a name");
		if (config_webhook_tls(c, g, w, err, errlen))
			return -1;
		if (!config_setting_lookup_string(g, "secret", &w->secret) ||
		    strlen(w->secret) < 16)
			return config_fail(
			    err, errlen, c->path, g,
			    "needs a secret of at least 16 characters");
		if (load_list(c, config_setting_lookup(g, "events"), &w->events,
			      event_ok, err, errlen))
			return -1;
		if (w->events.n == 0)
			return config_fail(err, errlen, c->path, g,
					   "needs the events it wants");
		config_setting_lookup_bool(g, "referrers", &b);
		w->referrers = b != 0;
	}
	return 0;
}

static int
load_alerts(struct mash_config *c, char *err, size_t errlen)
{
	long long v;

	c->alerts.sendmail =
	    config_get_str(&c->cfg, "alerts.sendmail", "/usr/sbin/sendmail");
	c->alerts.from =
	    config_get_str(&c->cfg, "alerts.from", "mashd@localhost");
	if (address_ok(c->alerts.from) != NULL)
		return config_fail(err, errlen, c->path,
				   config_lookup(&c->cfg, "alerts.from"), "%s",
				   address_ok(c->alerts.from));
#define INT_KEY(field, path, def, lo, hi)                                      \
	v = get_int(&c->cfg, path, def);                                       \
	if (check_range(c, path, v, lo, hi, err, errlen))                      \
		return -1;                                                     \
	c->alerts.field = (int)v;
	INT_KEY(retry_first, "alerts.retry.first", 30, 1, 86400)
	INT_KEY(retry_max, "alerts.retry.max", 3600, 1, 7 * 86400)
	INT_KEY(attempts, "alerts.retry.attempts", 8, 1, 100)
	INT_KEY(claim_idle, "alerts.claim_idle", 120, 1, 86400)
	INT_KEY(timeout, "alerts.timeout", 30, 1, 600)
	INT_KEY(max_parallel, "alerts.max_parallel", 8, 2, 1000)
	INT_KEY(record_delay_ms, "alerts.record_delay_ms", 10, 0, 60000)
#undef INT_KEY
	{
		int b;

		c->alerts.digest =
		    config_lookup_bool(&c->cfg, "alerts.digest", &b) && b;
		c->alerts.sendmail_session =
		    config_lookup_bool(&c->cfg, "alerts.sendmail_session",
				       &b) &&
		    b;
	}
	/* An attempt takes at most `timeout`: a claim that lasts no longer
	 * would let another mashd take an alert in the middle of it. */
	if (c->alerts.claim_idle <= c->alerts.timeout) {
		config_setting_t *s =
		    config_lookup(&c->cfg, "alerts.claim_idle");

		return config_fail(
		    err, errlen, c->path, s,
		    "%s%d%s must be greater than alerts.timeout (%d)",
		    s ? "" : "alerts.claim_idle (", c->alerts.claim_idle,
		    s ? "" : ", the default)", c->alerts.timeout);
	}
	for (int r = 0; r < ROLE_COUNT; r++) {
		char path[64];

		snprintf(path, sizeof(path), "recipients.%s", role_names[r]);
		if (load_list(c, config_lookup(&c->cfg, path),
			      &c->recipients[r], address_ok, err, errlen))
			return -1;
	}
	return load_webhooks(c, err, errlen);
}

static const char *const ctl_role_names[CTL_ROLE_COUNT] = {
    "call_handlers", "navigators", "supervisors", "admins"};

const char *
config_ctl_role_name(enum ctl_role r)
{
	return ctl_role_names[r];
}

static const char *
principal_ok(const char *v)
{
	if ((strncmp(v, "user:", 5) == 0 || strncmp(v, "group:", 6) == 0) &&
	    strchr(v, ':')[1] != '\0' && strpbrk(v, " \t\r\n") == NULL)
		return NULL;
	return "must be \"user:NAME\" or \"group:NAME\"";
}

static int
load_roles(struct mash_config *c, char *err, size_t errlen)
{
	long long v;

	for (int r = 0; r < CTL_ROLE_COUNT; r++) {
		char path[64];

		snprintf(path, sizeof(path), "roles.%s", ctl_role_names[r]);
		if (load_list(c, config_lookup(&c->cfg, path), &c->roles[r],
			      principal_ok, err, errlen))
			return -1;
	}
	c->repeat.secret = config_get_str(&c->cfg, "repeat.secret", "");
	if (c->repeat.secret[0] != '\0' && strlen(c->repeat.secret) < 16)
		return config_fail(
		    err, errlen, c->path,
		    config_lookup(&c->cfg, "repeat.secret"),
		    "must be at least 16 characters (or \"\" for no "
		    "repeat detection)");
	v = get_int(&c->cfg, "repeat.threshold", 3);
	if (check_range(c, "repeat.threshold", v, 2, 1000, err, errlen))
		return -1;
	c->repeat.threshold = (int)v;
	v = get_int(&c->cfg, "repeat.window_days", 365);
	if (check_range(c, "repeat.window_days", v, 1, 3650, err, errlen))
		return -1;
	c->repeat.window_days = (int)v;
	return 0;
}

/* The secure-mail spool (spool.c): off unless spool.dir is set. */
static int
load_spool(struct mash_config *c, char *err, size_t errlen)
{
	static const char *const paths[] = {"spool.dir", "spool.quarantine"};
	long long v;

	c->spool.dir = config_get_str(&c->cfg, "spool.dir", NULL);
	c->spool.quarantine = config_get_str(&c->cfg, "spool.quarantine", NULL);
	/* Absolute: mashd leaves its working directory when it detaches. */
	for (int i = 0; i < 2; i++) {
		const char *p = i == 0 ? c->spool.dir : c->spool.quarantine;

		if (p != NULL && p[0] != '/')
			return config_fail(err, errlen, c->path,
					   config_lookup(&c->cfg, paths[i]),
					   "must be an absolute path");
	}
	if (c->spool.quarantine != NULL && c->spool.dir == NULL)
		return config_fail(err, errlen, c->path,
				   config_lookup(&c->cfg, "spool.quarantine"),
				   "needs spool.dir");
	v = get_int(&c->cfg, "spool.poll_ms", 500);
	if (check_range(c, "spool.poll_ms", v, 10, 60000, err, errlen))
		return -1;
	c->spool.poll_ms = (int)v;
	v = get_int(&c->cfg, "spool.max_size", 10 << 20);
	if (check_range(c, "spool.max_size", v, 65536, 100 << 20, err, errlen))
		return -1;
	c->spool.max_size = (size_t)v;
	return 0;
}

static int
load_http(struct mash_config *c, char *err, size_t errlen)
{
	long long v;

	c->http.address = config_get_str(&c->cfg, "http.address", "127.0.0.1");
	v = get_int(&c->cfg, "http.port", 8080);
	if (check_range(c, "http.port", v, 0, 65535, err, errlen))
		return -1;
	c->http.port = (int)v;
	v = get_int(&c->cfg, "http.max_body", 65536);
	if (check_range(c, "http.max_body", v, 1024, 16 << 20, err, errlen))
		return -1;
	c->http.max_body = (size_t)v;
	v = get_int(&c->cfg, "http.idempotency_hours", 24);
	if (check_range(c, "http.idempotency_hours", v, 1, 24 * 365, err,
			errlen))
		return -1;
	c->http.idempotency_hours = (int)v;
	v = get_int(&c->cfg, "http.max_connections", 512);
	if (check_range(c, "http.max_connections", v, 1, 1 << 20, err, errlen))
		return -1;
	c->http.max_connections = (int)v;
	v = get_int(&c->cfg, "http.request_timeout", 10);
	if (check_range(c, "http.request_timeout", v, 1, 3600, err, errlen))
		return -1;
	c->http.request_timeout = (int)v;
	/* GET /metrics's own token: none of a client's (load_clients). */
	c->metrics.token = config_get_str(&c->cfg, "metrics.token", "");
	if (c->metrics.token[0] != '\0' && strlen(c->metrics.token) < 16)
		return config_fail(err, errlen, c->path,
				   config_lookup(&c->cfg, "metrics.token"),
				   "needs a token of at least 16 characters");
	return config_load_tls(c, err, errlen);
}

static int
load_control(struct mash_config *c, char *err, size_t errlen)
{
	/* A string, as chmod(1) takes it: libconfig has no octal. */
	const char *m = config_get_str(&c->cfg, "control.mode", "0660");
	char *end;
	long long v = strtol(m, &end, 8);

	c->control.socket =
	    config_get_str(&c->cfg, "control.socket", MASH_CONTROL_SOCKET);
	if (*m == '\0' || *end != '\0' || v < 0600 || v > 0666 || (v & 0111))
		return config_fail(err, errlen, c->path,
				   config_lookup(&c->cfg, "control.mode"),
				   "must be an octal mode from \"0600\" to "
				   "\"0666\", like \"0660\"");
	c->control.mode = (int)v;
	c->control.group = config_get_str(&c->cfg, "control.group", NULL);
	v = get_int(&c->cfg, "control.idle_timeout", 60);
	if (check_range(c, "control.idle_timeout", v, 1, 86400, err, errlen))
		return -1;
	c->control.idle_timeout = (int)v;
	v = get_int(&c->cfg, "control.max_connections", 64);
	if (check_range(c, "control.max_connections", v, 2, 4096, err, errlen))
		return -1;
	c->control.max_connections = (int)v;
	/* The last slots are root's and the admins' (control.c). */
	v = get_int(&c->cfg, "control.max_per_uid", 8);
	if (check_range(c, "control.max_per_uid", v, 1,
			c->control.max_connections -
			    CONFIG_CTL_RESERVED(c->control.max_connections),
			err, errlen))
		return -1;
	c->control.max_per_uid = (int)v;
	return 0;
}

/*
 * A file holding secrets (client tokens, repeat.secret, webhook secrets,
 * metrics.token, redis.password, redis.sentinel_password) is refused, as
 * sshd's StrictModes does, unless it belongs to root or to the user
 * reading it (mashd's own) and neither its group may write it
 * nor others read or write it. st is the file as it was read.
 */
static int
check_secret_mode(const struct mash_config *c, const struct stat *st, char *err,
		  size_t errlen)
{
	/* Every client has a token and every webhook a secret; a password
	 * of Redis's opens every child's record. */
	bool secrets =
	    c->nclients > 0 || c->nwebhooks > 0 ||
	    c->repeat.secret[0] != '\0' || c->metrics.token[0] != '\0' ||
	    c->redis.password != NULL || c->redis.sentinel_password != NULL;
	unsigned mode = (unsigned)st->st_mode & 07777;

	if (!secrets)
		return 0;
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen,
			 "%s: owned by uid %u: a file holding tokens must "
			 "belong to root or to uid %u (chown root)",
			 c->path, (unsigned)st->st_uid, (unsigned)geteuid());
		return -1;
	}
	if (mode & S_IRWXO) {
		snprintf(err, errlen,
			 "%s: mode %04o: a file holding tokens must not be "
			 "readable by others (chmod 600)",
			 c->path, mode);
		return -1;
	}
	if (mode & S_IWGRP) {
		snprintf(err, errlen,
			 "%s: mode %04o: a file holding tokens must not be "
			 "writable by its group (chmod 640)",
			 c->path, mode);
		return -1;
	}
	return 0;
}

struct mash_config *
config_load(const char *path, char *err, size_t errlen)
{
	struct mash_config *c = calloc(1, sizeof(*c));
	struct stat st;

	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	config_init(&c->cfg);
	c->path = path ? path : "(defaults)";
	if (path != NULL) {
		/* Its mode is checked on the very file that was read. */
		FILE *f = fopen(path, "re");
		int ok = f != NULL && fstat(fileno(f), &st) == 0;

		if (!ok)
			snprintf(err, errlen, "%s: cannot read the file", path);
		else if (!(ok = config_read(&c->cfg, f)))
			snprintf(err, errlen, "%s:%d: %s", path,
				 config_error_line(&c->cfg),
				 config_error_text(&c->cfg));
		if (f != NULL)
			fclose(f);
		if (!ok)
			goto fail;
	}
	if (config_check(&c->cfg, c->path, err, errlen))
		goto fail;

	if (config_load_redis(c, err, errlen) || load_http(c, err, errlen) ||
	    load_control(c, err, errlen) || load_clients(c, err, errlen) ||
	    config_load_calendar(c, err, errlen) ||
	    config_load_timers(c, err, errlen) || load_alerts(c, err, errlen) ||
	    load_roles(c, err, errlen) || load_spool(c, err, errlen) ||
	    (path != NULL && check_secret_mode(c, &st, err, errlen)))
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
	calendar_free(c->calendar);
	config_destroy(&c->cfg);
	free(c->redis.sentinels);
	free(c->clients);
	for (int r = 0; r < ROLE_COUNT; r++)
		free(c->recipients[r].items);
	for (int r = 0; r < CTL_ROLE_COUNT; r++)
		free(c->roles[r].items);
	for (size_t i = 0; i < c->nwebhooks; i++)
		free(c->webhooks[i].events.items);
	free(c->webhooks);
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
