/*
 * alert_settle: a new referral's alerts that come to a call-back task and
 * nothing else (alert_plan.c: no part to deliver, and a referrer no
 * transport reaches, e.g. the acknowledgement of a referrer known by
 * telephone only) are settled by submit.lua in the call that stores the
 * referral, as alert_result.lua would record them: one durable write for
 * the referral. This module says which events those are, before the
 * call, and writes their syslog lines (the same as alert.c's) once the
 * store answered; a reply lost or a crash may lose those lines, never the
 * task. An alert that syslog alone carries (a Red with no staff
 * recipients) is not settled: it is "sent" only once its line is written.
 */
#ifndef MASHD_ALERT_SETTLE_H
#define MASHD_ALERT_SETTLE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "mash/config.h"

/*
 * submit.lua's argument settle into args: {event: callback_due (ms)} for
 * each alert a referral rated `brag`, received at `now` (while the hub is
 * closed: hub_closed), from the referrer {email, phone}, may queue that
 * comes to a call-back task alone. -1 when out of memory.
 */
int alert_settle_args(const struct mash_config *c, const json_t *referrer,
		      const char *brag, bool hub_closed, int64_t now,
		      json_t *args);
/* The syslog lines of submit.lua's answer's settled alerts. */
void alert_settle_log(const struct mash_config *c, const json_t *settled);

#endif
