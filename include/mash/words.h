/*
 * words: the hub's own words, each defined here once: the reference, the
 * intake channels, the statutory timers, the outcomes of a decision, the
 * alert events and the queue's order. mashd and mashctl read them here;
 * the Lua scripts get them as constants that tools/words-lua.c writes
 * from these same tables at build time (build/words.lua). Pure: no I/O.
 */
#ifndef MASH_WORDS_H
#define MASH_WORDS_H

#include <stdbool.h>
#include <stddef.h>

/* ---- the reference (SPEC section 2) ----------------------------------- */

/* "MASH-", the year in four digits, "-", the number in six. */
#define MASH_REF_SHAPE "MASH-YYYY-NNNNNN"
#define MASH_REF_EXAMPLE "MASH-2026-000123"
#define MASH_REF_LEN 16
/* printf's way to make one from the year and the number. */
#define MASH_REF_FORMAT "MASH-%04d-%06d"

/* s is a reference and nothing else. */
bool mash_ref_valid(const char *s);
/* s begins with a reference; "mash-2026-000123" too when any_case. */
bool mash_ref_at(const char *s, bool any_case);

/* ---- intake channels (SPEC section 2) --------------------------------- */

enum channel {
	CHANNEL_WEB = 0,
	CHANNEL_PARTNER,
	CHANNEL_PHONE,
	CHANNEL_EMAIL,
	CHANNEL_COUNT
};
/* "web", "partner", "phone", "email". */
extern const char *const channel_names[CHANNEL_COUNT];

/* ---- alert events (SPEC section 7) ------------------------------------ */

/* By the names the outbox carries and webhooks match on. */
enum alert_event {
	EVENT_ACK = 0,
	EVENT_RED,
	EVENT_REPEAT,
	EVENT_WARNING,
	EVENT_OVERDUE,
	EVENT_ESCALATION,
	EVENT_WRITTEN_REMINDER,
	EVENT_SCREENING,
	EVENT_OUTCOME,
	EVENT_DEAD_LETTER,
	EVENT_QUARANTINE,
	EVENT_SCREENING_ESCALATION,
	EVENT_OVERDUE_REMINDER,
	EVENT_DIGEST, /* the supervisors' daily digest (digest.c) */
	EVENT_COUNT
};
extern const char *const alert_event_names[EVENT_COUNT];

/* ---- statutory timers (SPEC section 5) -------------------------------- */

enum timer_kind {
	TIMER_DECISION = 0,
	TIMER_ESCALATION,
	TIMER_WRITTEN,
	TIMER_SCREENING,
	TIMER_DECISION_WARNING,
	/* screening still not done, timers.screening_escalate after it */
	TIMER_SCREENING_ESCALATE,
	/* the reminder ladder: a decision still overdue, every
	 * timers.overdue_repeat; each rung scheduled when the last fires */
	TIMER_OVERDUE_REMINDER,
	TIMER_COUNT
};

struct timer_word {
	const char *name;
	enum alert_event fires; /* the alert when it falls due */
	bool decision_stops;	/* recording a decision stops it */
	bool warning; /* warns of or follows another timer: never "overdue" */
};
extern const struct timer_word timer_words[TIMER_COUNT];

/* "decision", "escalation", "written", "screening", "decision_warning",
 * "screening_escalate", "overdue_reminder". */
const char *timer_name(enum timer_kind k);
int timer_parse(const char *s, enum timer_kind *out);

/* ---- outcomes of a decision (SPEC section 8) -------------------------- */

enum outcome {
	OUTCOME_S47 = 0,
	OUTCOME_S17,
	OUTCOME_EARLY_HELP,
	OUTCOME_UNIVERSAL,
	OUTCOME_NFA,
	OUTCOME_OPEN_CASE,
	OUTCOME_COUNT
};
/* "s47", "s17", "early_help", "universal", "nfa", "open_case". */
extern const char *const outcome_names[OUTCOME_COUNT];
/* Each as a referrer is told it: "a child protection enquiry ...". */
extern const char *const outcome_meanings[OUTCOME_COUNT];

/* ---- the queue's order ------------------------------------------------ */

/*
 * The score of a referral in the queue (a Redis sorted set): its BRAG
 * rank (enum brag) times QUEUE_RANK_WIDTH, plus the decision's due time
 * (else the instant of receipt), or the screening's when that is earlier.
 * deadline_queue_score() is the C of it, queue_score() in lib.lua the
 * Lua. Exact in a double: rank < 4 and the instant < QUEUE_RANK_WIDTH.
 */
#define QUEUE_RANK_WIDTH 10000000000000LL

/* ---- looking words up -------------------------------------------------- */

/* The index of s among names[0..n-1], or -1. */
int words_find(const char *const *names, size_t n, const char *s);
/* "a, b, c or d", cut to fit len. Returns buf. */
char *words_join(const char *const *names, size_t n, char *buf, size_t len);

/*
 * "Did you mean ...": the index of the name in names[0..n-1] nearest to s,
 * or -1 when none is near enough to suggest. Near is by edit distance,
 * ignoring case (an insertion, deletion, change or swap of two neighbours
 * each costs 1), at most 1 for a word of up to 3 characters, 2 up to 6,
 * else 3; a name that s begins (2 characters or more) costs 1. The first
 * nearest wins a tie.
 */
int words_nearest(const char *const *names, size_t n, const char *s);
/* Up to max of the near names' indices, nearest first; returns how many. */
size_t words_near(const char *const *names, size_t n, const char *s, int *out,
		  size_t max);

#endif
