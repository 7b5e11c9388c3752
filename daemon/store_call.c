/*
 * store_call.c owns the Lua scripts: their table, loading them, calling
 * them by SHA, and what became of each call (store.h's outcomes),
 * replication included.
 *
 * Invariants:
 * - Scripts are sent by SHA. Their SHA-1 is computed here, so a call never
 *   waits for SCRIPT LOAD; on NOSCRIPT (Redis restarted, SCRIPT FLUSH) the
 *   script is loaded again and the same call is sent once more.
 * - Every call that store_call*() accepted ends in exactly one answer to
 *   its caller; the call is freed there, after the last command it sent
 *   was answered (hiredis answers every command, with NULL at worst).
 * - With redis.replicas_ack = N > 0, a script that writes (SCRIPT_WRITES
 *   in the table) is answered STORE_DONE only once WAIT said that N
 *   replicas hold everything up to it. When the script has answered, and
 *   only if it succeeded, PUBLISH on <prefix>wait then WAIT N T are sent
 *   on the same connection. The PUBLISH is a replication barrier: WAIT
 *   waits for this connection's last write, and a script that wrote
 *   nothing (a replayed submission, a lookup) may answer with what
 *   another connection wrote; the PUBLISH, which Redis replicates, makes
 *   WAIT cover all the master held when the script ran. WAIT is not sent
 *   ahead with the script: after a script Redis refused (NOREPLICAS while
 *   the replicas are away) it would still hold the one connection, and
 *   every call queued behind it, for T. Redis runs a connection's WAITs
 *   one after the other, so a WAIT starts at the latest when the one
 *   before it may end (st->wait_until): T is what then remains of the
 *   call's redis.timeout, less a margin, so that no command behind WAITs
 *   that wait in vain passes its deadline. Fewer than N in time:
 *   STORE_UNKNOWN, saying so.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "mash/config.h"

#include "clock.h"
#include "log.h"
#include "lua_scripts.h"
#include "store_call.h"
#include "store_conn.h"

/* What a script does to the data, which says whether its changes wait
 * for replicas (redis.replicas_ack). */
enum script_kind {
	SCRIPT_READS,  /* writes nothing: no WAIT */
	SCRIPT_CACHES, /* writes a cache it can rebuild: no WAIT */
	SCRIPT_WRITES, /* changes the hub's state or audit: WAIT */
};

struct script {
	const char *name;
	const char *text;
	const char *keys; /* the KEYS: template, e.g. "ref:$id events" */
	enum script_kind kind;
	bool (*wait_if)(const redisReply *); /* SCRIPT_WRITES; NULL: always */
	char sha[2 * SHA_DIGEST_LENGTH + 1];
};

#define STORE_MAX_ARGS 32
#define STORE_MAX_KEYS 24
/* What a WAIT leaves of redis.timeout for the round trips around it. */
#define WAIT_MARGIN_MS 250
/* The start of every answer of a change that the replicas did not
 * confirm (STORE_UNKNOWN with unreplicated). */
#define STORED_ON_MASTER "the change is stored on the redis master"
#define UNASKED                                                                \
	STORED_ON_MASTER ", but mashd could not ask whether it is replicated"

/* A list in a script's JSON answer ({"alerts": [...]}; {} for an empty
 * table, as cjson writes it) holds something; unreadable counts as yes,
 * to be safe. */
static bool
any_in(const redisReply *r, const char *name)
{
	json_t *o = r->type == REDIS_REPLY_STRING
			? json_loadb(r->str, r->len, 0, NULL)
			: NULL;
	json_t *a = json_object_get(o, name);
	bool any = json_array_size(a) > 0 || json_object_size(a) > 0;

	json_decref(o);
	return o == NULL || any;
}

/* fire.lua's answer: the timers it fired, an array or {"fired": [...]}
 * (cjson writes an empty one {}), found without parsing a whole batch. */
static bool
any_fired(const redisReply *r)
{
	if (r->type == REDIS_REPLY_ARRAY)
		return r->elements > 0;
	if (r->type == REDIS_REPLY_STRING &&
	    memmem(r->str, r->len, "\"fired\":{}", 10) != NULL)
		return false;
	return any_in(r, "fired");
}

