/*
 * ask: a telephone referral taken field by field. The call handler answers
 * one question at a time; each answer is checked by the same validator
 * mashd runs (referral_validate) the moment it is given, and a bad one is
 * asked again with the validator's sentence. Streams in, streams out: no
 * terminal handling, so the unit tests feed it answers from memory.
 */
#ifndef MASH_ASK_H
#define MASH_ASK_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Ask every question on `out`, reading answers from `in`. Returns the whole
 * record, valid at `now_ms`, or NULL if `in` ended first (nothing to send).
 */
json_t *ask_referral(FILE *in, FILE *out, int64_t now_ms);

/* Ask `question` until the answer is yes or no; -1 at the end of `in`. */
int ask_yes_no(FILE *in, FILE *out, const char *question);

#endif
