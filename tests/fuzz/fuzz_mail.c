/*
 * fuzz_mail: a message of the mail channel from bytes, through mail.c as
 * the spool reads it (GMime's MIME parse within mail_mime.c's bounds, the
 * JSON attachment or the form's "Field: value" body, then the referral
 * rules), then the pure path intake runs on what it accepts.
 *
 * Invariants: a message gives a valid record or a reason, never both and
 * never neither; the reason is plain ASCII text (it goes to the log, the
 * quarantine's sidecar and an alert, so no byte of a name or an address
 * may reach it); a reference found in the subject has the shape
 * MASH-dddd-dddddd; an accepted record stores as JSON that is accepted
 * again.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/referral.h"

#include "fuzz.h"
#include "mail.h"

/* spool.max_size's default, which bounds a body too. */
#define MAX_BODY 65536

static void
check_ref(const char *ref)
{
	static const char shape[] = "MASH-9999-999999";

	if (ref[0] == '\0')
		return;
	if (strlen(ref) != sizeof(shape) - 1)
		fuzz_fail("reference \"%s\" of the wrong length", ref);
	for (size_t i = 0; shape[i] != '\0'; i++)
		if (shape[i] == '9' ? !isdigit((unsigned char)ref[i])
				    : ref[i] != shape[i])
			fuzz_fail("reference \"%s\" of the wrong shape", ref);
}

static void
check_accepted(const json_t *rec, int64_t now)
{
	struct referral_error err;
	json_t *again;
	char *text;

	if (referral_validate(rec, now, &err) != 0)
		fuzz_fail("an accepted mail breaks a rule: %s", err.field);
	if ((unsigned)brag_rate(rec, now) >= BRAG_COUNT)
		fuzz_fail("no rating");
	if ((text = json_dumps(rec, JSON_COMPACT)) == NULL)
		fuzz_fail("an accepted record does not serialise");
	if ((again = referral_parse(text, strlen(text), now, &err)) == NULL)
		fuzz_fail("the stored record is refused: %s", err.field);
	if (!json_equal(rec, again))
		fuzz_fail("the stored record differs");
	json_decref(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	int64_t now = fuzz_instant("2026-11-24T10:00:00Z");
	struct mail m;

	if (!ready) {
		mail_init();
		ready = true;
	}
	mail_parse(&m, (const char *)data, size, MAX_BODY, now);
	check_ref(m.ref);
	if ((m.record == NULL) == (m.reason[0] == '\0'))
		fuzz_fail("a record and a reason, or neither");
	for (const char *s = m.reason; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s > '~')
			fuzz_fail("the reason carries byte 0x%02x: %s",
				  (unsigned char)*s, m.reason);
	if (m.record != NULL)
		check_accepted(m.record, now);
	mail_clear(&m);
	return 0;
}
