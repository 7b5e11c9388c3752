/*
 * mashctl_jscan.c: a JSON value's end, checked as jansson checks what it
 * reads (RFC 8259's grammar; strings well-formed UTF-8 with no control
 * character; escapes of a NUL or a lone surrogate refused; integers
 * that fit json_int_t; reals that do not overflow), with nothing built.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mashctl_jscan.h"

#define JSCAN_DEPTH 64

struct scan {
	const unsigned char *p, *end;
};

static void
ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
hex4(const unsigned char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d = c >= '0' && c <= '9'	 ? c - '0'
				  : c >= 'a' && c <= 'f' ? c - 'a' + 10
				  : c >= 'A' && c <= 'F' ? c - 'A' + 10
							 : -1;

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A \u escape at s->p (past the backslash and the u): false when bad. */
static bool
escape_u(struct scan *s)
{
	int v, lo;

	if (s->end - s->p < 4 || (v = hex4(s->p)) < 0 || v == 0)
		return false;
	s->p += 4;
	if (v >= 0xDC00 && v <= 0xDFFF)
		return false;
	if (v < 0xD800 || v > 0xDBFF)
		return true;
	if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
	    (lo = hex4(s->p + 2)) < 0xDC00 || lo > 0xDFFF)
		return false;
	s->p += 6;
	return true;
}

/* The bytes of a well-formed UTF-8 sequence at p (before end), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t len = c >= 0xC2 && c <= 0xDF   ? 2
		     : c >= 0xE0 && c <= 0xEF ? 3
		     : c >= 0xF0 && c <= 0xF4 ? 4
					      : 0;

	if (len == 0 || (size_t)(end - p) < len)
		return 0;
	if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
	    (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
		return 0;
	for (size_t k = 1; k < len; k++)
		if (p[k] < 0x80 || p[k] > 0xBF)
			return 0;
	return len;
}

static bool
string(struct scan *s)
{
	if (s->p >= s->end || *s->p != '"')
		return false;
	s->p++;
	while (s->p < s->end) {
		unsigned c = *s->p;
		size_t len;

		if (c == '"') {
			s->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c < 0x80 && c != '\\') {
			s->p++;
		} else if (c == '\\') {
			if (s->end - s->p < 2)
				return false;
			c = s->p[1];
			s->p += 2;
			if (c == 'u') {
				if (!escape_u(s))
					return false;
			} else if (strchr("\"\\/bfnrt", (int)c) == NULL ||
				   c == 0)
				return false;
		} else if ((len = utf8_len(s->p, s->end)) > 0) {
			s->p += len;
		} else
			return false;
	}
	return false;
}

static bool
digits(struct scan *s)
{
	const unsigned char *from = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > from;
}

/* As jansson: an integer must fit json_int_t, a real must not overflow. */
static bool
number(struct scan *s)
{
	const unsigned char *from = s->p;
	bool real = false, ok;
	char *buf, *e;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (s->p >= s->end || *s->p < '1' || *s->p > '9' || !digits(s))
		return false;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		real = true;
		if (!digits(s))
			return false;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		real = true;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return false;
	}
	if (!real && s->p - from < 19)
		return true;
	if ((buf = strndup((const char *)from, (size_t)(s->p - from))) == NULL)
		return false;
	errno = 0;
	if (real) {
		double d = strtod(buf, &e);

		ok = !(errno == ERANGE && (d > 1 || d < -1));
	} else {
		(void)strtoll(buf, &e, 10);
		ok = errno != ERANGE;
	}
	free(buf);
	return ok;
}

static bool
word(struct scan *s, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
		return false;
	s->p += n;
	return true;
}

static bool value(struct scan *s, int depth);

/* An object or an array at s->p (its opening byte there). */
static bool
container(struct scan *s, int depth)
{
	bool obj = *s->p == '{';
	char close = obj ? '}' : ']';

	if (depth >= JSCAN_DEPTH)
		return false;
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return true;
	}
	for (;;) {
		if (obj) {
			if (!string(s))
				return false;
			ws(s);
			if (s->p >= s->end || *s->p++ != ':')
				return false;
			ws(s);
		}
		if (!value(s, depth + 1))
			return false;
		ws(s);
		if (s->p >= s->end)
			return false;
		if (*s->p == close) {
			s->p++;
			return true;
		}
		if (*s->p++ != ',')
			return false;
		ws(s);
	}
}

static bool
value(struct scan *s, int depth)
{
	if (s->p >= s->end)
		return false;
	switch (*s->p) {
	case '{':
	case '[':
		return container(s, depth);
	case '"':
		return string(s);
	case 't':
		return word(s, "true");
	case 'f':
		return word(s, "false");
	case 'n':
		return word(s, "null");
	default:
		return number(s);
	}
}

size_t
jscan_object(const char *p, size_t n)
{
	struct scan s = {(const unsigned char *)p,
			 (const unsigned char *)p + n};

	ws(&s);
	if (s.p >= s.end || *s.p != '{' || !container(&s, 0))
		return 0;
	return (size_t)(s.p - (const unsigned char *)p);
}
