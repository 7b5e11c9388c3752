/*
 * config_schema.c owns the schema of mashd.conf: every key mashd knows,
 * with its type; see config_schema.h. The values are config.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_schema.h"

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
    {"user", CONFIG_TYPE_STRING, NULL},
    {"password", CONFIG_TYPE_STRING, NULL},
    {"sentinel_user", CONFIG_TYPE_STRING, NULL},
    {"sentinel_password", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key http_keys[] = {
    {"address", CONFIG_TYPE_STRING, NULL},
    {"port", CONFIG_TYPE_INT, NULL},
    {"max_body", CONFIG_TYPE_INT, NULL},
    {"idempotency_hours", CONFIG_TYPE_INT, NULL},
    {"max_connections", CONFIG_TYPE_INT, NULL},
    {"request_timeout", CONFIG_TYPE_INT, NULL},
    {"tls_cert", CONFIG_TYPE_STRING, NULL},
    {"tls_key", CONFIG_TYPE_STRING, NULL},
    {NULL, 0, NULL},
};
static const struct key metrics_keys[] = {
    {"token", CONFIG_TYPE_STRING, NULL},
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
    {"screening_escalate", CONFIG_TYPE_STRING, NULL},
    {"overdue_repeat", CONFIG_TYPE_STRING, NULL},
    {"overdue_supervisor", CONFIG_TYPE_INT, NULL},
    {"overdue_manager", CONFIG_TYPE_INT, NULL},
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
    {"sendmail_session", CONFIG_TYPE_BOOL, NULL},
    {"from", CONFIG_TYPE_STRING, NULL},
    {"retry", CONFIG_TYPE_GROUP, retry_keys},
    {"claim_idle", CONFIG_TYPE_INT, NULL},
    {"timeout", CONFIG_TYPE_INT, NULL},
    {"max_parallel", CONFIG_TYPE_INT, NULL},
    {"record_delay_ms", CONFIG_TYPE_INT, NULL},
    {"digest", CONFIG_TYPE_BOOL, NULL}, /* staff alerts into the digest */
    {NULL, 0, NULL},
};
static const struct key recipients_keys[] = {
    {"navigators", CONFIG_TYPE_ARRAY, NULL},
    {"supervisors", CONFIG_TYPE_ARRAY, NULL},
    {"first_response", CONFIG_TYPE_ARRAY, NULL},
    {"edt", CONFIG_TYPE_ARRAY, NULL},
    {"managers", CONFIG_TYPE_ARRAY, NULL},
    {NULL, 0, NULL},
};
static const struct key webhook_keys[] = {
    {"name", CONFIG_TYPE_STRING, NULL},
    {"url", CONFIG_TYPE_STRING, NULL},
    {"events", CONFIG_TYPE_ARRAY, NULL},
    {"secret", CONFIG_TYPE_STRING, NULL},
    {"referrers", CONFIG_TYPE_BOOL, NULL}, /* it reaches them by phone */
    {"ca_file", CONFIG_TYPE_STRING, NULL},
    {"insecure", CONFIG_TYPE_BOOL, NULL}, /* an http:// url is allowed */
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
    {"metrics", CONFIG_TYPE_GROUP, metrics_keys},
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

int
config_fail(char *err, size_t errlen, const char *file,
	    const config_setting_t *s, const char *fmt, ...)
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
			return config_fail(err, errlen, file, s, "unknown key");
		if (!(t == k->type ||
		      (k->type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64)))
			return config_fail(err, errlen, file, s, "must be %s",
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
					return config_fail(
					    err, errlen, file, e,
					    "must be a group { ... }");
				if (check_tree(e, k->children, file, err,
					       errlen))
					return -1;
			}
		}
	}
	return 0;
}

int
config_check(const config_t *cfg, const char *file, char *err, size_t errlen)
{
	return check_tree(config_root_setting(cfg), root_keys, file, err,
			  errlen);
}

const char *
config_get_str(const config_t *cfg, const char *path, const char *def)
{
	const char *v;

	return config_lookup_string(cfg, path, &v) ? v : def;
}
