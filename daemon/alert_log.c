/*
 * alert_log.c: see alert_log.h.
 */
#include <string.h>

#include "mash/jfield.h"

#include "alert_log.h"
#include "log.h"

void
alert_log_attempt(const char *id, const json_t *fields, const char *roles,
		  long long attempt)
{
	const char *ref = jfield(fields, "ref"), *brag = jfield(fields, "brag");
	const char *event = jfield(fields, "event");

	log_event(ref, brag, event,
		  "alert %s ref=%s event=%s brag=%s to=%s attempt=%lld", id,
		  ref, event, brag, roles, attempt);
}

void
alert_log_outcome(const char *id, const json_t *fields, const char *state,
		  long long attempts, const char *error)
{
	const char *ref = jfield(fields, "ref"), *brag = jfield(fields, "brag");
	const char *event = jfield(fields, "event");

	if (strcmp(state, "dead") == 0)
		log_event_warnx(ref, brag, event,
				"alert %s ref=%s event=%s is a DEAD LETTER "
				"after %lld attempts: %s",
				id, ref, event, attempts, error);
	else if (strcmp(state, "sent") == 0)
		log_event(ref, brag, event,
			  "alert %s ref=%s event=%s delivered", id, ref, event);
	else if (strcmp(state, "callback") == 0)
		log_event(ref, brag, event,
			  "alert %s ref=%s event=%s: no transport reaches the "
			  "referrer; a call-back task for the navigators "
			  "(mashctl callbacks)",
			  id, ref, event);
}