/* alert_take.lua's answer: {"alerts": [...]}. */
static bool
any_alerts(const redisReply *r)
{
	return any_in(r, "alerts");
}

/*
 * Every script, what it does to the data (enum script_kind), and so whether
 * a change it makes waits for the replicas. A script that audits a read
 * (get, show, history) writes the audit trail: it waits too, so that a
 * read is shown only once its record would survive a failover. A script
 * that mashd runs again and again to find work (fire, alert_take) waits
 * only when it found some (`wait_if`): finding none, it changed nothing
 * that matters, and it must not hold the connection each time while the
 * replicas are away.
 */
static const struct {
	enum store_script id;
	const char *name;
	const char *text;
	const char *keys; /* its KEYS: lines (lua2c.sh) */
	enum script_kind kind;
	bool (*wait_if)(const redisReply *); /* NULL: always */
} table[] = {
    {SCRIPT_SUBMIT, "submit", lua_submit, lua_submit_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_GET, "get", lua_get, lua_get_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_QUEUE, "queue", lua_queue, lua_queue_keys, SCRIPT_READS, NULL},
    {SCRIPT_SHOW, "show", lua_show, lua_show_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_METRICS, "metrics", lua_metrics, lua_metrics_keys, SCRIPT_CACHES,
     NULL},
    {SCRIPT_PING, "ping", lua_ping, lua_ping_keys, SCRIPT_READS, NULL},
    {SCRIPT_NEXT, "next", lua_next, lua_next_keys, SCRIPT_READS, NULL},
    {SCRIPT_FIRE, "fire", lua_fire, lua_fire_keys, SCRIPT_WRITES, any_fired},
    {SCRIPT_DECIDE, "decide", lua_decide, lua_decide_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_CONFIRM, "confirm", lua_confirm, lua_confirm_keys, SCRIPT_WRITES,
     NULL},
    {SCRIPT_RESCHEDULE, "reschedule", lua_reschedule, lua_reschedule_keys,
     SCRIPT_WRITES, NULL},
    {SCRIPT_TIMERS, "timers", lua_timers, lua_timers_keys, SCRIPT_READS, NULL},
    {SCRIPT_ALERT_TAKE, "alert_take", lua_alert_take, lua_alert_take_keys,
     SCRIPT_WRITES, any_alerts},
    {SCRIPT_ALERT_RESULT, "alert_result", lua_alert_result,
     lua_alert_result_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_ALERTS, "alerts", lua_alerts, lua_alerts_keys, SCRIPT_READS, NULL},
    {SCRIPT_ALERT_RETRY, "alert_retry", lua_alert_retry, lua_alert_retry_keys,
     SCRIPT_WRITES, NULL},
    {SCRIPT_CALLBACKS, "callbacks", lua_callbacks, lua_callbacks_keys,
     SCRIPT_WRITES, NULL},
    {SCRIPT_CALLED, "called", lua_called, lua_called_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_CLAIM, "claim", lua_claim, lua_claim_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_RATE, "rate", lua_rate, lua_rate_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_NOTE, "note", lua_note, lua_note_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_HISTORY, "history", lua_history, lua_history_keys, SCRIPT_WRITES,
     NULL},
    {SCRIPT_SPOOL_QUARANTINE, "spool_quarantine", lua_spool_quarantine,
     lua_spool_quarantine_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_IDEM, "idem", lua_idem, lua_idem_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_SCREEN, "screen", lua_screen, lua_screen_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_REOPEN, "reopen", lua_reopen, lua_reopen_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_LADDER, "ladder", lua_ladder, lua_ladder_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_AUDIT_VERIFY, "audit_verify", lua_audit_verify,
     lua_audit_verify_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_AUDIT_LAST, "audit_last", lua_audit_last, lua_audit_last_keys,
     SCRIPT_READS, NULL},
    {SCRIPT_REPORT_EVENTS, "report_events", lua_report_events,
     lua_report_events_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_RESOLVE, "resolve", lua_resolve, lua_resolve_keys, SCRIPT_READS,
     NULL},
    {SCRIPT_LIST, "list", lua_list, lua_list_keys, SCRIPT_READS, NULL},
    {SCRIPT_CHILD, "child", lua_child, lua_child_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_BACKFILL, "backfill", lua_backfill, lua_backfill_keys,
     SCRIPT_WRITES, NULL},
    {SCRIPT_EXPLAIN, "explain", lua_explain, lua_explain_keys, SCRIPT_WRITES,
     NULL},
    {SCRIPT_LADDER_GAP, "ladder_gap", lua_ladder_gap, lua_ladder_gap_keys,
     SCRIPT_READS, NULL},
    {SCRIPT_DIGEST_GATHER, "digest_gather", lua_digest_gather,
     lua_digest_gather_keys, SCRIPT_READS, NULL},
    {SCRIPT_DIGEST_OVERDUE, "digest_overdue", lua_digest_overdue,
     lua_digest_overdue_keys, SCRIPT_READS, NULL},
    {SCRIPT_DIGEST_ESCALATIONS, "digest_escalations", lua_digest_escalations,
     lua_digest_escalations_keys, SCRIPT_READS, NULL},
    {SCRIPT_DIGEST_HELD, "digest_held", lua_digest_held, lua_digest_held_keys,
     SCRIPT_READS, NULL},
    {SCRIPT_DIGEST, "digest", lua_digest, lua_digest_keys, SCRIPT_WRITES, NULL},
    {SCRIPT_DIGEST_CONF, "digest_conf", lua_digest_conf, lua_digest_conf_keys,
     SCRIPT_WRITES, NULL},
};

