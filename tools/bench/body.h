/*
 * body.h: how mash-load makes request N's body from a template, shared
 * with tests/faults/fault-check.c, which makes it again to compare with
 * what Redis holds. Every "@SEQ@" becomes N spelt in letters (so each
 * referral is of a child of its own) and every "@NUM@" N in digits (a
 * marker the fault checker finds again in the stored record).
 */
#ifndef MASH_BENCH_BODY_H
#define MASH_BENCH_BODY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n in letters, base 26, at least four: 0 is "aaaa", 27 "aabb". */
static inline void
body_letters(long n, char *out)
{
	char tmp[32];
	int i = 0, j = 0;

	do {
		tmp[i++] = (char)('a' + n % 26);
		n /= 26;
	} while (n > 0 && i < 30);
	while (i < 4)
		tmp[i++] = 'a';
	while (i > 0)
		out[j++] = tmp[--i];
	out[j] = '\0';
}

/* The body of request n, malloc'd, or NULL when out of memory. */
static inline char *
body_make(const char *tmpl, long n)
{
	char letters[32], digits[32];
	size_t len = 0, cap = strlen(tmpl) + 64;
	char *out = malloc(cap);
	const char *p = tmpl;

	body_letters(n, letters);
	snprintf(digits, sizeof(digits), "%ld", n);
	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		const char *add = NULL;
		size_t alen;

		if (strncmp(p, "@SEQ@", 5) == 0)
			add = letters;
		else if (strncmp(p, "@NUM@", 5) == 0)
			add = digits;
		alen = add != NULL ? strlen(add) : 1;
		if (len + alen + 1 > cap) {
			char *bigger = realloc(out, cap = 2 * cap + alen);

			if (bigger == NULL) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		if (add != NULL) {
			memcpy(out + len, add, alen);
			p += 5;
		} else {
			out[len] = *p++;
		}
		len += alen;
	}
	out[len] = '\0';
	return out;
}

#endif
