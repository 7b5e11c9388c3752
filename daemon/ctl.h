/*
 * ctl: the control socket that mashctl talks to (include/mash/protocol.h).
 * ctl.c is the transport: the socket, who the caller is and which roles
 * it holds (the table is roles.c's), one JSON request per line and one
 * answer per line, in order. ctl_cmd.c holds the referral commands and
 * the table of who may run which, that main.c hands to ctl_new();
 * ctl_alerts.c the commands about alerts; ctl_args.c what they share in
 * reading a request and wording an answer.
 */
#ifndef MASHD_CTL_H
#define MASHD_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mashd.h"
#include "roles.h"
#include "store.h"

/* One connection of the socket, and the request it is being answered. */
struct ctl_conn;

struct ctl_command {
	const char *name; /* "cmd" of the request */
	void (*fn)(struct ctl_conn *c);
	unsigned roles; /* CTL_ROLE()s that may run it */
};

/* ctl_cmd.c's commands. */
extern const struct ctl_command ctl_commands[];
extern const size_t ctl_ncommands;

/* Listening on control.socket, or NULL with the reason logged. */
struct ctl *ctl_new(struct mashd *d, const struct ctl_command *cmds,
		    size_t ncmds);
void ctl_free(struct ctl *c);
/* Resolve roles.* of the running configuration into the table that
 * requests are matched against: at start (ctl_new) and on SIGHUP. */
void ctl_roles_load(struct ctl *c);
void ctl_stop_accepting(struct ctl *c);
/* ctl_stop.c: a stop's grace is over (lifecycle.h): read no more
 * requests, and answer each that waits for Redis now. */
void ctl_abandon(struct ctl *c);

/*
 * For a command: the request (a JSON object), a string member of it (NULL
 * when absent or not a string), the caller for the audit
 * ("uid:1000(alice)"), the daemon, and the caller's roles (CTL_ROLE()s).
 */
const json_t *ctl_request(const struct ctl_conn *c);
const char *ctl_arg(const struct ctl_conn *c, const char *key);
const char *ctl_actor(const struct ctl_conn *c);
struct mashd *ctl_daemon(const struct ctl_conn *c);
unsigned ctl_roles(const struct ctl_conn *c);
/* ctl_args.c: */
/* The request's "id" when it is a referral reference; else NULL, with
 * the error sent. */
const char *ctl_ref(struct ctl_conn *c);
/* The request's `key` when it is text that is not blank; else NULL, with
 * `what` sent as the error. */
const char *ctl_text(struct ctl_conn *c, const char *key, const char *what);

/* An instant member of a script's answer (UTC ms, as text) for a person:
 * an ISO 8601 string, or null when absent. */
json_t *ctl_instant(const json_t *o, const char *k);
/* A script's refusal as a sentence: Lua's "ERR " left out; one that
 * says nothing is said to. */
const char *ctl_refusal(const char *err);
/* Whether s is a stream entry's id as Redis writes it (digits, a dash,
 * digits): an alert's, an audit event's. */
bool ctl_stream_id(const char *s);
/* The store's failure err (hiredis's, or a Redis error that is no
 * script's refusal) as a sentence, for "redis: %s"; one that says
 * nothing is said to. */
const char *ctl_failure(const char *err);
/* A sentence made UTF-8 in place, as JSON needs it: each byte of no
 * well-formed sequence (Redis's errors are any bytes; a sentence cut to
 * its buffer may end mid-character) becomes '?'. */
void ctl_mend(char *msg);

/* Answer: one JSON object (taken), or {"ok":false,"error":...}. */
void ctl_send(struct ctl_conn *c, json_t *o);
/* Answer: one line of JSON text already made (not checked here). */
void ctl_send_text(struct ctl_conn *c, const char *text, size_t len);
void ctl_error(struct ctl_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The answer comes later, from a callback that sends it and calls
 * ctl_done; meanwhile no more requests are read from the connection.
 * `hold`: the request holds work in flight (lifecycle.h) until then;
 * false when what it waits for holds it already (intake).
 */
void ctl_wait(struct ctl_conn *c, bool hold);
void ctl_done(struct ctl_conn *c);
/* While the request waits: how ctl_abandon() answers it (fn(arg) sends
 * the answer, then calls ctl_done, or ctl_abandoned when a callback of
 * the store is still to come), instead of "mashd stopped"; NULL clears
 * it, before the answer. */
void ctl_on_abandon(struct ctl_conn *c, void (*fn)(void *arg), void *arg);
/* Answered at the end of a stop's grace, a store callback still to come:
 * no longer held, and nothing more is sent (ctl_gone) until ctl_done. */
void ctl_abandoned(struct ctl_conn *c);
/* One script call with its named arguments (taken), answered later (cb
 * gets c, ends with ctl_done); -1 with the answer sent when Redis is
 * unreachable. */
int ctl_call(struct ctl_conn *c, enum store_script s, json_t *args,
	     store_json_cb *cb);

/*
 * An answer of many lines (a stream, one line a page): the request waits
 * (ctl_wait) from its first page to its last, and each page is fetched
 * only once the pages before it are written down to CTL_OUT_MAX unsent,
 * so a client that reads slowly, or not at all, holds mashd to that much.
 * ctl_when_drained calls fn(c, arg) then: at once when so already, or
 * from the event loop once the client has read them, or when the
 * connection has gone (ctl_gone), when fn ends the stream with ctl_done.
 */
typedef void ctl_drained_cb(struct ctl_conn *c, void *arg);
void ctl_when_drained(struct ctl_conn *c, ctl_drained_cb *fn, void *arg);
/* Are the pages before written down to CTL_OUT_MAX (ctl_when_drained
 * would call fn at once), the client still there? */
bool ctl_drained_now(const struct ctl_conn *c);
/* Nothing more can be written to the connection: the client has gone,
 * or the request was answered at the end of a stop's grace. */
bool ctl_gone(const struct ctl_conn *c);

#endif
