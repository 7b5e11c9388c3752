/*
 * log.c owns mashd's logging. syslog(3) does the work; LOG_PERROR copies
 * each message to stderr in the foreground, so what a test reads on stderr
 * is exactly what syslog received.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static bool log_verbose;

void
log_init(bool foreground)
{
	log_verbose = getenv("MASHD_DEBUG") != NULL;
	openlog("mashd", LOG_PID | LOG_NDELAY | (foreground ? LOG_PERROR : 0),
		LOG_DAEMON);
}

static void
vlog(int pri, const char *fmt, va_list ap, int err)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		syslog(pri, "%s: %s", msg, strerror(err));
	else
		syslog(pri, "%s", msg);
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
