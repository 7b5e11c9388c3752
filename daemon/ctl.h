/*
 * ctl: the control socket that mashctl talks to (include/mash/protocol.h).
 */
#ifndef MASHD_CTL_H
#define MASHD_CTL_H

#include "mashd.h"

/* Listening on control.socket, or NULL with the reason logged. */
struct ctl *ctl_new(struct mashd *d);
void ctl_free(struct ctl *c);
void ctl_stop_accepting(struct ctl *c);

#endif
