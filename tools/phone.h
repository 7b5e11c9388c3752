/*
 * phone: `mashctl referral new` at a terminal, around the questions of
 * ask.h: the record read back as text, then send, edit a field, save a
 * draft (mode 0600, taken up again with --draft) or discard. Ctrl-C or the
 * end of input never drops what was typed without asking: Ctrl-C offers a
 * draft, and the end of input saves one and says where.
 */
#ifndef MASH_PHONE_H
#define MASH_PHONE_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>

#include <jansson.h>

#include "ask.h"

struct phone {
	struct ask ask;
	char draft[4096]; /* the draft taken up or saved; "" for none */
	bool from_draft;
	bool caught; /* SIGINT is ours until phone_free */
	struct sigaction old_sigint;
};

/*
 * Take a referral on stdin/stdout, from the draft `draft_path` if not
 * NULL. 0: send phone_record(p); 1: nothing to send (discarded, or kept
 * as a draft: said so); 2: the draft cannot be read (said so).
 */
int phone_take(struct phone *p, const char *draft_path, int64_t now_ms);

/* The record to send (borrowed). Until phone_sent, phone_keep or
 * phone_free, an exit keeps it as a draft (mashd unreachable). */
json_t *phone_record(struct phone *p);

/* Stored: the draft it came from, holding personal data, is removed. */
void phone_sent(struct phone *p);

/*
 * Not stored (refused, or not known): kept as a draft, and the command
 * that sends it (with `key`, if not NULL) printed on stderr. 0 if kept.
 */
int phone_keep(struct phone *p, const char *key);

void phone_free(struct phone *p);

#endif
