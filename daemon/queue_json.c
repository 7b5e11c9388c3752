/*
 * queue_json.c: the JSON mashd stores in a referral's fields (categories,
 * repeat, record) read as queue.lua read it with Lua's cjson, for the
 * stream's items that mashd reads itself (ctl_queue_read.c).
 *
 * A field's JSON as queue.lua's pcall(cjson.decode, text) read it, with
 * jansson: any value at the top, \u0000 in strings, every number a
 * double. cjson takes a string's bytes as they are, where jansson
 * refuses what is not UTF-8 and raw control characters: inside strings
 * these are given to jansson as the item would show them after cjson
 * (a byte not of UTF-8 as U+FFFD, which queue_item.c's mend() makes of
 * it; a control character escaped), so both read the same strings. And
 * cjson (decode_invalid_numbers, its default) reads as a number whatever
 * strtod() reads where a value starts with a sign, a digit, "inf" or
 * "nan" ("01", "1.", "0x1F", "+1", past a double's range), which jansson
 * refuses: each is given to jansson as the double strtod() read ("%.17g",
 * read back the same), one not finite as 1e308. Only two things read a
 * number, and 1e308 reads as infinity and NaN do in both: a repeat's
 * count (string.format('%d') of it: LLONG_MIN) and a list's member (not
 * a string: left out). t_queue_damaged compares a page's items (cjson)
 * with the stream's on such values.
 */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "queue_item.h"
#include "queue_json.h"

/* Where cjson reads a number (above): a sign, a digit, "inf", "nan". */
static bool
number_starts(const char *p, size_t left)
{
	return *p == '-' || *p == '+' || (*p >= '0' && *p <= '9') ||
	       (left >= 3 && (strncasecmp(p, "inf", 3) == 0 ||
			      strncasecmp(p, "nan", 3) == 0));
}

json_t *
queue_json_load(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	char *b = malloc(9 * n + 32), *end;
	size_t at = 0, seq;
	bool in = false;
	json_t *v;

	if (b == NULL)
		return NULL;
	for (size_t i = 0; i < n;) {
		double d;

		if (!in && number_starts(text + i, n - i) &&
		    (d = strtod(text + i, &end), end > text + i)) {
			at += (size_t)snprintf(b + at, 32, "%.17g",
					       isfinite(d) ? d : 1e308);
			i = (size_t)(end - text);
		} else if (!in || (s[i] >= 0x20 && s[i] < 0x80) || s[i] == 0) {
			if (s[i] == '"')
				in = !in;
			else if (in && s[i] == '\\' && i + 1 < n)
				b[at++] = (char)s[i++];
			b[at++] = (char)s[i++];
		} else if (s[i] < 0x20) {
			at += (size_t)snprintf(b + at, 7, "\\u%04X", s[i++]);
		} else if ((seq = queue_item_utf8_len(s, i, n)) > 0) {
			memcpy(b + at, s + i, seq);
			at += seq;
			i += seq;
		} else {
			memcpy(b + at, "\xEF\xBF\xBD", 3);
			at += 3;
			i++;
		}
	}
	v = json_loadb(
	    b, at, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
	    NULL);
	free(b);
	return v;
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
