/*
 * ask_suggest: the nearest concern categories to a word that is not one
 * (see ask_suggest.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mash/referral.h"
#include "mash/words.h"

#include "ask_suggest.h"

#define MAX_SUGGEST 3

/* What a hub's staff write for a category, in any case. */
static const struct {
	const char *abbrev;
	const char *category[2];
} abbreviations[] = {
    {"dv", {"domestic_abuse", NULL}},
    {"da", {"domestic_abuse", NULL}},
    {"dva", {"domestic_abuse", NULL}},
    {"pa", {"physical_abuse", NULL}},
    {"nai", {"physical_abuse", NULL}},
    {"sa", {"sexual_abuse", NULL}},
    {"csa", {"sexual_abuse", NULL}},
    {"ea", {"emotional_abuse", NULL}},
    {"ce", {"cse", "cce"}},
    {"exploitation", {"cse", "cce"}},
    {"mfh", {"missing", NULL}},
    {"misper", {"missing", NULL}},
    {"hbv", {"honour_based_abuse", NULL}},
    {"hba", {"honour_based_abuse", NULL}},
    {"fm", {"forced_marriage", NULL}},
    {"sh", {"self_harm", NULL}},
    {"dsh", {"self_harm", NULL}},
    {"pf", {"private_fostering", NULL}},
    {"prevent", {"radicalisation", NULL}},
    {"msht", {"trafficking", NULL}},
    {"ms", {"trafficking", NULL}},
};

static size_t
ncategories(void)
{
	size_t n = 0;

	while (referral_categories[n] != NULL)
		n++;
	return n;
}

void
ask_suggest_category(const char *typed, char *buf, size_t len)
{
	const char *names[MAX_SUGGEST + 1] = {NULL};
	char word[64];
	int near[MAX_SUGGEST];
	size_t n = 0, i;

	buf[0] = '\0';
	if (typed == NULL || len == 0)
		return;
	/* "Domestic abuse" and "domestic-abuse" are domestic_abuse. */
	for (i = 0; typed[i] != '\0' && i + 1 < sizeof(word); i++)
		word[i] = typed[i] == ' ' || typed[i] == '-'
			      ? '_'
			      : (char)tolower((unsigned char)typed[i]);
	word[i] = '\0';
	for (i = 0; i < sizeof(abbreviations) / sizeof(abbreviations[0]); i++)
		if (strcasecmp(word, abbreviations[i].abbrev) == 0) {
			names[n++] = abbreviations[i].category[0];
			if (abbreviations[i].category[1] != NULL)
				names[n++] = abbreviations[i].category[1];
			break;
		}
	if (n == 0) {
		n = words_near(referral_categories, ncategories(), word, near,
			       MAX_SUGGEST);
		for (i = 0; i < n; i++)
			names[i] = referral_categories[near[i]];
	}
	words_join(names, n, buf, len);
}
