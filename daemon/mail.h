/*
 * mail: the referral in a mail message (SPEC section 2, the email
 * channel). Bytes in; out, the reference its subject names, and a
 * validated referral record or the reason there is none. A referral is a
 * JSON attachment, or a plain-text body in the form's "Field: value"
 * layout (mashd(8)).
 *
 * Pure: it reads no file and knows nothing of Redis or the event loop.
 * It parses with GMime: mail_init() before the first message,
 * mail_shutdown() after the last.
 * A reason names a field or a problem, never what the message says about
 * a child, so it may go to logs, the audit trail and alerts.
 */
#ifndef MASHD_MAIL_H
#define MASHD_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mash/words.h"

#define MAIL_REASON_MAX 512

struct mail {
	char ref[MASH_REF_LEN + 1];   /* the first reference in the subject,
					 or "" */
	json_t *record;		      /* a valid referral, or NULL */
	char reason[MAIL_REASON_MAX]; /* why not, when record is NULL */
};

/*
 * Parse the message in buf[0..len-1], received at `now` (UTC ms, for the
 * rules on dates). A JSON attachment or a body longer than max_body bytes
 * is refused. Fills m, overwriting what it held (clear it first if that
 * was a record); mail_clear() frees the record and empties it.
 */
void mail_init(void);
void mail_shutdown(void);
void mail_parse(struct mail *m, const char *buf, size_t len, size_t max_body,
		int64_t now);
void mail_clear(struct mail *m);

#endif
