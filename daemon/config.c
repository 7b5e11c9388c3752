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
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "mash/protocol.h"
#include "mash/timeutil.h"
#include "mash/words.h"

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
    {"sentinels", CONFIG_TYPE_ARRAY, NULL},
    {"master_name", CONFIG_TYPE_STRING, NULL},
    {"replicas_ack", CONFIG_TYPE_INT, NULL},
    {"prefix", CONFIG_TYPE_STRING, NULL},
    {"timeout", CONFIG_TYPE_INT, NULL},
    {"allow_unsafe", CONFIG_TYPE_BOOL, NULL},
    {NULL, 0, NULL},
};
static const struct key http_keys[] = {
    {"address", CONFIG_TYPE_STRING, NULL},
    {"port", CONFIG_TYPE_INT, NULL},
    {"max_body", CONFIG_TYPE_INT, NULL},
    {"idempotency_hours", CONFIG_TYPE_INT, NULL},
    {"max_connections", CONFIG_TYPE_INT, NULL},
    {"request_timeout", CONFIG_TYPE_INT, NULL},
    {NULL, 0, NULL},
};
static const struct key control_keys[] = {
    {"socket", CONFIG_TYPE_STRING, NULL},
    {"mode", CONFIG_TYPE_STRING, NULL},
    {"group", CONFIG_TYPE_STRING, NULL},
    {"idle_timeout", CONFIG_TYPE_INT, NULL},
    {"max_per_uid", CONFIG_TYPE_INT, NULL},
    {"max_connections", CONFIG_TYPE_INT, NULL},
    {NULL, 0, NULL},
};
static const struct key client_keys[] = {
    {"name", CONFIG_TYPE_STRING, NULL},
    {"token", CONFIG_TYPE_STRING, NULL},
    {"channel", CONFIG_TYPE_STRING, NULL},
    {"agency", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key hours_keys[] = {
    {"sunday", CONFIG_TYPE_STRING, NULL},
    {"monday", CONFIG_TYPE_STRING, NULL},
    {"tuesday", CONFIG_TYPE_STRING, NULL},
    {"wednesday", CONFIG_TYPE_STRING, NULL},
    {"thursday", CONFIG_TYPE_STRING, NULL},
    {"friday", CONFIG_TYPE_STRING, NULL},
    {"saturday", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key calendar_keys[] = {
    {"timezone", CONFIG_TYPE_STRING, NULL},
    {"hours", CONFIG_TYPE_GROUP, hours_keys},
    {"holidays_file", CONFIG_TYPE_STRING, NULL},
    {"division", CONFIG_TYPE_STRING, NULL},
    {"extra_holidays", CONFIG_TYPE_ARRAY, NULL},
    {"cancelled_holidays", CONFIG_TYPE_ARRAY, NULL},
    {NULL, 0, NULL},
};
static const struct key screening_keys[] = {
    {"red", CONFIG_TYPE_STRING, NULL},
    {"amber", CONFIG_TYPE_STRING, NULL},
    {"green", CONFIG_TYPE_STRING, NULL},
    {"blue", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key timers_keys[] = {
    {"decision", CONFIG_TYPE_STRING, NULL},
    {"escalation", CONFIG_TYPE_STRING, NULL},
    {"written", CONFIG_TYPE_STRING, NULL},
    {"screening", CONFIG_TYPE_GROUP, screening_keys},
    {"decision_warning", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key retry_keys[] = {
    {"first", CONFIG_TYPE_INT, NULL},
    {"max", CONFIG_TYPE_INT, NULL},
    {"attempts", CONFIG_TYPE_INT, NULL},
    {NULL, 0, NULL},
};
static const struct key alerts_keys[] = {
    {"sendmail", CONFIG_TYPE_STRING, NULL},
    {"from", CONFIG_TYPE_STRING, NULL},
    {"retry", CONFIG_TYPE_GROUP, retry_keys},
    {"claim_idle", CONFIG_TYPE_INT, NULL},
    {"timeout", CONFIG_TYPE_INT, NULL},
    {"max_parallel", CONFIG_TYPE_INT, NULL},
    {NULL, 0, NULL},
};
static const struct key recipients_keys[] = {
    {"navigators", CONFIG_TYPE_ARRAY, NULL},
    {"supervisors", CONFIG_TYPE_ARRAY, NULL},
    {"first_response", CONFIG_TYPE_ARRAY, NULL},
    {"edt", CONFIG_TYPE_ARRAY, NULL},
    {NULL, 0, NULL},
};
static const struct key webhook_keys[] = {
    {"name", CONFIG_TYPE_STRING, NULL},
    {"url", CONFIG_TYPE_STRING, NULL},
    {"events", CONFIG_TYPE_ARRAY, NULL},
    {"secret", CONFIG_TYPE_STRING, NULL},
    {"referrers", CONFIG_TYPE_BOOL, NULL}, /* it reaches them by phone */
    {NULL, 0, NULL},
};
static const struct key roles_keys[] = {
    {"call_handlers", CONFIG_TYPE_ARRAY, NULL},
    {"navigators", CONFIG_TYPE_ARRAY, NULL},
    {"supervisors", CONFIG_TYPE_ARRAY, NULL},
    {"admins", CONFIG_TYPE_ARRAY, NULL},
    {NULL, 0, NULL},
};
static const struct key repeat_keys[] = {
    {"secret", CONFIG_TYPE_STRING, NULL},
    {"threshold", CONFIG_TYPE_INT, NULL},
    {"window_days", CONFIG_TYPE_INT, NULL},
    {NULL, 0, NULL},
};
static const struct key spool_keys[] = {
    {"dir", CONFIG_TYPE_STRING, NULL},
    {"quarantine", CONFIG_TYPE_STRING, NULL},
    {"poll_ms", CONFIG_TYPE_INT, NULL},
    {"max_size", CONFIG_TYPE_INT, NULL},
    {NULL, 0, NULL},
};
static const struct key root_keys[] = {
    {"roles", CONFIG_TYPE_GROUP, roles_keys},
    {"repeat", CONFIG_TYPE_GROUP, repeat_keys},
    {"spool", CONFIG_TYPE_GROUP, spool_keys},
    {"alerts", CONFIG_TYPE_GROUP, alerts_keys},
    {"recipients", CONFIG_TYPE_GROUP, recipients_keys},
    {"webhooks", CONFIG_TYPE_LIST, webhook_keys},
    {"calendar", CONFIG_TYPE_GROUP, calendar_keys},
    {"timers", CONFIG_TYPE_GROUP, timers_keys},
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
		/* The telephone and mail channels have their own ways in. */
		if (!config_setting_lookup_string(g, "channel", &cl->channel))
			cl->channel = channel_names[CHANNEL_WEB];
		if (strcmp(cl->channel, channel_names[CHANNEL_WEB]) &&
		    strcmp(cl->channel, channel_names[CHANNEL_PARTNER]))
			return fail(err, errlen, c->path,
				    config_setting_lookup(g, "channel"),
				    "must be \"%s\" or \"%s\"",
				    channel_names[CHANNEL_WEB],
				    channel_names[CHANNEL_PARTNER]);
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

/* "HH:MM" to minutes after midnight; 24:00 allowed as a close. */
static int
parse_hhmm(const char *s, int *min)
{
	int h, m;
	char end;

	if (sscanf(s, "%2d:%2d%c", &h, &m, &end) != 2 || strlen(s) != 5 ||
	    h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*min = h * 60 + m;
	return 0;
}

static int
load_hours(struct mash_config *c, char *err, size_t errlen)
{
	static const char *const days[7] = {"sunday",	 "monday",   "tuesday",
					    "wednesday", "thursday", "friday",
					    "saturday"};
	struct calendar_hours *h = c->calendar_options.hours;

	for (int i = 0; i < 7; i++) {
		char path[64], open[8], close[8];
		const char *v;

		snprintf(path, sizeof(path), "calendar.hours.%s", days[i]);
		if (!config_lookup_string(&c->cfg, path, &v))
			continue;
		if (strcmp(v, "closed") == 0) {
			h[i].open = h[i].close = -1;
			continue;
		}
		if (strlen(v) != 11 || v[5] != '-')
			goto bad;
		memcpy(open, v, 5);
		open[5] = '\0';
		memcpy(close, v + 6, 5);
		close[5] = '\0';
		if (parse_hhmm(open, &h[i].open) ||
		    parse_hhmm(close, &h[i].close) || h[i].open >= h[i].close)
			goto bad;
		continue;
	bad:
		return fail(err, errlen, c->path, config_lookup(&c->cfg, path),
			    "must be \"HH:MM-HH:MM\" (opening before closing) "
			    "or \"closed\"");
	}
	return 0;
}

static int
load_days(struct mash_config *c, const char *path, int64_t *out, size_t *n,
	  char *err, size_t errlen)
{
	config_setting_t *a = config_lookup(&c->cfg, path);
	int len = a ? config_setting_length(a) : 0;

	if (len > CALENDAR_MAX_DAYS)
		return fail(err, errlen, c->path, a, "at most %d dates",
			    CALENDAR_MAX_DAYS);
	for (int i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(a, i);
		const char *v = config_setting_get_string(e);
		int y, m, d;

		if (v == NULL || mash_date_parse(v, &y, &m, &d) != 0)
			return fail(err, errlen, c->path, e,
				    "must be a date \"YYYY-MM-DD\"");
		out[(*n)++] = mash_days_from_civil(y, m, d);
	}
	return 0;
}

/*
 * A span of time as people write it: "none", "24 hours", "4 hours",
 * "30 minutes", "6 working hours", "90 working minutes", "1 working day",
 * "3 working days".
 */
int
config_parse_span(const char *s, struct span *out)
{
	static const struct {
		const char *unit;
		enum span_unit kind;
		int64_t mult;
	} units[] = {
	    {"working day", SPAN_WORKING_DAYS, 1},
	    {"working days", SPAN_WORKING_DAYS, 1},
	    {"working hour", SPAN_WORKING_MINUTES, 60},
	    {"working hours", SPAN_WORKING_MINUTES, 60},
	    {"working minute", SPAN_WORKING_MINUTES, 1},
	    {"working minutes", SPAN_WORKING_MINUTES, 1},
	    {"hour", SPAN_ELAPSED_MINUTES, 60},
	    {"hours", SPAN_ELAPSED_MINUTES, 60},
	    {"minute", SPAN_ELAPSED_MINUTES, 1},
	    {"minutes", SPAN_ELAPSED_MINUTES, 1},
	};
	long long n;
	int used = 0;

	if (strcmp(s, "none") == 0) {
		out->unit = SPAN_NONE;
		out->amount = 0;
		return 0;
	}
	if (sscanf(s, "%lld %n", &n, &used) != 1 || used == 0 || n < 1 ||
	    n > 100000)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + used, units[i].unit) == 0) {
			out->unit = units[i].kind;
			out->amount = n * units[i].mult;
			return 0;
		}
	}
	return -1;
}

static int
load_span(struct mash_config *c, const char *path, struct span *out, char *err,
	  size_t errlen)
{
	const char *v;

	if (!config_lookup_string(&c->cfg, path, &v))
		return 0;
	if (config_parse_span(v, out) == 0)
		return 0;
	return fail(err, errlen, c->path, config_lookup(&c->cfg, path),
		    "must be \"none\" or like \"24 hours\", \"6 working "
		    "hours\", \"1 working day\"");
}

static int
load_timers(struct mash_config *c, char *err, size_t errlen)
{
	static const char *const screening[BRAG_COUNT] = {
	    "timers.screening.red", "timers.screening.amber",
	    "timers.screening.green", "timers.screening.blue"};
	struct deadline_rules *r = &c->timers;

	deadline_rules_default(r);
	if (load_span(c, "timers.decision", &r->decision, err, errlen) ||
	    load_span(c, "timers.escalation", &r->escalation, err, errlen) ||
	    load_span(c, "timers.written", &r->written, err, errlen) ||
	    load_span(c, "timers.decision_warning", &r->decision_warning, err,
		      errlen))
		return -1;
	for (int b = 0; b < BRAG_COUNT; b++)
		if (load_span(c, screening[b], &r->screening[b], err, errlen))
			return -1;
	return 0;
}

static int
load_calendar(struct mash_config *c, char *err, size_t errlen)
{
	struct calendar_options *o = &c->calendar_options;
	char cerr[512];

	calendar_options_default(o);
	o->timezone = get_str(&c->cfg, "calendar.timezone", o->timezone);
	o->division = get_str(&c->cfg, "calendar.division", o->division);
	o->holidays_file =
	    get_str(&c->cfg, "calendar.holidays_file", MASH_HOLIDAYS_FILE);
	if (load_hours(c, err, errlen) ||
	    load_days(c, "calendar.extra_holidays", o->extra, &o->nextra, err,
		      errlen) ||
	    load_days(c, "calendar.cancelled_holidays", o->cancelled,
		      &o->ncancelled, err, errlen))
		return -1;
	/* The shipped default may be absent (a build tree): rules suffice. */
	if (config_lookup(&c->cfg, "calendar.holidays_file") == NULL &&
	    access(o->holidays_file, R_OK) != 0)
		o->holidays_file = NULL;
	if ((c->calendar = calendar_new(o, cerr, sizeof(cerr))) == NULL)
		return fail(err, errlen, c->path,
			    config_lookup(&c->cfg, "calendar"), "%s", cerr);
	return 0;
}

static const char *const role_names[ROLE_COUNT] = {"navigators", "supervisors",
						   "first_response", "edt"};

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
		return fail(err, errlen, c->path, a, "out of memory");
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(a, i);
		const char *v = config_setting_get_string(e), *why;

		if (v == NULL)
			return fail(err, errlen, c->path, e,
				    "must be a string");
		if ((why = ok(v)) != NULL)
			return fail(err, errlen, c->path, e, "%s", why);
		out->items[out->n++] = v;
	}
	return 0;
}

/* A mail address goes into a header: nothing that could break one. */
static const char *
address_ok(const char *v)
{
	const char *at = strchr(v, '@');

	if (at == NULL || at == v || at[1] == '\0' ||
	    strpbrk(v, " \t\r\n<>,;\"") != NULL)
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

static int
load_alerts(struct mash_config *c, char *err, size_t errlen)
{
	config_setting_t *hooks = config_lookup(&c->cfg, "webhooks");
	int n = hooks ? config_setting_length(hooks) : 0;
	long long v;

	c->alerts.sendmail =
	    get_str(&c->cfg, "alerts.sendmail", "/usr/sbin/sendmail");
	c->alerts.from = get_str(&c->cfg, "alerts.from", "mashd@localhost");
	if (address_ok(c->alerts.from) != NULL)
		return fail(err, errlen, c->path,
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
#undef INT_KEY
	/* An attempt takes at most `timeout`: a claim that lasts no longer
	 * would let another mashd take an alert in the middle of it. */
	if (c->alerts.claim_idle <= c->alerts.timeout) {
		config_setting_t *s =
		    config_lookup(&c->cfg, "alerts.claim_idle");

		return fail(err, errlen, c->path, s,
			    "%s%d%s must be greater than alerts.timeout (%d)",
			    s ? "" : "alerts.claim_idle (",
			    c->alerts.claim_idle, s ? "" : ", the default)",
			    c->alerts.timeout);
	}
	for (int r = 0; r < ROLE_COUNT; r++) {
		char path[64];

		snprintf(path, sizeof(path), "recipients.%s", role_names[r]);
		if (load_list(c, config_lookup(&c->cfg, path),
			      &c->recipients[r], address_ok, err, errlen))
			return -1;
	}
	if (n == 0)
		return 0;
	if ((c->webhooks = calloc((size_t)n, sizeof(*c->webhooks))) == NULL)
		return fail(err, errlen, c->path, hooks, "out of memory");
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(hooks, i);
		struct config_webhook *w = &c->webhooks[i];

		c->nwebhooks++;
		if (!config_setting_lookup_string(g, "name", &w->name) ||
		    w->name[0] == '\0')
			return fail(err, errlen, c->path, g, "needs a name");
		if (!config_setting_lookup_string(g, "url", &w->url) ||
		    strncmp(w->url, "http://", 7) != 0)
			return fail(err, errlen, c->path, g,
				    "needs an http:// url");
		if (!config_setting_lookup_string(g, "secret", &w->secret) ||
		    strlen(w->secret) < 16)
			return fail(err, errlen, c->path, g,
				    "needs a secret of at least 16 characters");
		if (load_list(c, config_setting_lookup(g, "events"), &w->events,
			      event_ok, err, errlen))
			return -1;
		if (w->events.n == 0)
			return fail(err, errlen, c->path, g,
				    "needs the events it wants");
		{
			int b = 0;

			config_setting_lookup_bool(g, "referrers", &b);
			w->referrers = b != 0;
		}
	}
	return 0;
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
	c->repeat.secret = get_str(&c->cfg, "repeat.secret", "");
	if (c->repeat.secret[0] != '\0' && strlen(c->repeat.secret) < 16)
		return fail(err, errlen, c->path,
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

	c->spool.dir = get_str(&c->cfg, "spool.dir", NULL);
	c->spool.quarantine = get_str(&c->cfg, "spool.quarantine", NULL);
	/* Absolute: mashd leaves its working directory when it detaches. */
	for (int i = 0; i < 2; i++) {
		const char *p = i == 0 ? c->spool.dir : c->spool.quarantine;

		if (p != NULL && p[0] != '/')
			return fail(err, errlen, c->path,
				    config_lookup(&c->cfg, paths[i]),
				    "must be an absolute path");
	}
	if (c->spool.quarantine != NULL && c->spool.dir == NULL)
		return fail(err, errlen, c->path,
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

/*
 * A file holding secrets (client tokens, repeat.secret, webhook secrets)
 * is refused, as sshd's StrictModes does, unless it belongs to root or to
 * the user reading it (mashd's own) and neither its group may write it
 * nor others read or write it. st is the file as it was read.
 */
static int
check_secret_mode(const struct mash_config *c, const struct stat *st, char *err,
		  size_t errlen)
{
	/* Every client has a token and every webhook a secret. */
	bool secrets =
	    c->nclients > 0 || c->nwebhooks > 0 || c->repeat.secret[0] != '\0';
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
	long long v;

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
	if (check_tree(config_root_setting(&c->cfg), root_keys, c->path, err,
		       errlen))
		goto fail;

	if (config_load_redis(c, err, errlen))
		goto fail;

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
	v = get_int(&c->cfg, "http.max_connections", 512);
	if (check_range(c, "http.max_connections", v, 1, 1 << 20, err, errlen))
		goto fail;
	c->http.max_connections = (int)v;
	v = get_int(&c->cfg, "http.request_timeout", 10);
	if (check_range(c, "http.request_timeout", v, 1, 3600, err, errlen))
		goto fail;
	c->http.request_timeout = (int)v;

	c->control.socket =
	    get_str(&c->cfg, "control.socket", MASH_CONTROL_SOCKET);
	{
		/* A string, as chmod(1) takes it: libconfig has no octal. */
		const char *m = get_str(&c->cfg, "control.mode", "0660");
		char *end;

		v = strtol(m, &end, 8);
		if (*m == '\0' || *end != '\0' || v < 0600 || v > 0666 ||
		    (v & 0111)) {
			fail(err, errlen, c->path,
			     config_lookup(&c->cfg, "control.mode"),
			     "must be an octal mode from \"0600\" to "
			     "\"0666\", like \"0660\"");
			goto fail;
		}
		c->control.mode = (int)v;
	}
	c->control.group = get_str(&c->cfg, "control.group", NULL);
	v = get_int(&c->cfg, "control.idle_timeout", 60);
	if (check_range(c, "control.idle_timeout", v, 1, 86400, err, errlen))
		goto fail;
	c->control.idle_timeout = (int)v;
	v = get_int(&c->cfg, "control.max_connections", 64);
	if (check_range(c, "control.max_connections", v, 2, 4096, err, errlen))
		goto fail;
	c->control.max_connections = (int)v;
	/* The last slots are root's and the admins' (control.c). */
	v = get_int(&c->cfg, "control.max_per_uid", 8);
	if (check_range(c, "control.max_per_uid", v, 1,
			c->control.max_connections -
			    CONFIG_CTL_RESERVED(c->control.max_connections),
			err, errlen))
		goto fail;
	c->control.max_per_uid = (int)v;
	if (load_clients(c, err, errlen) || load_calendar(c, err, errlen) ||
	    load_timers(c, err, errlen) || load_alerts(c, err, errlen) ||
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
