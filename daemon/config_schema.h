/*
 * config_schema: the keys of mashd.conf and their types, and what the
 * files of the configuration reader (config.c, config_redis.c,
 * config_time.c, config_tls.c) share. A key not in the schema, or of the wrong
 * type, is an error naming the file, the line and the key's dotted path
 * ("clients[1].token").
 */
#ifndef MASHD_CONFIG_SCHEMA_H
#define MASHD_CONFIG_SCHEMA_H

#include <stddef.h>

#include <libconfig.h>

#include "mash/config.h"

/* 0 when every key of cfg is known and of its type; else -1 and err. */
int config_check(const config_t *cfg, const char *file, char *err,
		 size_t errlen);

/*
 * Always -1, with err "FILE:LINE: PATH: MESSAGE" for setting s (or
 * "FILE: MESSAGE" when s is NULL), so a loader can return it at once.
 */
int config_fail(char *err, size_t errlen, const char *file,
		const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The string at path, or def when it is not set. */
const char *config_get_str(const config_t *cfg, const char *path,
			   const char *def);

/* config_redis.c: redis.* into c->redis. */
int config_load_redis(struct mash_config *c, char *err, size_t errlen);

/* config_time.c: calendar.* into c->calendar, timers.* into c->timers. */
int config_load_calendar(struct mash_config *c, char *err, size_t errlen);
int config_load_timers(struct mash_config *c, char *err, size_t errlen);

/* config_tls.c: http.tls_cert and http.tls_key into c->http; a webhook's
 * url, insecure and ca_file into w. */
int config_load_tls(struct mash_config *c, char *err, size_t errlen);
int config_webhook_tls(struct mash_config *c, config_setting_t *g,
		       struct config_webhook *w, char *err, size_t errlen);

#endif
