/*
 * jfield: a JSON object's string member, as the daemon's modules read the
 * fields of a stored alert, a script's answer or a request. Pure.
 */
#ifndef MASH_JFIELD_H
#define MASH_JFIELD_H

#include <jansson.h>

/* o's string member key, or "" when o has none (or it is no string, or o
 * is no object). Never NULL. */
const char *jfield(const json_t *o, const char *key);

#endif
