/*
 * queue_json.c: the JSON mashd stores in a referral's fields (categories,
 * repeat, record) read for the stream's items that mashd reads itself
 * (ctl_queue_read.c), with jansson where queue.lua read them with Lua's
 * cjson: any value at the top, \u0000 in strings (the item mends it),
 * every number a double (an integer past 64 bits too, as cjson reads
 * it). What jansson refuses cannot be shown, with queue.lua's
 * consequences for a field it cannot read: categories come from the
 * record's concern.categories (read by jansson too), else none; a repeat
 * is null.
 *
 * The same as cjson for the JSON mashd writes (submit.lua's cjson.encode
 * of a record jansson validated), not for all strict JSON: nesting deeper
 * than cjson's 1000 (cjson refuses it, jansson reads it) and a number
 * past a double's range such as 1e400 (valid JSON grammar: cjson reads it
 * as infinite, jansson refuses it) differ. Not strict JSON, which
 * mashd never writes and only damage leaves, is read differently, and
 * the stream then shows what jansson reads where a page (queue.lua)
 * shows what cjson reads: bytes not UTF-8 or raw control characters in
 * a string, and numbers cjson's strtod() takes ("01", "1.", "+1",
 * hexadecimal, inf, nan): jansson refuses the whole value; so too a
 * number past a double's range (cjson: infinite). t_queue_damaged and
 * test_queue_json say so value by value.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "queue_item.h"
#include "queue_json.h"

json_t *
queue_json_load(const char *text, size_t n)
{
	return json_loadb(
	    text, n, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
	    NULL);
}

json_t *
queue_json_strings(const json_t *list)
{
	json_t *out = json_array(), *c;
	size_t k;

	for (k = 0; out != NULL && k < json_array_size(list); k++) {
		c = json_array_get(list, k);
		if (json_is_string(c) && json_array_append(out, c) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

const char *
queue_json_repeat(const char *text, size_t len, char *buf, size_t sz)
{
	json_t *rep, *count;
	double d = 0;
	bool ok;
	long long n;

	if (text == NULL || (rep = queue_json_load(text, len)) == NULL)
		return NULL;
	count = json_object_get(rep, "count");
	ok = json_is_number(count) ||
	     (json_is_string(count) &&
	      queue_item_number(json_string_value(count), &d) == 0);
	if (json_is_number(count))
		d = json_number_value(count);
	json_decref(rep);
	if (!ok)
		return NULL;
	n = d >= -9223372036854775808.0 && d < 9223372036854775808.0
		? (long long)d
		: LLONG_MIN;
	snprintf(buf, sz, "%lld", n);
	return buf;
}
