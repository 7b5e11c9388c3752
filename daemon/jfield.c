/*
 * jfield.c: see include/mash/jfield.h.
 */
#include "mash/jfield.h"

const char *
jfield(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}
