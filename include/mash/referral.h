/*
 * referral: the referral record (SPEC section 3): parse a body, validate it
 * against every rule, and name the first field that breaks one. Pure: no
 * I/O; shared by mashd and mashctl.
 */
#ifndef MASH_REFERRAL_H
#define MASH_REFERRAL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct referral_error {
	char field[128];   /* dotted path, e.g. "child.dob"; "" for the body */
	char message[256]; /* a human sentence */
};

/*
 * child.age_estimate, when the date of birth is not known: whole years,
 * 0 to this (a young person may be referred up to 18, or 25 with care
 * leavers' or SEND needs).
 */
#define REFERRAL_AGE_ESTIMATE_MAX 25

/* The concern categories of SPEC section 3, NULL-terminated. */
extern const char *const referral_categories[];

/*
 * Parse `len` bytes of JSON and validate it. Returns a new reference to the
 * record, or NULL with `err` filled. `now_ms` is the instant of receipt:
 * no date of birth may lie after its UTC day.
 */
json_t *referral_parse(const char *body, size_t len, int64_t now_ms,
		       struct referral_error *err);

/* Validate an already parsed record. 0 if valid, -1 with `err` filled. */
int referral_validate(const json_t *root, int64_t now_ms,
		      struct referral_error *err);

/* s is a plain email address, as intake takes one for referrer.email:
 * one '@' with something either side, no space or control character,
 * and none of RFC 5322's specials, which would make it more than an
 * address in a header or an envelope. */
bool referral_email_plain(const char *s);

#endif
