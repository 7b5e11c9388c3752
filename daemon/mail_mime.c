/*
 * mail_mime.c owns the bounds on a message's MIME structure; see
 * mail_mime.h.
 *
 * The structure is what is bounded, not the spelling of a header: a
 * count of "boundary=" in the text (the guard this replaces) missed
 * `boundary ="x"` and `BOUNDARY\t=`, and GMime took 3.5 s on a 10 MB
 * message of 178,000 parts. GMime itself stops recursing at 1024
 * multiparts and 512 messages, so the walk below sees every level it
 * made, and the counts of lines before it bound what it makes at all.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mail_mime.h"

/* Lines of the text that could start a part or a header field. */
static bool
text_bounded(const char *buf, size_t len, char *why, size_t whylen)
{
	size_t dashes = 0, colons = 0, lines = 0;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end;

		if (++lines > MAIL_MAX_LINES) {
			snprintf(why, whylen,
				 "the message has more than %d lines",
				 MAIL_MAX_LINES);
			return false;
		}

		if (e - p >= 2 && p[0] == '-' && p[1] == '-' &&
		    ++dashes > MAIL_MAX_DASH_LINES) {
			snprintf(why, whylen,
				 "the message has more than %d lines starting "
				 "with \"--\" (MIME boundaries)",
				 MAIL_MAX_DASH_LINES);
			return false;
		}
		if (memchr(p, ':', (size_t)(e - p)) != NULL &&
		    ++colons > MAIL_MAX_COLON_LINES) {
			snprintf(why, whylen,
				 "the message has more than %d lines holding "
				 "a colon (header fields)",
				 MAIL_MAX_COLON_LINES);
			return false;
		}
		p = e + 1;
	}
	return true;
}

/* The part inside an attached message, or NULL. */
static GMimeObject *
message_body(GMimeObject *o)
{
	GMimeMessage *m =
	    g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

	return m != NULL ? g_mime_message_get_mime_part(m) : NULL;
}

/*
 * Counts o and the parts inside it into *nparts; false as soon as one is
 * deeper than MAIL_MAX_DEPTH or there are more than MAIL_MAX_PARTS, so
 * the walk never goes deeper than the bound.
 */
static bool
walk_bounded(GMimeObject *o, int depth, int *nparts, int *deepest)
{
	if (o == NULL)
		return true;
	if (depth > *deepest)
		*deepest = depth;
	if (depth > MAIL_MAX_DEPTH || ++*nparts > MAIL_MAX_PARTS)
		return false;
	if (GMIME_IS_MESSAGE_PART(o))
		return walk_bounded(message_body(o), depth + 1, nparts,
				    deepest);
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			if (!walk_bounded(g_mime_multipart_get_part(mp, i),
					  depth + 1, nparts, deepest))
				return false;
	}
	return true;
}

GMimeMessage *
mail_mime_parse(const char *buf, size_t len, char *why, size_t whylen)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *mm;
	int nparts = 0, deepest = 0;

	if (!text_bounded(buf, len, why, whylen))
		return NULL;
	stream = g_mime_stream_mem_new_with_buffer(buf, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	mm = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (mm == NULL) {
		snprintf(why, whylen,
			 "not a mail message: it has no RFC 5322 header");
		return NULL;
	}
	if (walk_bounded(g_mime_message_get_mime_part(mm), 1, &nparts,
			 &deepest))
		return mm;
	if (deepest > MAIL_MAX_DEPTH)
		snprintf(why, whylen,
			 "the message's MIME parts nest more than %d deep",
			 MAIL_MAX_DEPTH);
	else
		snprintf(why, whylen, "the message has more than %d MIME parts",
			 MAIL_MAX_PARTS);
	g_object_unref(mm);
	return NULL;
}
