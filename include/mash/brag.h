/*
 * brag: the BRAG rating (Blue, Red, Amber, Green) and the rules that give a
 * new referral its first rating (SPEC section 4). Pure: no I/O.
 */
#ifndef MASH_BRAG_H
#define MASH_BRAG_H

#include <stdint.h>

#include <jansson.h>

/* Declared in queue order: a lower value is more urgent. */
enum brag {
	BRAG_RED = 0,
	BRAG_AMBER = 1,
	BRAG_GREEN = 2,
	BRAG_BLUE = 3,
};
#define BRAG_COUNT 4

/* "red", "amber", "green", "blue". */
const char *brag_name(enum brag b);
/* Case-insensitive name or its first letter; 0 on success, -1 else. */
int brag_parse(const char *s, enum brag *out);

/*
 * The initial rating of a referral that referral_validate() accepted,
 * by the default rules, first match wins. `received_ms` fixes the child's
 * age; an unborn child counts as under one.
 */
enum brag brag_rate(const json_t *referral, int64_t received_ms);

#endif
