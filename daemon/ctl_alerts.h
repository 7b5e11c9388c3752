/*
 * ctl_alerts: the control commands about alerts and call-back tasks, for
 * ctl_cmd.c's table (ctl.h).
 */
#ifndef MASHD_CTL_ALERTS_H
#define MASHD_CTL_ALERTS_H

#include "ctl.h"

/* alerts [state]: the outbox, newest first. */
void ctl_alerts_list(struct ctl_conn *c);
/* alert_retry ID: a dead letter delivered again, under a new id. */
void ctl_alerts_retry(struct ctl_conn *c);
/* callbacks [all]: the call-back tasks, open ones or every one. */
void ctl_alerts_callbacks(struct ctl_conn *c);
/* called TASK NOTE: a call-back made, and what was said. */
void ctl_alerts_called(struct ctl_conn *c);

#endif
