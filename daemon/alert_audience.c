/*
 * alert_audience.c: see alert_audience.h.
 */
#include <stdio.h>
#include <string.h>

#include "alert_audience.h"
#include "alert_text.h"

void
audience_of(const struct mash_config *c, unsigned to, struct audience *au)
{
	size_t rl;

	for (int role = 0; role < ROLE_COUNT; role++) {
		if (!(to & ALERT_TO_ROLE(role)))
			continue;
		rl = strlen(au->roles);
		snprintf(au->roles + rl, sizeof(au->roles) - rl, "%s%s",
			 au->roles[0] ? "," : "", config_role_name(role));
		for (size_t i = 0;
		     i < c->recipients[role].n &&
		     au->nstaff < sizeof(au->staff) / sizeof(au->staff[0]);
		     i++)
			au->staff[au->nstaff++] = c->recipients[role].items[i];
	}
	rl = strlen(au->roles);
	if (to & ALERT_TO_REFERRER)
		snprintf(au->roles + rl, sizeof(au->roles) - rl, "%sreferrer",
			 au->roles[0] ? "," : "");
}
