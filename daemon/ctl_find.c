/*
 * ctl_find.c: finding referrals (ctl_find.h). Every answer's instants are
 * UTC ISO 8601; mashctl shows them in the hub's local time.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/timeutil.h"
#include "mash/words.h"

#include "clock.h"
#include "ctl.h"
#include "ctl_find.h"
#include "store.h"

/* A copy of `in` with each of `keys`' instants (ms as text) made ISO. */
static json_t *
with_instants(const json_t *in, const char *const *keys, size_t n)
{
	json_t *o = json_deep_copy(in);

	for (size_t k = 0; o != NULL && k < n; k++)
		json_object_set_new(o, keys[k], ctl_instant(in, keys[k]));
	return o;
}

json_t *
ctl_items_with_instants(const json_t *list, const char *const *keys, size_t n)
{
	json_t *items = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		json_t *o = with_instants(e, keys, n);

		if (o != NULL)
			json_array_append_new(items, o);
	}
	return items;
}

void
ctl_find_show_history(const json_t *r, json_t *out)
{
	static const char *const at[] = {"at"};
	static const char *const received[] = {"received"};
	char buf[MASH_TIME_BUFSZ];

	json_object_set_new(
	    out, "ratings",
	    ctl_items_with_instants(json_object_get(r, "ratings"), at, 1));
	json_object_set_new(out, "related",
			    ctl_items_with_instants(
				json_object_get(r, "related"), received, 1));
	/* A list damaged (the child's, or the referral's own events): none
	 * listed from it, and why. */
	for (size_t k = 0; k < 2; k++) {
		const char *key = k ? "ratings_damaged" : "related_damaged";

		if (json_is_string(json_object_get(r, key)))
			json_object_set(out, key, json_object_get(r, key));
	}
	/* mashd's now, which the timers keep: "2h10m left" by it. */
	json_object_set_new(out, "now",
			    json_string(mash_time_format(clock_now_ms(), buf)));
}

/* resolve REF: what a person typed, to whole references. */

static void
resolve_done(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	json_t *ids = json_object_get(r, "ids");

	if (err != NULL)
		ctl_error(c, "%s", ctl_refusal(err));
	else /* exact: this year's, which digits alone name */
		ctl_send(c,
			 json_pack("{sb so sb}", "ok", 1, "ids",
				   json_is_array(ids) ? json_deep_copy(ids)
						      : json_array(),
				   "exact",
				   json_is_true(json_object_get(r, "exact"))));
	ctl_done(c);
}

/*
 * The typed form's number (six digits) and the end of its year ("" for
 * any): digits alone are a number; else it must be an ending of a
 * reference that includes the number whole ("2025-000017"). -1 else.
 */
static int
resolve_parse(const char *typed, char number[7], char years[5], bool *alone)
{
	size_t len = strlen(typed), digits = strspn(typed, "0123456789");
	char up[MASH_REF_LEN + 1];

	*alone = len > 0 && digits == len;
	if (*alone) {
		if (len > 6)
			return -1;
		snprintf(number, 7, "%06ld", strtol(typed, NULL, 10));
		years[0] = '\0';
		return 0;
	}
	if (len < 7 || len > MASH_REF_LEN)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char want = MASH_REF_SHAPE[MASH_REF_LEN - len + i];

		up[i] = (char)toupper((unsigned char)typed[i]);
		if (want == 'Y' || want == 'N' ? !isdigit((unsigned char)up[i])
					       : up[i] != want)
			return -1;
	}
	up[len] = '\0';
	memcpy(number, up + len - 6, 7);
	/* The year's digits typed: between "MASH-" and "-NNNNNN". */
	snprintf(years, 5, "%.*s", (int)(len >= 12 ? 4 : len - 7),
		 up + (len >= 12 ? len - 11 : 0));
	return 0;
}

void
ctl_find_resolve(struct ctl_conn *c)
{
	const char *typed = ctl_arg(c, "ref");
	char number[7], years[5], id[MASH_REF_LEN + 8], year[8];
	int y, m, d;
	bool alone;
	json_t *args;

	if (typed == NULL || resolve_parse(typed, number, years, &alone) != 0) {
		ctl_error(c,
			  "\"%s\" is not a reference, its number or its "
			  "end (" MASH_REF_EXAMPLE ", 123, 2026-000123)",
			  typed ? typed : "");
		return;
	}
	mash_civil_from_days(clock_now_ms() / 86400000, &y, &m, &d);
	snprintf(year, sizeof(year), "%04d", y);
	args = json_pack("{ss ss ss}", "number", number, "years", years,
			 "this_year", year);
	if (alone) {
		snprintf(id, sizeof(id), MASH_REF_FORMAT, y, atoi(number));
		json_object_set_new(args, "id", json_string(id));
	}
	ctl_call(c, SCRIPT_RESOLVE, args, resolve_done);
}
