/*
 * ctl_report: the control command of the timeliness report
 * (include/mash/report.h), for ctl_cmd.c's table (ctl.h).
 */
#ifndef MASHD_CTL_REPORT_H
#define MASHD_CTL_REPORT_H

#include "ctl.h"

/* report from to [by]: the figures of the referrals received in the
 * range, read from the audit stream page by page; the read is audited. */
void ctl_report(struct ctl_conn *c);

#endif
