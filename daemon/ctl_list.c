/*
 * ctl_list.c: what left the queue (list) and every referral about one
 * child (child); see ctl_find.h. Instants in answers are UTC ISO 8601.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "clock.h"
#include "ctl.h"
#include "ctl_find.h"
#include "intake.h"
#include "log.h"
#include "store.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 200
/* Index entries one page may read, whatever its filters keep, and the
 * largest page: Redis runs nothing else meanwhile, intake included, and
 * a page of 1000 with their records' agencies took 0.2 s of its time. */
#define LIST_SCAN 1000
/* "Mary Ann Smith": split after each word but the last, up to this many. */
#define CHILD_SPLITS 4

/* list [all] [since] [until] [brag] [outcome] [agency] [after] [limit] */

static void
list_done(const json_t *r, const char *err, void *arg)
{
	static const char *const times[] = {"received", "decided"};
	struct ctl_conn *c = arg;
	json_t *o, *next;

	if (err != NULL) {
		ctl_error(c, "%s", ctl_refusal(err));
		goto done;
	}
	next = json_object_get(r, "next");
	o = json_pack(
	    "{sb so sO}", "ok", 1, "items",
	    ctl_items_with_instants(json_object_get(r, "items"), times, 2),
	    "next", json_is_string(next) ? next : json_null());
	ctl_send(c, o);
done:
	ctl_done(c);
}

/* The request's instant `k` (ms) into args; false, with the error sent,
 * when it is there but not a whole number. */
static bool
list_instant(struct ctl_conn *c, json_t *args, const char *k)
{
	const json_t *v = json_object_get(ctl_request(c), k);

	if (v == NULL)
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		ctl_error(c, "\"%s\" must be an instant in ms", k);
		return false;
	}
	json_object_set_new(args, k, json_integer(json_integer_value(v)));
	return true;
}

/* Brag and outcome, when given, are words mashd knows. */
static bool
list_words(struct ctl_conn *c, json_t *args)
{
	const char *b = ctl_arg(c, "brag"), *o = ctl_arg(c, "outcome");
	char names[128];
	enum brag r;
	int near;

	if (b != NULL && brag_parse(b, &r) != 0) {
		ctl_error(c,
			  "unknown BRAG rating \"%s\": use red, amber, "
			  "green or blue",
			  b);
		return false;
	}
	if (o != NULL && words_find(outcome_names, OUTCOME_COUNT, o) < 0) {
		near = words_nearest(outcome_names, OUTCOME_COUNT, o);
		ctl_error(c, "unknown outcome \"%s\"%s%s%s: use %s", o,
			  near >= 0 ? "; did you mean " : "",
			  near >= 0 ? outcome_names[near] : "",
			  near >= 0 ? "?" : "",
			  words_join(outcome_names, OUTCOME_COUNT, names,
				     sizeof(names)));
		return false;
	}
	if (b != NULL)
		json_object_set_new(args, "brag", json_string(brag_name(r)));
	if (o != NULL)
		json_object_set_new(args, "outcome", json_string(o));
	return true;
}

void
ctl_find_list(struct ctl_conn *c)
{
	const json_t *req = ctl_request(c),
		     *lim = json_object_get(req, "limit");
	const char *agency = ctl_arg(c, "agency"), *after = ctl_arg(c, "after");
	json_int_t limit = LIST_LIMIT_DEFAULT;
	json_t *args;

	if (lim != NULL) {
		limit = json_integer_value(lim);
		if (!json_is_integer(lim) || limit < 1 ||
		    limit > LIST_LIMIT_MAX) {
			ctl_error(c, "\"limit\" must be 1 to %d",
				  LIST_LIMIT_MAX);
			return;
		}
	}
	args = json_pack("{sb sI si}", "all",
			 json_is_true(json_object_get(req, "all")), "limit",
			 limit, "scan", LIST_SCAN);
	if (!list_instant(c, args, "since") ||
	    !list_instant(c, args, "until") || !list_words(c, args)) {
		json_decref(args);
		return;
	}
	if (agency != NULL && agency[0] != '\0')
		json_object_set_new(args, "agency", json_string(agency));
	if (after != NULL && after[0] != '\0')
		json_object_set_new(args, "after", json_string(after));
	ctl_call(c, SCRIPT_LIST, args, list_done);
}

/* child NAME DOB: the child's referrals, by the keys of repeat detection. */

static void
child_done(const json_t *r, const char *err, void *arg)
{
	static const char *const times[] = {"received", "decided"};
	struct ctl_conn *c = arg;
	json_t *items;

	if (err != NULL) {
		ctl_error(c, "%s", ctl_refusal(err));
		goto done;
	}
	items = ctl_items_with_instants(json_object_get(r, "items"), times, 2);
	/* No name nor date here: only how many were found, and by whom. */
	log_info("referrals of one child looked up by %s: %zu found",
		 ctl_actor(c), json_array_size(items));
	/* A list of the child's referrals that could not be read: said. */
	ctl_send(
	    c,
	    json_pack("{sb so sI}", "ok", 1, "items", items, "damaged_lists",
		      json_integer_value(json_object_get(r, "damaged_lists"))));
done:
	ctl_done(c);
}

/* The child's keys into args as k1.. (child.lua declares them). */
static int
child_keys(const char *secret, const char *name, const char *dob, json_t *args)
{
	char first[256], key[INTAKE_CHILD_KEY_LEN], k[4];
	size_t len = strlen(name), n = 0;

	for (size_t i = 0; i < len && n < CHILD_SPLITS; i++) {
		json_t *rec;

		if (name[i] != ' ' || i == 0 || name[i - 1] == ' ' ||
		    i + 1 == len || name[i + 1] == ' ' || i >= sizeof(first))
			continue;
		snprintf(first, sizeof(first), "%.*s", (int)i, name);
		rec = json_pack("{s{ss ss ss}}", "child", "first_name", first,
				"last_name", name + i + 1, "dob", dob);
		intake_child_key(secret, rec, key);
		json_decref(rec);
		snprintf(k, sizeof(k), "k%zu", ++n);
		json_object_set_new(args, k, json_string(key));
	}
	return n > 0 ? 0 : -1;
}

void
ctl_find_child(struct ctl_conn *c)
{
	const char *secret = ctl_daemon(c)->conf->repeat.secret;
	const char *name = ctl_arg(c, "name"), *dob = ctl_arg(c, "dob");
	json_t *args;
	int y, m, d;

	if (secret == NULL || secret[0] == '\0') {
		ctl_error(c, "finding a child's referrals needs repeat "
			     "detection, and it is off (repeat.secret)");
		return;
	}
	if (dob == NULL || mash_date_parse(dob, &y, &m, &d) != 0) {
		ctl_error(c, "the date of birth (or expected date) must be a "
			     "real date, YYYY-MM-DD");
		return;
	}
	args = json_pack("{ss sI}", "actor", ctl_actor(c), "at",
			 (json_int_t)clock_now_ms());
	if (name == NULL || child_keys(secret, name, dob, args) != 0) {
		json_decref(args);
		ctl_error(c, "the child's name must be given as \"First "
			     "Last\"");
		return;
	}
	ctl_call(c, SCRIPT_CHILD, args, child_done);
}
