/*
 * deadline: which statutory timers a referral has and when each is due
 * (SPEC sections 4 and 5). Pure: it asks the calendar for working time.
 */
#ifndef MASH_DEADLINE_H
#define MASH_DEADLINE_H

#include <stdint.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/words.h" /* the timers, their names, the queue's width */

enum span_unit {
	SPAN_NONE = 0,	      /* no such timer */
	SPAN_ELAPSED_MINUTES, /* plain UTC arithmetic */
	SPAN_WORKING_MINUTES, /* office time */
	SPAN_WORKING_DAYS,    /* SPEC section 6, N working days */
};

struct span {
	enum span_unit unit;
	int64_t amount;
};

struct deadline_rules {
	struct span decision;	/* 1 working day */
	struct span escalation; /* 3 working days */
	struct span written;	/* 24 elapsed hours, phone only */
	struct span
	    screening[BRAG_COUNT];    /* red 4 h elapsed, amber 6 working h */
	struct span decision_warning; /* 2 working hours before decision */
	/* to the supervisors, 2 working hours after a missed screening */
	struct span screening_escalate;
	/* the reminder ladder: a reminder every overdue_repeat while the
	 * decision is overdue; from the overdue_supervisor-th reminder to the
	 * supervisors too, from the overdue_manager-th to the managers */
	struct span overdue_repeat;
	int overdue_supervisor, overdue_manager;
};

struct deadlines {
	int64_t due[TIMER_COUNT]; /* UTC ms; 0 when the referral has no such
				     timer */
};

void deadline_rules_default(struct deadline_rules *r);

/*
 * The instant `span` after `from`; 0 for SPAN_NONE, for a due time the
 * calendar cannot find within ten years, and for a `from` past the year
 * 9999 (or as far before 1970).
 */
int64_t deadline_after(const struct calendar *cal, const struct span *s,
		       int64_t from_ms);
/* The instant `span` before `to` (a warning); 0 when `to` is 0 or none. */
int64_t deadline_before(const struct calendar *cal, const struct span *s,
			int64_t to_ms);
/* The same two, telling each step of the walk to `tr` (calendar.h;
 * NULL: none). Elapsed time is told as its start and its end (n: the
 * minutes). mashctl explain shows these steps. */
int64_t deadline_after_traced(const struct calendar *cal, const struct span *s,
			      int64_t from_ms, const struct calendar_trace *tr);
int64_t deadline_before_traced(const struct calendar *cal, const struct span *s,
			       int64_t to_ms, const struct calendar_trace *tr);

/*
 * Every due time of a referral received at `received_ms` by `channel`
 * ("web", "partner", "phone", "email") with rating `b`.
 */
void deadline_compute(const struct calendar *cal,
		      const struct deadline_rules *r, int64_t received_ms,
		      const char *channel, enum brag b, struct deadlines *out);

/* When a screening due at `screening` (0: none) goes to the supervisors
 * if still not done: timers.screening_escalate after it; 0 for none. */
int64_t deadline_screening_escalate(const struct calendar *cal,
				    const struct deadline_rules *r,
				    int64_t screening);

/* The score that orders the queue: see "the queue's order" in words.h. */
int64_t deadline_queue_score(enum brag b, const struct deadlines *dl,
			     int64_t received_ms);

#endif
