/*
 * ctl_screen: the control commands that change where a referral stands
 * in its screening and decision (issue 11), for ctl_cmd.c's table
 * (ctl.h): screen ID REASON and reopen ID REASON.
 */
#ifndef MASHD_CTL_SCREEN_H
#define MASHD_CTL_SCREEN_H

#include "ctl.h"

/* screen ID REASON: screening done; its timers stop (screen.lua). */
void ctl_screen(struct ctl_conn *c);
/* reopen ID REASON: a decided referral back on the queue (reopen.lua). */
void ctl_reopen(struct ctl_conn *c);

#endif