struct call {
	struct store *st;
	enum store_script s;
	int argc;
	char *argv[4 + STORE_MAX_KEYS + STORE_MAX_ARGS];
	size_t argvlen[4 + STORE_MAX_KEYS + STORE_MAX_ARGS];
	store_outcome_cb *cb;
	void *arg;
	bool retried;
	int64_t deadline;  /* clock_mono_ms(): the call's redis.timeout */
	int need;	   /* replicas to wait for */
	bool ran;	   /* the script answered: only WAIT is awaited */
	redisReply *kept;  /* the script's answer, while WAIT runs */
	bool wait_unsent;  /* PUBLISH went, WAIT could not: its answer ends */
	char barrier[160]; /* PUBLISH failed: Redis's answer */
	char why[256];
};

void
store_scripts_init(struct store *st)
{
	unsigned char md[SHA_DIGEST_LENGTH];

	if ((st->scripts = calloc(SCRIPT_COUNT, sizeof(*st->scripts))) == NULL)
		fatal("store_scripts_init");
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct script *sc = &st->scripts[table[i].id];

		sc->name = table[i].name;
		sc->text = table[i].text;
		sc->keys = table[i].keys;
		sc->kind = table[i].kind;
		sc->wait_if = table[i].wait_if;
		SHA1((const unsigned char *)sc->text, strlen(sc->text), md);
		for (int j = 0; j < SHA_DIGEST_LENGTH; j++)
			snprintf(sc->sha + 2 * j, 3, "%02x", md[j]);
	}
	for (int i = 0; i < SCRIPT_COUNT; i++)
		if (st->scripts[i].text == NULL)
			fatalx("store: script %d is not in the table", i);
}

void
store_scripts_load(struct store *st)
{
	for (int i = 0; i < SCRIPT_COUNT; i++)
		store_send_cmd(st, NULL, NULL, "SCRIPT LOAD %s",
			       st->scripts[i].text);
}

/* ---- a reply kept --------------------------------------------------- */

