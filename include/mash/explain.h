/*
 * explain: how a timer's due time is reached, step by step, as data
 * (`mashctl explain`, `mashctl deadlines --explain`). The steps are those
 * the calendar's walk takes to compute the due time itself (the _traced
 * walks of calendar.h and deadline.h), so the explanation cannot disagree
 * with the due time. Pure: instants in UTC (ISO 8601), days as local dates.
 */
#ifndef MASH_EXPLAIN_H
#define MASH_EXPLAIN_H

#include <stdint.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/deadline.h"
#include "mash/words.h"

struct explain_in {
	enum timer_kind timer;
	enum brag brag;	  /* the rating the screening target is of */
	int64_t start;	  /* the instant the timer started (ms) */
	const char *why;  /* why it started then: "receipt", "re-rating" */
	int64_t base;	  /* decision_warning: the decision's due time;
			     screening_escalate: the screening's; else 0 */
	const char *note; /* a sentence to show with it, or NULL */
};

/*
 * {timer, rule, start, why, due, steps: [...]} (mashctl(1) names every
 * step); *due gets the due time the walk reached (0: none). NULL when out
 * of memory.
 */
json_t *explain_timer(const struct calendar *cal,
		      const struct deadline_rules *r,
		      const struct explain_in *in, int64_t *due);

/* "1 working day", "6 working hours", "24 hours": a span for people. */
char *explain_span(const struct span *s, char *buf, size_t len);

#endif
