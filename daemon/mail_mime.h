/*
 * mail_mime: a mail message parsed by GMime, within bounds on its MIME
 * structure (mail.c reads the referral out of it).
 *
 * GMime makes an object of every header field and every part it finds,
 * and recurses into every multipart and attached message, and its scan
 * costs by the line. So before it parses, the lines, and those that could
 * start a part ("--", a boundary) or a header field (one holding a
 * colon), are counted; after it parses, the
 * depth and the number of parts are bounded on the structure it built,
 * whatever spelling of the headers led it there. Pure: no I/O.
 */
#ifndef MASHD_MAIL_MIME_H
#define MASHD_MAIL_MIME_H

#include <stddef.h>

#include <gmime/gmime.h>

#define MAIL_MAX_DEPTH 16  /* parts inside parts, the message at 1 */
#define MAIL_MAX_PARTS 256 /* parts in all, multiparts and messages too */
/* Before parsing: lines starting "--" (a boundary opens and closes a
 * part, and a signature or a rule in a text uses a few) ... */
#define MAIL_MAX_DASH_LINES (4 * MAIL_MAX_PARTS)
/* ... and lines holding a colon, which bound the header fields GMime
 * can make objects of (JSON and HTML bodies hold a few thousand). */
#define MAIL_MAX_COLON_LINES 16384
/* ... and lines in all: GMime's scan costs by the line more than by the
 * byte (10 MB of 76-byte lines, base64's, are 120,000). */
#define MAIL_MAX_LINES 262144

/*
 * The message in buf[0..len-1], or NULL with why (a bound, never a
 * value of the message). The caller unrefs it.
 */
GMimeMessage *mail_mime_parse(const char *buf, size_t len, char *why,
			      size_t whylen);

#endif
