/*
 * alert: delivers the alerts that the Lua scripts write to the outbox
 * stream, in the same call as the change that caused them (SPEC section
 * 7). A consumer group makes delivery at-least-once: an alert leaves the
 * group's pending list only when every transport took it, or, after the
 * last retry, as a dead letter that goes to the supervisors and is listed.
 * Transports: sendmail(8) as a child process, webhooks through evhttp's
 * client (signed with HMAC-SHA256), and always syslog.
 */
#ifndef MASHD_ALERT_H
#define MASHD_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "mashd.h"

struct alerter *alert_new(struct mashd *d);
void alert_free(struct alerter *a);
/*
 * The consumer name that submit.lua claims a new referral's alerts for
 * (then given to alert_adopt), or "" when this mashd has no room for them
 * now (they are left to alert_take). Called just before submit.lua is
 * sent: the delivery results waiting to be recorded are sent first, on
 * the same connection, so that one fsync of Redis's covers both.
 */
const char *alert_consumer(struct alerter *a);
/* Deliver the alerts submit.lua claimed for alert_consumer(), in its
 * answer's form (alert_take's); `claimed` is clock_mono_ms() read before
 * the call was sent (their claim is younger). True when all of them
 * started; else the rest are pending with this consumer and taken by the
 * next look. */
bool alert_adopt(struct alerter *a, const json_t *alerts, int64_t claimed);
/* Look at the outbox now: something was just written to it. While
 * stopping: write the delivery results gathered, without waiting. */
void alert_kick(struct alerter *a);

#endif
