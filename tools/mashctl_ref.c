/*
 * mashctl_ref.c: a referral named the short way (mashctl.h, ref_resolve),
 * and "did you mean" for a word mashctl does not know.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/words.h"

#include "mashctl.h"

const char *
ref_resolve(struct ctx *x, const char *typed)
{
	static char ref[MASH_REF_LEN + 1];
	bool alone =
	    typed[0] != '\0' && typed[strspn(typed, "0123456789")] == '\0';
	json_t *a, *ids, *id;
	size_t n, i;

	if (strlen(typed) == MASH_REF_LEN && mash_ref_at(typed, true)) {
		for (i = 0; i < MASH_REF_LEN; i++)
			ref[i] = (char)toupper((unsigned char)typed[i]);
		ref[MASH_REF_LEN] = '\0';
		return ref;
	}
	a = request(x, json_pack("{ss ss}", "cmd", "resolve", "ref", typed));
	ids = json_object_get(a, "ids");
	n = json_array_size(ids);
	if (n == 1 && (!alone || json_is_true(json_object_get(a, "exact")))) {
		snprintf(ref, sizeof(ref), "%s",
			 json_string_value(json_array_get(ids, 0)));
		json_decref(a);
		return ref;
	}
	if (n == 0)
		fprintf(stderr, "mashctl: no referral %s \"%s\"\n",
			alone ? "of this year is numbered" : "ends with",
			typed);
	else if (alone)
		fprintf(stderr,
			"mashctl: no referral of this year is "
			"numbered \"%s\"; did you mean",
			typed);
	else
		fprintf(stderr,
			"mashctl: \"%s\" is the end of %zu "
			"references; type more of one of",
			typed, n);
	json_array_foreach(ids, i, id)
	    fprintf(stderr, "%s %s", i ? "," : "", json_string_value(id));
	if (n > 0)
		fprintf(stderr, "%s\n", alone ? "?" : "");
	json_decref(a);
	exit(n == 0 ? EXIT_REFUSED : EXIT_USAGE);
}

void
did_you_mean(const char *what, const char *typed, const char *const *names,
	     size_t n)
{
	char all[512];
	int near = words_nearest(names, n, typed);

	fprintf(stderr, "mashctl: unknown %s \"%s\"", what, typed);
	if (near >= 0)
		fprintf(stderr, "; did you mean %s?", names[near]);
	fprintf(stderr, "\n  use %s\n", words_join(names, n, all, sizeof(all)));
}
