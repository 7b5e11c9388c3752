/*
 * ctl_explain.c owns the control command explain: how each due time of
 * a referral was reached, step by step (include/mash/explain.h), from
 * the start explain.lua reads for each of its timers. ctl_cmd.c's table
 * says who may run it.
 */
#ifndef MASHD_CTL_EXPLAIN_H
#define MASHD_CTL_EXPLAIN_H

#include "ctl.h"

void ctl_explain(struct ctl_conn *c);

#endif