static void
reply_free(redisReply *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->elements; i++)
		reply_free(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

/* A deep copy of a reply: hiredis frees its own once the callback
 * returns, and the answer waits for WAIT. NULL when out of memory. */
static redisReply *
reply_dup(const redisReply *r)
{
	redisReply *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->type = r->type;
	c->integer = r->integer;
	if (r->str != NULL) {
		if ((c->str = malloc(r->len + 1)) == NULL)
			goto fail;
		memcpy(c->str, r->str, r->len);
		c->str[r->len] = '\0';
		c->len = r->len;
	}
	if (r->elements > 0) {
		if ((c->element = calloc(r->elements, sizeof(*c->element))) ==
		    NULL)
			goto fail;
		c->elements = r->elements;
		for (size_t i = 0; i < r->elements; i++)
			if ((c->element[i] = reply_dup(r->element[i])) == NULL)
				goto fail;
	}
	return c;
fail:
	reply_free(c);
	return NULL;
}

/* ---- script calls ---------------------------------------------------- */

static void
call_free(struct call *c)
{
	c->argv[1] = NULL; /* borrowed: the script's SHA */
	for (int i = 0; i < c->argc; i++)
		free(c->argv[i]);
	reply_free(c->kept);
	free(c);
}

/* The one answer to the caller; then the call is gone. */
static void
call_answer(struct call *c, enum store_outcome o, const redisReply *reply,
	    const char *err)
{
	struct store_result res = {o, err == NULL ? reply : NULL, err,
				   o == STORE_UNKNOWN && c->ran};

	c->cb(&res, c->arg);
	call_free(c);
}

/*
 * Redis refused the call before running any of it. An error raised inside
 * a script names it ("... script: <sha>, on @user_script:N."), and the
 * script may have written before it: that is an answer, not a refusal.
 */
static bool
refused_before_run(const char *err)
{
	static const char *const codes[] = {
	    "NOSCRIPT ", "LOADING ",	"BUSY ",       "NOAUTH ",
	    "NOPERM ",	 "MASTERDOWN ", "NOREPLICAS ", "READONLY ",
	    "MISCONF ",	 "OOM ",	NULL};

	if (strstr(err, "script:") != NULL)
		return false;
	for (const char *const *c = codes; *c != NULL; c++)
		if (strncmp(err, *c, strlen(*c)) == 0)
			return true;
	return false;
}

static void call_reply(redisAsyncContext *ac, void *r, void *priv);

static int
call_send(struct call *c)
{
	struct store *st = c->st;

	c->argv[1] = st->scripts[c->s].sha;
	c->argvlen[1] = strlen(c->argv[1]);
	return store_send_argv(st, call_reply, c, c->argc,
			       (const char **)c->argv, c->argvlen);
}

static void
barrier_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct call *c = priv;

	(void)ac;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		snprintf(c->barrier, sizeof(c->barrier), "%s", reply->str);
	if (c->wait_unsent)
		call_answer(c, STORE_UNKNOWN, NULL, UNASKED);
}

/* Why a WAIT did not confirm the change, as a sentence in c->why. */
static const char *
wait_why(struct call *c, const redisReply *reply)
{
	if (reply == NULL)
		snprintf(c->why, sizeof(c->why),
			 "%s, but the connection was lost before %d replica(s) "
			 "confirmed it (redis.replicas_ack)",
			 STORED_ON_MASTER, c->need);
	else if (c->barrier[0] != '\0' || reply->type != REDIS_REPLY_INTEGER)
		snprintf(c->why, sizeof(c->why),
			 "%s, but its replication cannot be confirmed: %s",
			 STORED_ON_MASTER,
			 c->barrier[0]			    ? c->barrier
			 : reply->type == REDIS_REPLY_ERROR ? reply->str
							    : "odd reply");
	else
		snprintf(
		    c->why, sizeof(c->why),
		    "%s but not confirmed replicated: %lld of the %d "
		    "replica(s) of redis.replicas_ack confirmed it in time",
		    STORED_ON_MASTER, reply->integer, c->need);
	return c->why;
}

static void
wait_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct call *c = priv;
	bool acks = reply != NULL && reply->type == REDIS_REPLY_INTEGER;

	(void)ac;
	if (--c->st->waits == 0)
		c->st->wait_until = 0;
	if (acks) {
		c->st->last_acks = (int)reply->integer;
		c->st->last_wait_ms = clock_now_ms();
	}
	if (acks && reply->integer >= c->need && c->barrier[0] == '\0')
		call_answer(c, STORE_DONE, c->kept, NULL);
	else
		call_answer(c, STORE_UNKNOWN, NULL, wait_why(c, reply));
}

