/*
 * alert_batch: the results of delivery attempts, recorded many in one
 * call of alert_result.lua (one durable write for many alerts, as Redis's
 * group commit makes one fsync for many clients). A batch is sent when it
 * holds ALERT_BATCH_SIZE results, after alerts.record_delay_ms from its
 * first one, at once while mashd stops, or just before a submit (the
 * two then share Redis's fsync). A result is never dropped: it
 * is answered exactly once, with its state or an error; an alert whose
 * result was not written (an error, or mashd died first) stays pending in
 * Redis and is delivered again, without the parts recorded before.
 */
#ifndef MASHD_ALERT_BATCH_H
#define MASHD_ALERT_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mash/config.h"

#include "mashd.h"

#define ALERT_BATCH_SIZE 64

struct alert_batch;

/* state: "sent", "callback", "pending" or "dead"; NULL with err. */
typedef void alert_batch_cb(const char *state, const char *err, void *arg);

struct alert_batch *alert_batch_new(struct mashd *d);
/* Results not yet sent are forgotten (their alerts stay pending). */
void alert_batch_free(struct alert_batch *b);
/*
 * One attempt's result as alert_result.lua takes it: the alert `id`, the
 * attempts before this one, its first error ("" none), the parts it
 * delivered (taken), and whether the referrer is to be called back.
 */
json_t *alert_batch_result(const struct mash_config *c, const char *id,
			   json_int_t attempts, const char *error, json_t *done,
			   bool callback);
/* One attempt's result, alert_result.lua's {id, now, ...} (taken). */
void alert_batch_add(struct alert_batch *b, json_t *result, alert_batch_cb *cb,
		     void *arg);
/* Send the results gathered now, if any. */
void alert_batch_flush(struct alert_batch *b);
/* Results added and not yet answered. */
size_t alert_batch_waiting(const struct alert_batch *b);

#endif
