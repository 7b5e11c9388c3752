/*
 * clock: the one place mashd reads the time, so tests can run the whole
 * process at a chosen instant (libfaketime) and every module agrees.
 */
#ifndef MASHD_CLOCK_H
#define MASHD_CLOCK_H

#include <stdint.h>

/* Now, as UTC milliseconds since the epoch. */
int64_t clock_now_ms(void);
/* A monotonic reading in milliseconds, for latencies and backoff only. */
int64_t clock_mono_ms(void);

#endif
