/*
 * ctl_audit: the control commands about the audit's chain (lib.lua's
 * audit(), audit_verify.lua), for ctl_cmd.c's table (ctl.h).
 */
#ifndef MASHD_CTL_AUDIT_H
#define MASHD_CTL_AUDIT_H

#include "ctl.h"

/* audit_verify [from]: walk the chain page by page; answer whether it
 * holds, and the first event changed, removed or inserted. */
void ctl_audit_verify(struct ctl_conn *c);
/* The answer to `status` (taken), sent once "audit" is added to it: when
 * the chain was last verified, and the result. Ends the request. */
void ctl_audit_status(struct ctl_conn *c, json_t *status);

#endif
