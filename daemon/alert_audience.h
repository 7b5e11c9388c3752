/*
 * alert_audience: who an alert goes to, as addresses and role names, from
 * its audience bits (alert_text.h's ALERT_TO_*) and the configured
 * recipients. alert.c adds the holder of an overdue referral.
 */
#ifndef MASHD_ALERT_AUDIENCE_H
#define MASHD_ALERT_AUDIENCE_H

#include <stddef.h>

#include "mash/config.h"

/* The staff addresses and the roles' names of the audience `to`. */
struct audience {
	const char *staff[64];
	size_t nstaff;
	char roles[128]; /* "navigators,first_response,referrer" */
	char holder[64]; /* the holder's login, of an overdue alert */
};

void audience_of(const struct mash_config *c, unsigned to, struct audience *au);

#endif
