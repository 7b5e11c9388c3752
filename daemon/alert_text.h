/*
 * alert_text: what an alert says and whom it concerns (SPEC section 7).
 * A text is built from the outbox entry's fields only (the reference,
 * the rating, the timer and its due time, the outcome): the record's
 * personal data never reaches an alert. Pure: no I/O.
 */
#ifndef MASHD_ALERT_TEXT_H
#define MASHD_ALERT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/config.h"

/*
 * Who an event concerns: the referrer, and the staff roles of config.h,
 * one bit each, made from the role itself so no order is assumed.
 */
#define ALERT_TO_REFERRER (1u << 0)
#define ALERT_TO_ROLE(r) (1u << (1 + (unsigned)(r)))

/*
 * The audience of an event; ALERT_TO_ROLE(ROLE_EDT) means "the Emergency
 * Duty Team when the hub is closed". An unknown event goes to the
 * supervisors.
 */
unsigned alert_text_audience(const char *event);

/*
 * The subject and body of the alert whose outbox fields are `fields`,
 * for the referrer or for staff. Due times are shown in the hub's time.
 */
void alert_text_compose(const struct calendar *cal, const json_t *fields,
			bool for_referrer, char *subject, size_t slen,
			char *body, size_t blen);

#endif
