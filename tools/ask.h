/*
 * ask: a telephone referral taken field by field. The call handler answers
 * one question at a time; each answer is checked by the same validator
 * mashd runs (referral_validate) the moment it is given, and a bad one is
 * asked again with the validator's sentence. Then the answers are read
 * back as text, numbered, and any one can be asked again (an edit). The
 * answers so far can be kept as a draft and taken up again. Streams in,
 * streams out: no terminal handling, so the unit tests feed it answers
 * from memory.
 */
#ifndef MASH_ASK_H
#define MASH_ASK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "mash/referral.h"

#define ASK_MAX_QUESTIONS 32

/* A referral being taken: what was answered, and which were asked. */
struct ask {
	json_t *answers; /* the record so far: only what was typed */
	bool asked[ASK_MAX_QUESTIONS];
	int64_t now_ms; /* the instant the rules are checked at */
};

void ask_init(struct ask *a, int64_t now_ms);
void ask_free(struct ask *a);

/* Anything asked yet: something a draft would keep. */
bool ask_started(const struct ask *a);

/*
 * Ask, in order, every question not yet asked that applies. 0 when all
 * are; -1 if `in` ended or was interrupted first (what was answered stays
 * in `a`; the question is asked again by the next ask_run).
 */
int ask_run(struct ask *a, FILE *in, FILE *out);

/* The answers, numbered as ask_edit takes them, one field a line. */
void ask_readback(const struct ask *a, FILE *out);

/*
 * Ask question `number` (as ask_readback shows it) again, then any that
 * the new answer brings in (an unborn child's expected date); those it
 * rules out are dropped. An empty answer keeps the one there was.
 * 0 done; 1 no such question; -1 as ask_run.
 */
int ask_edit(struct ask *a, int number, FILE *in, FILE *out);

/* The whole record valid: 0; -1 with the first broken rule in err. */
int ask_complete(const struct ask *a, struct referral_error *err);

/*
 * A draft: {"mashctl_draft": 1, "answers": {...}, "asked": [paths]}.
 * ask_from_draft takes one up into `a` (initialised); -1 with a sentence
 * in *why if it is not a draft.
 */
json_t *ask_draft(const struct ask *a);
int ask_from_draft(struct ask *a, const json_t *draft, const char **why);

/*
 * Ask every question on `out`, reading answers from `in`. Returns the whole
 * record, valid at `now_ms`, or NULL if `in` ended first (nothing to send).
 */
json_t *ask_referral(FILE *in, FILE *out, int64_t now_ms);

/* Ask `question` until the answer is yes or no; -1 at the end of `in`. */
int ask_yes_no(FILE *in, FILE *out, const char *question);

#endif
