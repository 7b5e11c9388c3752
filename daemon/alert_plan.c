/*
 * alert_plan.c decides what an attempt of an alert delivers; see
 * alert_plan.h. The one definition: delivery (alert.c) and the settling
 * of a new referral's alerts in the submit call (alert_settle.c) both
 * plan with it, so the two never disagree on whether an alert needs a
 * transport.
 */
#include <stdio.h>
#include <string.h>

#include "mash/jfield.h"

#include "alert_plan.h"
#include "alert_text.h"
#include "ladder.h"

static const char *
referrer(const json_t *who, const char *k)
{
	return json_string_value(json_object_get(who, k));
}

static bool
done_before(const json_t *done, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(done, i, v)
	{
		if (strcmp(json_string_value(v), name) == 0)
			return true;
	}
	return false;
}

static void
add_part(struct alert_plan *pl, const json_t *done, const char *name)
{
	if (pl->nparts >= ALERT_MAX_PARTS || done_before(done, name))
		return;
	snprintf(pl->parts[pl->nparts], sizeof(pl->parts[0]), "%s", name);
	pl->nparts++;
}

bool
alert_plan_mailed(const struct mash_config *c, const json_t *who)
{
	return c->alerts.sendmail[0] != '\0' && referrer(who, "email") != NULL;
}

/* A webhook that reaches referrers wants this event. */
static bool
referrer_hook(const struct mash_config *c, const char *event)
{
	for (size_t i = 0; i < c->nwebhooks; i++)
		for (size_t k = 0;
		     c->webhooks[i].referrers && k < c->webhooks[i].events.n;
		     k++)
			if (strcmp(c->webhooks[i].events.items[k], event) == 0)
				return true;
	return false;
}

/* The audience: the event's, the Emergency Duty Team only for what came
 * while closed, the overdue ladder's rungs, and an overdue's holder. */
static void
plan_audience(const struct mash_config *c, const json_t *fields,
	      struct alert_plan *pl)
{
	struct audience *au = &pl->au;
	unsigned to = alert_text_audience(jfield(fields, "event"));

	if (strcmp(jfield(fields, "edt"), "1") != 0)
		to &= ~ALERT_TO_ROLE(ROLE_EDT);
	to = ladder_audience(c, fields, to);
	audience_of(c, to, au);
	if (ladder_holder(fields, au->holder, sizeof(au->holder)) != NULL &&
	    au->nstaff < sizeof(au->staff) / sizeof(au->staff[0]))
		au->staff[au->nstaff++] = au->holder;
	pl->to = to;
}

/*
 * The parts: a referrer that no transport reaches (no email, or no mail;
 * no phone, or no webhook that reaches referrers) is not "sent" to: the
 * alert becomes a call-back task for the navigators (pl->callback).
 */
void
alert_plan_make(const struct mash_config *c, const json_t *fields,
		const json_t *who, const json_t *done, struct alert_plan *pl)
{
	const char *event = jfield(fields, "event");
	bool mail = c->alerts.sendmail[0] != '\0';

	memset(pl, 0, sizeof(*pl));
	plan_audience(c, fields, pl);
	if ((pl->to & ALERT_TO_REFERRER) && alert_plan_mailed(c, who))
		add_part(pl, done, "mail:referrer");
	else if ((pl->to & ALERT_TO_REFERRER) &&
		 !done_before(done, "mail:referrer") &&
		 (referrer(who, "phone") == NULL || !referrer_hook(c, event)))
		pl->callback = true;
	if (mail && pl->au.nstaff > 0)
		add_part(pl, done, "mail:staff");
	for (size_t i = 0; i < c->nwebhooks; i++) {
		const struct config_webhook *w = &c->webhooks[i];
		char name[80];

		for (size_t k = 0; k < w->events.n; k++) {
			if (strcmp(w->events.items[k], event) != 0)
				continue;
			snprintf(name, sizeof(name), "hook:%s", w->name);
			add_part(pl, done, name);
			break;
		}
	}
}
