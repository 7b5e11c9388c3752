/*
 * service: mashd as a systemd service (Type=notify). READY=1 once Redis
 * answers and every listener is open; STATUS= with the queue, kept up to
 * date; WATCHDOG=1 from the event loop at half of WatchdogSec=, so a loop
 * that stops turning gets mashd restarted. Without systemd (no
 * NOTIFY_SOCKET) every call here does nothing.
 */
#ifndef MASHD_SERVICE_H
#define MASHD_SERVICE_H

#include "mashd.h"

struct service *service_new(struct mashd *d);
/* After the store: a STATUS= refresh may be waiting for Redis. */
void service_free(struct service *s);
/* Every listener is open. */
void service_listening(struct service *s);
/* Redis answers (at start and after each reconnection). */
void service_redis_up(struct service *s);
/* The connection to Redis was lost; the store reconnects. */
void service_redis_down(struct service *s);
/* SIGHUP: the configuration is being read again. */
void service_reloading(struct service *s);
/* The configuration was read again; err is why not, or NULL. */
void service_reloaded(struct service *s, const char *err);
/* SIGTERM, SIGINT: an orderly stop has begun. */
void service_stopping(struct service *s);

#endif
