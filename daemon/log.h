/*
 * log: mashd's messages, to syslog(3) with ident "mashd" and, in the
 * foreground, to stderr as well. Callers pass references, ratings and
 * events only: never a child's or a family's personal data.
 */
#ifndef MASHD_LOG_H
#define MASHD_LOG_H

#include <stdbool.h>

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

#endif
