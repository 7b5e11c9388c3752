/*
 * ctl_find.c and ctl_list.c own the control commands that find
 * referrals rather than change one (issue 11): resolve (a short reference
 * to the whole one) and show's rating and repeat history in ctl_find.c;
 * list (what left the queue, paged) and child (every referral about a
 * child, by the keys of repeat detection) in ctl_list.c.
 * ctl_cmd.c's table says who may run each.
 */
#ifndef MASHD_CTL_FIND_H
#define MASHD_CTL_FIND_H

#include <jansson.h>

#include "ctl.h"

void ctl_find_resolve(struct ctl_conn *c);
void ctl_find_list(struct ctl_conn *c);
void ctl_find_child(struct ctl_conn *c);
/* A copy of a script's list of items, each of keys[0..n-1] (UTC ms as
 * text) made ISO 8601, or null when absent. */
json_t *ctl_items_with_instants(const json_t *list, const char *const *keys,
				size_t n);
/* show.lua's ratings and related referrals, their instants made ISO 8601,
 * set on `out` as "ratings" and "related" (with "ratings_damaged" and
 * "related_damaged" when a list they come from is damaged), and mashd's
 * "now". */
void ctl_find_show_history(const json_t *r, json_t *out);

#endif
