/*
 * alert_plan: what one attempt of an alert has to deliver, decided from
 * the alert's outbox fields, the referrer's email and phone, the parts
 * delivered before and the configuration alone (no I/O): its audience,
 * its parts ("mail:referrer", "mail:staff", "hook:NAME") and whether the
 * referrer, whom no transport reaches, gets a call-back task instead.
 * alert.c plans each attempt with it; intake.c plans a new referral's
 * alerts with it before submit.lua, so that an alert with no part to
 * deliver (syslog carries it) is settled in the submit call itself.
 */
#ifndef MASHD_ALERT_PLAN_H
#define MASHD_ALERT_PLAN_H

#include <stdbool.h>

#include <jansson.h>

#include "mash/config.h"

#include "alert_audience.h"

#define ALERT_MAX_PARTS 16

struct alert_plan {
	struct audience au; /* au.staff may point into au.holder */
	unsigned to;	    /* ALERT_TO_* bits */
	char parts[ALERT_MAX_PARTS][80];
	int nparts;
	bool callback; /* no transport reaches the referrer: a task instead */
};

/*
 * The plan of an attempt of the alert whose outbox fields are `fields`,
 * for the referrer {email, phone} (either may be absent), with `done`
 * (NULL: none) the parts an earlier attempt delivered, never again.
 */
void alert_plan_make(const struct mash_config *c, const json_t *fields,
		     const json_t *referrer, const json_t *done,
		     struct alert_plan *pl);
/* Mail is on and the referrer has an address: mail reaches them. */
bool alert_plan_mailed(const struct mash_config *c, const json_t *referrer);

#endif
