/*
 * store_keys.h: the KEYS of a script call (store_keys.c), for
 * store_call.c.
 */
#ifndef MASHD_STORE_KEYS_H
#define MASHD_STORE_KEYS_H

#include <jansson.h>

/* At most this many keys a call. */
#define STORE_MAX_KEYS 24

/* The keys made, each its own string; max: the limit that applied. */
struct store_keys {
	char **k;
	int n, cap, max;
};

/*
 * The keys of template `tmpl` for a call with ARGV prefix, argv[0..argc-1]
 * (`args` is the one JSON argument when the caller has it as an object,
 * not parsed again; else NULL), added to ks: 0, or -1 when out of memory
 * or past the limit (ks->max), ks holding those made so far.
 */
int store_keys_make(struct store_keys *ks, const char *tmpl, const char *prefix,
		    int argc, const char *const *argv, const json_t *args);

/* Free the keys ks holds. */
void store_keys_clear(struct store_keys *ks);

#endif
