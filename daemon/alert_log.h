/*
 * alert_log: the syslog lines of an alert's attempt and of its outcome,
 * which syslog always carries (the reference, the event, the roles; never
 * an address, a number or a name). alert.c writes them for the attempts
 * it delivers, alert_settle.c for the alerts settled in a submit call:
 * the same lines either way.
 */
#ifndef MASHD_ALERT_LOG_H
#define MASHD_ALERT_LOG_H

#include <jansson.h>

/* Attempt number `attempt` (1 the first) of the alert `id`, whose outbox
 * fields are `fields`, to the roles `roles` ("navigators,referrer"). */
void alert_log_attempt(const char *id, const json_t *fields, const char *roles,
		       long long attempt);
/* Its outcome, as alert_result.lua answered: "sent", "callback" or
 * "dead" (after `attempts` attempts, the first failure `error`); nothing
 * for "pending". */
void alert_log_outcome(const char *id, const json_t *fields, const char *state,
		       long long attempts, const char *error);

#endif
