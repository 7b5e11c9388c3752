/*
 * log: mashd's messages, to syslog(3) with ident "mashd" and, in the
 * foreground, to stderr as well. Callers pass references, ratings and
 * events only: never a child's or a family's personal data.
 *
 * A message about a referral or an event of the daemon's life carries RFC
 * 5424 structured data at its start, `[mashd@32473 ref="..." brag="..."
 * event="..."]`, which syslog-ng takes apart (conf/syslog-ng/mashd.conf);
 * log.c says why it travels that way.
 */
#ifndef MASHD_LOG_H
#define MASHD_LOG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The SD-ID of mashd's structured data. 32473 is the Private Enterprise
 * Number IANA reserves for documentation and examples (RFC 5612): mashd
 * has none of its own. Change it here, and in conf/syslog-ng/mashd.conf,
 * if the hub registers one.
 */
#define LOG_SD_ID "mashd@32473"

void log_init(bool foreground);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warnx with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log and exit(1): only for what cannot go on, never for bad input. */
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A message with structured data: ref (a referral's reference), brag (its
 * rating) and event (what happened: "received", "overdue", "reload"...)
 * become parameters of the SD-ELEMENT; a NULL or empty one is left out.
 * log_event logs at LOG_INFO, log_event_warnx at LOG_WARNING.
 */
void log_event(const char *ref, const char *brag, const char *event,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void log_event_warnx(const char *ref, const char *brag, const char *event,
		     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * The general form: `sd` is name, value, name, value, ..., NULL. A name
 * must be 1 to 32 printable ASCII characters other than '=', ' ', ']' and
 * '"'; a parameter with a bad name or a NULL or empty value is left out.
 */
void log_sd(int pri, const char *const *sd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The SD-ELEMENT for `sd` into buf, NUL-terminated: "" when no parameter
 * is left, else `[mashd@32473 name="value" ...]` with '"', '\' and ']'
 * escaped and control characters replaced by '?'. A parameter that does
 * not fit whole is left out with all after it, so the element is always
 * well formed. Returns its length.
 */
size_t log_format_sd(char *buf, size_t len, const char *const *sd);

#endif
