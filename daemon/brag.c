/*
 * brag.c owns the BRAG rating: its names, and the default rules of SPEC
 * section 4 that give a new referral its first rating. The rules are data,
 * a table walked in order with the first match winning, so that a hub's
 * own rules can later be loaded from mashd.conf into the same shape.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "mash/brag.h"
#include "mash/timeutil.h"

#define BRAG_RULE_CATS 16

/*
 * A rule matches when its condition holds and, if `under_age` is not 0,
 * the child is younger than `under_age` whole years.
 */
struct brag_rule {
	enum brag brag;
	enum {
		WHEN_IMMEDIATE_RISK, /* concern.immediate_risk is true */
		WHEN_CATEGORY,	     /* any of `categories` is a concern */
		WHEN_ALWAYS,	     /* the fallback */
	} when;
	int under_age;
	const char *categories[BRAG_RULE_CATS]; /* NULL-terminated */
};

static const struct brag_rule brag_default_rules[] = {
    {BRAG_RED, WHEN_IMMEDIATE_RISK, 0, {NULL}},
    {BRAG_RED, WHEN_CATEGORY, 0, {"sexual_abuse", "fgm", "trafficking", NULL}},
    /* Bruising in a pre-mobile baby. */
    {BRAG_RED, WHEN_CATEGORY, 1, {"physical_abuse", NULL}},
    {BRAG_RED, WHEN_CATEGORY, 13, {"cse", NULL}},
    {BRAG_AMBER,
     WHEN_CATEGORY,
     0,
     {"physical_abuse", "sexual_abuse", "emotional_abuse", "neglect",
      "domestic_abuse", "cse", "cce", "missing", "radicalisation",
      "forced_marriage", "honour_based_abuse", NULL}},
    {BRAG_GREEN,
     WHEN_CATEGORY,
     0,
     {"self_harm", "online_harm", "private_fostering", NULL}},
    {BRAG_BLUE, WHEN_ALWAYS, 0, {NULL}},
};

static const char *const brag_names[BRAG_COUNT] = {"red", "amber", "green",
						   "blue"};

const char *
brag_name(enum brag b)
{
	if ((int)b < 0 || (int)b >= BRAG_COUNT)
		return "unknown";
	return brag_names[b];
}

int
brag_parse(const char *s, enum brag *out)
{
	for (int i = 0; s != NULL && i < BRAG_COUNT; i++) {
		bool letter = s[0] != '\0' && s[1] == '\0' &&
			      strncasecmp(s, brag_names[i], 1) == 0;

		if (letter || strcasecmp(s, brag_names[i]) == 0) {
			if (out != NULL)
				*out = (enum brag)i;
			return 0;
		}
	}
	return -1;
}

/*
 * Whole years on the UTC day of receipt. An unborn child is 0; a child
 * whose date of birth is not known is its age_estimate; and a child whose
 * date of birth cannot be read is 0: when in doubt, the youngest reading
 * is the safer one.
 */
static int
brag_child_age(const json_t *referral, int64_t received_ms)
{
	const json_t *child = json_object_get(referral, "child");
	const json_t *estimate = json_object_get(child, "age_estimate");
	int y, m, d;

	if (json_is_true(json_object_get(child, "unborn")))
		return 0;
	if (json_is_integer(estimate) && json_object_get(child, "dob") == NULL)
		return (int)json_integer_value(estimate); /* 0 to 25, checked */
	if (mash_date_parse(json_string_value(json_object_get(child, "dob")),
			    &y, &m, &d))
		return 0;
	return mash_age_years(y, m, d, received_ms);
}

static bool
brag_has_category(const json_t *categories, const char *const *wanted)
{
	size_t i;
	const json_t *e;

	json_array_foreach(categories, i, e)
	{
		const char *s = json_string_value(e);

		for (const char *const *w = wanted; s != NULL && *w != NULL;
		     w++)
			if (strcmp(s, *w) == 0)
				return true;
	}
	return false;
}

static bool
brag_rule_matches(const struct brag_rule *r, const json_t *concern, int age)
{
	bool cond = false;

	switch (r->when) {
	case WHEN_IMMEDIATE_RISK:
		cond = json_is_true(json_object_get(concern, "immediate_risk"));
		break;
	case WHEN_CATEGORY:
		cond = brag_has_category(json_object_get(concern, "categories"),
					 r->categories);
		break;
	case WHEN_ALWAYS:
		cond = true;
		break;
	}
	return cond && (r->under_age == 0 || age < r->under_age);
}

enum brag
brag_rate(const json_t *referral, int64_t received_ms)
{
	const json_t *concern = json_object_get(referral, "concern");
	int age = brag_child_age(referral, received_ms);
	size_t n = sizeof(brag_default_rules) / sizeof(brag_default_rules[0]);

	for (size_t i = 0; i < n; i++)
		if (brag_rule_matches(&brag_default_rules[i], concern, age))
			return brag_default_rules[i].brag;
	/* Unreachable while the table ends with WHEN_ALWAYS. */
	return BRAG_BLUE;
}
