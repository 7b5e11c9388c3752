/*
 * spool: the secure-mail channel (SPEC section 2). The hub's mail gateway
 * delivers RFC 5322 messages into a maildir (spool.dir: new/, cur/, tmp/).
 * mashd takes each message in new/, parses it with GMime and finds the
 * referral in it: a JSON attachment, or a body in the form's
 * "Field: value" layout (mashd(8)). A referral goes through intake like
 * every channel; the message moves to cur/ only once Redis has stored it.
 * A subject carrying the reference of an existing referral makes the
 * message that referral's written confirmation. A message that cannot be
 * taken moves to spool.quarantine with a sidecar "<name>.why", audited,
 * and the navigators are alerted. No message is ever deleted; while Redis
 * is unreachable messages wait in new/.
 */
#ifndef MASHD_SPOOL_H
#define MASHD_SPOOL_H

#include "mashd.h"

/*
 * NULL when spool.dir is not set. Creates new/, cur/, tmp/ and the
 * quarantine directory when missing; exits (fatalx) naming the directory
 * when it cannot use them. The directories are fixed for the process's
 * life: a reload does not move them.
 */
struct spool *spool_new(struct mashd *d);
/* Redis answers (at start, after a loss): take what waits in new/. */
void spool_kick(struct spool *sp);
/* Call after store_free(): a call failed by it may still need the spool. */
void spool_free(struct spool *sp);

#endif