/*
 * The script ran: wait for the replicas (see the invariants). 0 when the
 * answer will come from the wait's replies; -1 when nothing of it was
 * sent (answer STORE_UNKNOWN now).
 */
static int
call_wait(struct call *c, const redisReply *reply)
{
	struct store *st = c->st;
	int64_t start = clock_mono_ms(), left;

	if (st->waits > 0 && st->wait_until > start)
		start = st->wait_until;
	left = c->deadline - start - WAIT_MARGIN_MS;
	if ((c->kept = reply_dup(reply)) == NULL)
		return -1;
	if (left < 10)
		left = 10; /* WAIT 0 would wait for ever */
	if (store_send_cmd(st, barrier_reply, c, "PUBLISH %swait 1",
			   st->d->conf->redis.prefix) != 0)
		return -1;
	/* Redis answers in order: WAIT's callback is the last to run. */
	if (store_send_cmd(st, wait_reply, c, "WAIT %d %lld", c->need,
			   (long long)left) != 0) {
		c->wait_unsent = true;
		return 0;
	}
	st->waits++;
	st->wait_until = start + left;
	return 0;
}

static void
call_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct call *c = priv;
	struct store *st = c->st;

	(void)ac;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0 && !c->retried &&
	    st->state == ST_UP) {
		/* Redis lost its script cache: load it, then send again. */
		log_warnx("redis: script %s was not loaded; loading it",
			  st->scripts[c->s].name);
		c->retried = true;
		store_send_cmd(st, NULL, NULL, "SCRIPT LOAD %s",
			       st->scripts[c->s].text);
		if (call_send(c) == 0)
			return;
	}
	if (reply == NULL) {
		call_answer(c, STORE_UNKNOWN, NULL,
			    st->lost != NULL
				? st->lost
				: "the connection to redis was lost");
	} else if (reply->type == REDIS_REPLY_ERROR) {
		/* A master demoted under us: the sentinels know better. */
		if (strncmp(reply->str, "READONLY ", 9) == 0 &&
		    st->sentinel != NULL)
			store_drop_soon(st, "the node is no longer the master "
					    "(READONLY); asking the sentinels");
		call_answer(c,
			    refused_before_run(reply->str) ? STORE_NOT_RUN
							   : STORE_DONE,
			    NULL, reply->str);
	} else if (c->need > 0 && st->scripts[c->s].kind == SCRIPT_WRITES &&
		   (st->scripts[c->s].wait_if == NULL ||
		    st->scripts[c->s].wait_if(reply))) {
		c->ran = true;
		if (call_wait(c, reply) != 0)
			call_answer(c, STORE_UNKNOWN, NULL, UNASKED);
	} else {
		call_answer(c, STORE_DONE, reply, NULL);
	}
}

/*
 * One key of a script's KEYS: line: the prefix, then `tmpl` with each
 * $name made the argument `name` of the one JSON argument (`a`), or $N
 * the N-th argument. NULL when an argument it names is absent or empty
 * (written_confirmation_of, say): nothing to declare then.
 */
static char *
key_expand(const char *prefix, const char *tmpl, size_t len, const json_t *a,
	   int argc, const char *const *argv)
{
	char buf[512], num[32];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", prefix);

	for (size_t i = 0; i < len && n < sizeof(buf);) {
		const char *v = NULL;
		size_t vlen, name = 0;
		char var[32];

		if (tmpl[i] != '$') {
			buf[n++] = tmpl[i++];
			continue;
		}
		while (
		    i + 1 + name < len && name + 1 < sizeof(var) &&
		    (tmpl[i + 1 + name] == '_' ||
		     (tmpl[i + 1 + name] >= 'a' && tmpl[i + 1 + name] <= 'z') ||
		     (tmpl[i + 1 + name] >= '0' &&
		      tmpl[i + 1 + name] <= '9'))) {
			var[name] = tmpl[i + 1 + name];
			name++;
		}
		var[name] = '\0';
		i += 1 + name;
		if (var[0] >= '1' && var[0] <= '9') {
			int k = atoi(var);

			v = k <= argc ? argv[k - 1] : NULL;
		} else if (json_is_integer(json_object_get(a, var))) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(a, var)));
			v = num;
		} else {
			v = json_string_value(json_object_get(a, var));
		}
		if (v == NULL || (vlen = strlen(v)) == 0 ||
		    n + vlen >= sizeof(buf))
			return NULL;
		memcpy(buf + n, v, vlen);
		n += vlen;
	}
	if (n >= sizeof(buf))
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* The call's KEYS from its script's template, into c->argv from [3]:
 * their number, or -1 when out of memory or too many. `args` is the one
 * JSON argument when the caller has it as an object (not parsed again),
 * else NULL. */
