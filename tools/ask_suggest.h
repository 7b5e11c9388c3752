/*
 * ask_suggest: "did you mean" for a concern category the call handler
 * typed that is not one: the hub's everyday abbreviations first (DV is
 * domestic_abuse), then the categories nearest by edit distance.
 */
#ifndef MASH_ASK_SUGGEST_H
#define MASH_ASK_SUGGEST_H

#include <stddef.h>

/* "domestic_abuse" or "cse or cce" into buf; "" when nothing is near. */
void ask_suggest_category(const char *typed, char *buf, size_t len);

#endif
