/*
 * log.c owns mashd's logging. syslog(3) does the work; LOG_PERROR copies
 * each message to stderr in the foreground, so what a test reads on stderr
 * is exactly what syslog received.
 *
 * Structured data, and why it travels at the start of the message.
 * mashd's messages carry RFC 5424 structured data:
 *
 *     [mashd@32473 ref="MASH-2026-000001" brag="red" event="overdue"] text
 *
 * glibc's syslog(3) frames a message as RFC 3164 only, and on a systemd
 * host /dev/log belongs to journald, which parses RFC 3164 and would mangle
 * an RFC 5424 header, but keeps the message text whole. So mashd keeps
 * syslog(3) and writes a well-formed SD-ELEMENT as the first thing of the
 * text: it survives journald (`journalctl -u mashd` shows it) and any
 * RFC 3164 relay, and conf/syslog-ng/mashd.conf rebuilds an RFC 5424
 * message around it, lets syslog-ng's own RFC 5424 parser take it apart,
 * and files the result as RFC 5424 and as JSON. Sending RFC 5424 datagrams
 * ourselves would lose the data to journald and mean a second framing
 * code path for no gain.
 *
 * With no syslog daemon (no /dev/log: a container, the tests, the
 * benchmarks), syslog(3) tries to connect again for every message: two
 * sockets, two connects and two closes a line, with three lines a
 * referral. So mashd looks for /dev/log itself, at most once a second,
 * and while it is absent writes the foreground's stderr copy itself, in
 * LOG_PERROR's form ("mashd[PID]: message"), without calling syslog(3).
 * A syslog daemon that starts later has every message from the next look.
 */
#include <errno.h>
#include <paths.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_SD_MAX 512 /* the longest SD-ELEMENT mashd writes */

static bool log_verbose;
static bool log_foreground;
static bool log_socket;	   /* /dev/log was there at the last look */
static time_t log_look_at; /* CLOCK_MONOTONIC second of the next look */

void
log_init(bool foreground)
{
	log_verbose = getenv("MASHD_DEBUG") != NULL;
	log_foreground = foreground;
	log_look_at = 0;
	openlog("mashd", LOG_PID | LOG_NDELAY | (foreground ? LOG_PERROR : 0),
		LOG_DAEMON);
}

/* RFC 5424 PARAM-NAME: 1*32 PRINTUSASCII except '=', SP, ']', '"'. */
static bool
sd_name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (s[n] <= ' ' || s[n] > '~' || s[n] == '=' || s[n] == ']' ||
		    s[n] == '"')
			return false;
	return n >= 1 && n <= 32;
}

size_t
log_format_sd(char *buf, size_t len, const char *const *sd)
{
	static const char head[] = "[" LOG_SD_ID;
	size_t n = sizeof(head) - 1, kept;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (len < sizeof(head) + 1) /* the head, "]" and the NUL */
		return 0;
	memcpy(buf, head, n);
	kept = n;
	for (size_t i = 0; sd != NULL && sd[i] != NULL && sd[i + 1] != NULL;
	     i += 2) {
		const char *name = sd[i], *v = sd[i + 1];

		if (!sd_name_ok(name) || v[0] == '\0')
			continue;
		/* ' name="', one character, '"', ']' and the NUL. */
		if (n + strlen(name) + 3 + 1 + 3 > len)
			break;
		n += (size_t)sprintf(buf + n, " %s=\"", name);
		for (; *v != '\0'; v++) {
			unsigned char c = (unsigned char)*v;
			bool esc = c == '"' || c == '\\' || c == ']';

			/* This character, then '"', ']' and the NUL. */
			if (n + (esc ? 2 : 1) + 3 > len)
				break;
			if (esc)
				buf[n++] = '\\';
			buf[n++] = c < ' ' || c == 0x7f ? '?' : (char)c;
		}
		if (*v != '\0') { /* it did not fit: leave it out */
			n = kept;
			break;
		}
		buf[n++] = '"';
		kept = n;
	}
	if (kept == sizeof(head) - 1) { /* no parameter: no element */
		buf[0] = '\0';
		return 0;
	}
	buf[kept++] = ']';
	buf[kept] = '\0';
	return kept;
}

/* Whether a syslog daemon listens, as last seen (at most a second ago). */
static bool
log_socket_there(void)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) != 0 ||
	    now.tv_sec >= log_look_at) {
		log_socket = access(_PATH_LOG, F_OK) == 0;
		log_look_at = now.tv_sec + 1;
	}
	return log_socket;
}

static void
vlog_sd(int pri, const char *const *sd, const char *fmt, va_list ap, int err)
{
	char msg[1024], sdbuf[LOG_SD_MAX], line[sizeof(msg) + LOG_SD_MAX + 128];
	const char *sep;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	sep = log_format_sd(sdbuf, sizeof(sdbuf), sd) > 0 ? " " : "";
	if (log_socket_there()) {
		if (err)
			syslog(pri, "%s%s%s: %s", sdbuf, sep, msg,
			       strerror(err));
		else
			syslog(pri, "%s%s%s", sdbuf, sep, msg);
		return;
	}
	if (!log_foreground)
		return; /* as syslog(3) would: nowhere to go */
	n = snprintf(line, sizeof(line), "mashd[%ld]: %s%s%s%s%s\n",
		     (long)getpid(), sdbuf, sep, msg, err ? ": " : "",
		     err ? strerror(err) : "");
	if (n > (int)sizeof(line) - 1) { /* cut: still one whole line */
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		return; /* stderr gone: nothing more to do */
}

static void
vlog(int pri, const char *fmt, va_list ap, int err)
{
	vlog_sd(pri, NULL, fmt, ap, err);
}

#define LOG_FN(name, pri, witherr)                                             \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vlog(pri, fmt, ap, witherr ? saved : 0);                       \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_warn, LOG_WARNING, 1)

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
log_sd(int pri, const char *const *sd, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (pri == LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vlog_sd(pri, sd, fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

#define LOG_EVENT_FN(name, pri)                                                \
	void name(const char *ref, const char *brag, const char *event,        \
		  const char *fmt, ...)                                        \
	{                                                                      \
		const char *sd[] = {                                           \
		    "ref",   ref ? ref : "",	 "brag", brag ? brag : "",     \
		    "event", event ? event : "", NULL};                        \
		int saved = errno;                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vlog_sd(pri, sd, fmt, ap, 0);                                  \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

LOG_EVENT_FN(log_event, LOG_INFO)
LOG_EVENT_FN(log_event_warnx, LOG_WARNING)

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, saved);
	va_end(ap);
	exit(1);
}
