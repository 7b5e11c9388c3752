/*
 * config: mashd.conf, read with libconfig and checked against the schema of
 * keys mashd knows. An unknown key, a wrong type or a bad value is an error
 * naming the file, the line and the key; nothing half-read is ever used.
 *
 * Shared by mashd and mashctl, which reads the hub's calendar and timer
 * rules through it for its offline commands (deadlines, calendar). The
 * reader is daemon/config.c, config_schema.c, config_time.c and
 * config_tls.c; it depends on nothing of mashd's own but this header and
 * the pure core.
 */
#ifndef MASH_CONFIG_H
#define MASH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include "mash/calendar.h"
#include "mash/deadline.h"

struct config_client {
	const char *name;
	const char *token;
	const char *channel; /* "web" or "partner" */
	const char *agency;  /* may be NULL */
};

/* Who receives alerts, by role (SPEC section 7). */
enum recipient_role {
	ROLE_NAVIGATORS = 0,
	ROLE_SUPERVISORS,
	ROLE_FIRST_RESPONSE,
	ROLE_EDT,
	ROLE_MANAGERS, /* the reminder ladder's last rungs */
};
#define ROLE_COUNT 5

struct config_list {
	const char **items;
	size_t n;
};

/* Who may do what on the control socket (SPEC section 9). */
enum ctl_role {
	CTL_CALL_HANDLERS = 0,
	CTL_NAVIGATORS,
	CTL_SUPERVISORS,
	CTL_ADMINS,
};
#define CTL_ROLE_COUNT 4

struct config_webhook {
	const char *name;
	const char *url;
	const char *secret; /* HMAC-SHA256 key of the signature header */
	struct config_list events;
	bool referrers;	     /* it reaches a referrer at referrer_phone */
	const char *ca_file; /* its CAs; NULL: the system's */
	bool insecure;	     /* an http:// url is allowed */
};

/* A node of redis.sentinels: "host:port". */
struct config_node {
	char host[256];
	int port;
};

struct mash_config {
	config_t cfg; /* owns every string below */
	const char *path;
	struct {
		const char *socket; /* NULL when host/port are used */
		const char *host;
		int port;
		/* Sentinel mode when nsentinels > 0: the master is the one
		 * these sentinels name master_name; socket, host and port
		 * are then unset. */
		struct config_node *sentinels;
		size_t nsentinels;
		const char *master_name;
		int replicas_ack; /* replicas a change waits for (WAIT) */
		const char *prefix;
		int timeout;	   /* seconds a call may wait for Redis */
		bool allow_unsafe; /* take referrals on a Redis not durable */
		/* AUTH of every connection to Redis (user NULL: AUTH pass,
		 * as Redis's default user), and of every one to a sentinel;
		 * a NULL password: no AUTH. */
		const char *user, *password;
		const char *sentinel_user, *sentinel_password;
	} redis;
	struct {
		const char *address;
		int port;
		size_t max_body;
		int idempotency_hours;
		int max_connections; /* open at once; more wait unaccepted */
		int request_timeout; /* seconds for a whole request to arrive */
		/* TLS on the listener when set (both or neither) */
		const char *tls_cert;
		const char *tls_key;
	} http;
	struct {
		const char *token; /* GET /metrics's bearer token; "": none */
	} metrics;
	struct {
		const char *socket;
		int mode;	     /* of the socket file, e.g. 0660 */
		const char *group;   /* its group, or NULL for mashd's own */
		int idle_timeout;    /* seconds a connection may stay idle */
		int max_per_uid;     /* connections of one user at once */
		int max_connections; /* in all, the last reserved (below) */
	} control;
	struct config_client *clients;
	size_t nclients;
	struct calendar_options calendar_options;
	struct calendar *calendar; /* made from calendar_options */
	struct deadline_rules timers;
	struct {
		const char *sendmail; /* run as: sendmail -t -oi; "": no mail */
		/* kept `sendmail -bs` sessions instead of a process a mail */
		bool sendmail_session;
		const char *from;
		int retry_first; /* seconds before the first retry */
		int retry_max;	 /* the longest wait between retries */
		int attempts;	 /* then it is a dead letter */
		int claim_idle;	 /* seconds before an orphan is taken over */
		int timeout;	 /* seconds a transport may take */
		/* alerts, and sendmail processes, at once */
		int max_parallel;
		/* ms a delivery's result may wait to be recorded with others */
		int record_delay_ms;
		/* warning, screening and overdue alerts to staff only in
		 * the supervisors' daily digest (Red and a referral's first
		 * overdue still at once) */
		bool digest;
	} alerts;
	struct config_list recipients[ROLE_COUNT];
	struct config_webhook *webhooks;
	size_t nwebhooks;
	struct config_list
	    roles[CTL_ROLE_COUNT]; /* "user:NAME", "group:NAME" */
	struct {
		const char *secret; /* HMAC key of the child keys; "" = off */
		int threshold;	    /* referrals within the window */
		int window_days;
	} repeat;
	struct {
		const char *dir;	/* the maildir; NULL: no mail channel */
		const char *quarantine; /* NULL: <dir>/quarantine */
		int poll_ms;
		size_t max_size; /* the largest message taken, bytes */
	} spool;
};

/* Of control.max_connections, the last slots only root, mashd's own user
 * and the admins role may take: an eighth, at least one. */
#define CONFIG_CTL_RESERVED(max) ((max) / 8 > 0 ? (max) / 8 : 1)

/* "call_handlers", "navigators", "supervisors", "admins". */
const char *config_ctl_role_name(enum ctl_role r);

/* "navigators", "supervisors", "first_response", "edt". */
const char *config_role_name(enum recipient_role r);

/* "none", "24 hours", "6 working hours", "1 working day"...: 0, or -1. */
int config_parse_span(const char *s, struct span *out);

/* A new configuration, or NULL with the reason in err. A NULL path gives
 * every default. */
struct mash_config *config_load(const char *path, char *err, size_t errlen);
void config_free(struct mash_config *c);
/* The client whose token this is, or NULL. Constant time in the token. */
const struct config_client *config_client_by_token(const struct mash_config *c,
						   const char *token);

#endif
