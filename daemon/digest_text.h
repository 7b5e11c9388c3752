/*
 * digest_text: the body of the supervisors' daily digest, from what
 * digest_gather.lua answered and the timeliness figures of report.c:
 * references, login names, local times with their zone and counts, never
 * a record's personal data. Each part lists its first items and says how
 * many more there are, so the text fits `len` whatever the hub holds.
 * Pure: no I/O.
 */
#ifndef MASHD_DIGEST_TEXT_H
#define MASHD_DIGEST_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mash/calendar.h"

/* The digest's instants: when it is for, and the timeliness range. */
struct digest_when {
	int64_t at;	  /* the hub's opening it is sent for, ms */
	int64_t now;	  /* when it is composed, ms */
	int64_t from, to; /* referrals received in [from, to), ms */
};

/*
 * The digest's text into buf (len bytes), and its counts, one line of
 * "name=N" words, into detail (for the audit). `gathered` is
 * digest_gather.lua's answer, `total` report_json()'s "total" object.
 */
void digest_text(const struct calendar *cal, const json_t *gathered,
		 const json_t *total, const struct digest_when *w, char *buf,
		 size_t len, char *detail, size_t dlen);

#endif
