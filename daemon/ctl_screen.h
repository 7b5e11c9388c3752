/*
 * ctl_screen: the control commands that change where a referral stands
 * in its screening and decision (issue 11), for ctl_cmd.c's table
 * (ctl.h): screen ID REASON and reopen ID REASON.
 */
#ifndef MASHD_CTL_SCREEN_H
#define MASHD_CTL_SCREEN_H

#include <jansson.h>

#include "ctl.h"

/* The answer to a change of one referral by a script: {ok, id}, the
 * scheduler and the outbox kicked; the log names the reference only. */
void ctl_changed(const json_t *r, const char *err, void *arg);
/* screen ID REASON: screening done; its timers stop (screen.lua). */
void ctl_screen(struct ctl_conn *c);
/* reopen ID REASON: a decided referral back on the queue (reopen.lua). */
void ctl_reopen(struct ctl_conn *c);

#endif