static int
call_keys(struct call *c, const char *prefix, int argc, const char *const *argv,
	  const json_t *args)
{
	const char *t = c->st->scripts[c->s].keys;
	json_t *a = NULL;
	int nkeys = 0;

	if (args == NULL && strchr(t, '$') != NULL && argc == 1 &&
	    argv[0] != NULL)
		a = json_loads(argv[0], 0, NULL);
	else if (args != NULL)
		a = json_incref((json_t *)args);
	while (*t != '\0') {
		size_t len = strcspn(t, " ");
		char *k;

		if (len > 0 &&
		    (k = key_expand(prefix, t, len, a, argc, argv))) {
			if (nkeys == STORE_MAX_KEYS) {
				free(k);
				nkeys = -1;
				break;
			}
			c->argv[3 + nkeys++] = k;
		}
		t += len;
		t += strspn(t, " ");
	}
	json_decref(a);
	return nkeys;
}

static int
call_start(struct store *st, enum store_script s, int argc,
	   const char *const *argv, const json_t *args, store_outcome_cb *cb,
	   void *arg)
{
	struct call *c;
	const char *prefix = st->d->conf->redis.prefix;
	char nkeys[16];
	int nk;

	if (st->state != ST_UP || argc > STORE_MAX_ARGS)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->st = st;
	c->s = s;
	c->cb = cb;
	c->arg = arg;
	c->need = st->d->conf->redis.replicas_ack;
	c->deadline = clock_mono_ms() + store_timeout_ms(st);
	/* EVALSHA sha numkeys keys... prefix argv... */
	c->argc = 3;
	if ((nk = call_keys(c, prefix, argc, argv, args)) < 0) {
		log_warnx("redis: script %s: more than %d keys",
			  st->scripts[s].name, STORE_MAX_KEYS);
		c->argc = 3 + STORE_MAX_KEYS;
		goto fail;
	}
	c->argc = 3 + nk;
	snprintf(nkeys, sizeof(nkeys), "%d", nk);
	c->argv[0] = strdup("EVALSHA");
	c->argv[2] = strdup(nkeys);
	c->argv[c->argc++] = strdup(prefix);
	for (int i = 0; i < argc; i++)
		c->argv[c->argc++] = strdup(argv[i] ? argv[i] : "");
	for (int i = 0; i < c->argc; i++) {
		if (i != 1 && c->argv[i] == NULL)
			goto fail;
		if (i != 1)
			c->argvlen[i] = strlen(c->argv[i]);
	}
	if (call_send(c) == 0)
		return 0;
fail:
	call_free(c);
	return -1;
}

int
store_call_outcome(struct store *st, enum store_script s, int argc,
		   const char *const *argv, store_outcome_cb *cb, void *arg)
{
	return call_start(st, s, argc, argv, NULL, cb, arg);
}

int
store_call_object(struct store *st, enum store_script s, const json_t *args,
		  store_outcome_cb *cb, void *arg)
{
	return store_call_object_text(st, s, args, NULL, cb, arg);
}

/* text NULL: the object alone (store_call_object). */
int
store_call_object_text(struct store *st, enum store_script s,
		       const json_t *args, const char *text,
		       store_outcome_cb *cb, void *arg)
{
	char *obj = json_dumps(args, JSON_COMPACT);
	const char *argv[2] = {obj, text};
	int rc;

	if (obj == NULL)
		return -1;
	rc = call_start(st, s, text != NULL ? 2 : 1, argv, args, cb, arg);
	free(obj);
	return rc;
}
