/*
 * ctl_args.c owns what a control command reads from its request and how
 * it shows a script's answer to a person; see ctl.h. ctl.c carries the
 * request and the answer, the commands (ctl_cmd.c, ctl_alerts.c) use
 * these to read and to word them alike.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/timeutil.h"
#include "mash/words.h"
#include "mash/jfield.h"

#include "ctl.h"

const char *
ctl_ref(struct ctl_conn *c)
{
	const char *id = ctl_arg(c, "id");

	if (!mash_ref_valid(id)) {
		ctl_error(c,
			  "\"%s\" is not a referral reference "
			  "(" MASH_REF_SHAPE ")",
			  id ? id : "");
		return NULL;
	}
	return id;
}

const char *
ctl_text(struct ctl_conn *c, const char *key, const char *what)
{
	const char *v = ctl_arg(c, key);

	if (v == NULL || v[strspn(v, " \t\r\n")] == '\0') {
		ctl_error(c, "%s", what);
		return NULL;
	}
	return v;
}

json_t *
ctl_instant(const json_t *o, const char *k)
{
	char buf[MASH_TIME_BUFSZ];
	const char *v = jfield(o, k);

	return v[0] ? json_string(mash_time_format(strtoll(v, NULL, 10), buf))
		    : json_null();
}

/* Does s say anything: a letter, not only spaces, tabs, control bytes,
 * digits or signs (Redis's error is any bytes)? */
static bool
says(const char *s)
{
	for (; *s != '\0'; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			return true;
	return false;
}

bool
ctl_stream_id(const char *s)
{
	size_t ms = s != NULL ? strspn(s, "0123456789") : 0;

	return ms > 0 && s[ms] == '-' && s[ms + 1] != '\0' &&
	       strspn(s + ms + 1, "0123456789") == strlen(s + ms + 1);
}

const char *
ctl_refusal(const char *err)
{
	const char *s = strncmp(err, "ERR ", 4) ? err : err + 4;

	return says(s) ? s : "the referral store refused, without saying why";
}

const char *
ctl_failure(const char *err)
{
	return says(err) ? err
			 : "the referral store failed, without saying why";
}

/* The bytes of a well-formed UTF-8 sequence at s (as jansson checks one:
 * no overlong form, surrogate or code point past U+10FFFF), else 0. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n = c < 0x80		    ? 1
		   : c >= 0xC2 && c <= 0xDF ? 2
		   : c >= 0xE0 && c <= 0xEF ? 3
		   : c >= 0xF0 && c <= 0xF4 ? 4
					    : 0;

	if (n > 1 &&
	    ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
	     (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F)))
		return 0;
	for (size_t k = 1; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xBF) /* the NUL too */
			return 0;
	return n;
}

void
ctl_mend(char *msg)
{
	unsigned char *s = (unsigned char *)msg;

	while (*s != '\0') {
		size_t n = utf8_len(s);

		if (n == 0)
			*s++ = '?';
		else
			s += n;
	}
}
