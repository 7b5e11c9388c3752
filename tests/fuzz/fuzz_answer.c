/*
 * fuzz_answer: what Redis answers, read by the control socket's real
 * handlers. The input's first line is a request (one JSON object, as in
 * fuzz_ctl), run by its handler in ctl_cmd.c's table for a caller with
 * every role. The rest is what the scripts answer, one answer for each
 * call, in the order the calls are made:
 *
 *   - "R" then Redis's protocol (RESP): each reply that hiredis's own
 *     redisReader reads from it answers one call, so any shape arrives
 *     (queue.lua's arrays, errors, integers, nils, nested arrays);
 *   - else one line an answer: "-" then an error's text (a script's
 *     refusal, "ERR ..."), or the JSON text a script answers, given as
 *     Redis gives it, a bulk string (store_json.c parses it, jansson).
 *
 * A call made when the answers are used up is lost, as when the
 * connection to Redis is. The scripts' answers reach the handlers
 * through the real store_json.c; queue.lua's through ctl_queue_page.c
 * and queue_item.c, for a page (ctl_queue.c) and a stream
 * (ctl_queue_stream.c: its page_done, page after page).
 *
 * Invariants: every request gets exactly one answer (a stream: pages,
 * then its last page or one error line), an object with "ok" a boolean
 * and a sentence when it is false; every line mashd writes is one JSON
 * object (a page's line; a stream page's head {"ok":true,"items":N},
 * N item lines, each beginning {"id":", as mashctl copies them unread,
 * and its tail, whose "sent" counts the items so far); a stream asks each
 * page after the cursor its last page's tail names, and an error line
 * after a page says where to go on ("--after" that cursor; or, for a
 * cursor too long for mashd, that it is cut after the referrals sent); the
 * connection waits once and is done once; nothing a script answered
 * but an id reaches a log line (records hold personal data).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "mash/brag.h"
#include "mash/protocol.h"
#include "mash/referral.h"
#include "mash/words.h"

#include "alert.h"
#include "clock.h"
#include "ctl.h"
#include "ctl_queue.h"
#include "digest_pages.h"
#include "digest_text.h"
#include "intake.h"
#include "log.h"
#include "mash/config.h"
#include "metrics.h"
#include "queue_item.h"
#include "scheduler.h"
#include "store.h"

#include "fuzz.h"

#define MAX_CALLS 256	   /* script calls of one request: more is a spin */
#define MAX_AT_ONCE 8	   /* script calls waiting at once */
#define MAX_ELEMENTS 65536 /* a RESP array's header, at most (below) */
#define CURSOR_KEPT 96	   /* bytes of a stream's cursor mashd goes on from */

struct ctl_conn {
	json_t *req;
	bool busy, held, done_once;
	int waits, dones;
	int terminal; /* answers that end the request */
	bool stream;  /* a stream's page was sent */
	long long sent;
	char cursor[1024]; /* the last page's "next", "" for none */
	bool cut_after;	   /* a page with a cursor was sent */
	void (*abandon)(void *);
	void *abandon_arg;
	bool gone;   /* abandoned at a stop: written no more (ctl.c) */
	bool native; /* a stream whose referrals mashd reads (HMGET) */
};

static struct mashd hub;
static struct mash_config *conf;
static const char actor[] = "uid:1000(fuzz)";

/* The calls waiting for their answer, first come first answered, as on
 * the store's one connection: scripts and plain reads (store_read) in
 * the order they were sent. A ring, as a page's reads are a thousand. */
struct pending {
	store_outcome_cb *cb;
	void *arg;
	int s;	     /* an enum store_script, or READ */
	char *after; /* queue.lua's "after", when it is queue.lua */
	bool ids;    /* queue.lua asked for references alone */
	bool hmget;  /* a read: a referral's fields, else its record */
};
#define READ (-1)
static struct pending *calls;
static size_t calls_at, ncalls, calls_cap;
static int made, scripts_waiting;
static int holds;
static bool store_gone; /* the connection lost: every call refused */
static struct ctl_conn *conn;

/* The pages queue.lua chose (references alone), in the order it
 * answered them: each reference must be read (HMGET) in this order, and
 * shown by one item line, in this order. */
struct page {
	char **ref;
	size_t *len, n;
};
static struct page *pages;
static size_t npages, pages_cap;
static size_t read_page, read_ref; /* the next HMGET's reference */
static size_t shown_page;	   /* the next page a stream sends */
static size_t hgets, hmgets_answered;

static void log_arg(const char *fmt, const char *s);
#include "fuzz_handlers.h"

/* ---- the answers -------------------------------------------------- */

static const char *ans, *ans_end;
static redisReader *reader;

/* Strings, as many as the answers hold (no bound: one lost would let
 * it be logged unseen). */
struct strings {
	char **s;
	size_t n, cap;
};

/* The strings of the answers given so far (not ids): none may be logged.
 * The ids they told under the keys that hold ids, in an id's shape: these
 * may be. */
static struct strings private_s, told_ids;
/* mashd's words the digest shows: its timers' names, the ratings, the
 * alerts' events (mash/words.h, mash/brag.h), and no string an answer
 * told (a name under "holder" is still private). A private string may
 * be part of one ("screen" of "screening"). */
static struct strings told_words;

static void
strings_add(struct strings *v, const char *s, size_t n)
{
	if (v->n == v->cap) {
		size_t cap = v->cap > 0 ? 2 * v->cap : 64;
		char **m = realloc(v->s, cap * sizeof(*m));

		if (m == NULL)
			fuzz_fail("out of memory");
		v->s = m;
		v->cap = cap;
	}
	if ((v->s[v->n++] = strndup(s, n)) == NULL)
		fuzz_fail("out of memory");
}

static bool
strings_has(const struct strings *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->s[i], s) == 0)
			return true;
	return false;
}

static void
strings_clear(struct strings *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->s[i]);
	v->n = 0;
}

static const json_t *request;

/* Is s (n bytes) one of the request's strings (the command, a typed id:
 * fuzz_ctl's to check)? */
static bool
typed(const char *s, size_t n)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)request, k, v)
	{
		if (json_is_string(v) && json_string_length(v) == n &&
		    memcmp(json_string_value(v), s, n) == 0)
			return true;
	}
	return false;
}

static void
keep_private(const char *s, size_t n)
{
	if (n < 6 || memchr(s, '\0', n) != NULL || typed(s, n))
		return;
	strings_add(&private_s, s, n);
}

/* A digest of the audit's chain (hash, prev_hash), wherever it is. */
static bool
hex_digest(const char *s)
{
	size_t n = strlen(s);

	return n >= 32 && strspn(s, "0123456789abcdef") == n;
}

/* Is v, told under the key k, an id of that key's shape? */
static void
keep_told(const char *k, const json_t *v)
{
	const char *s = json_string_value(v);

	if (s == NULL || strlen(s) != json_string_length(v))
		return;
	if ((strcmp(k, "id") == 0 && known_id(s)) ||
	    (strcmp(k, "ref") == 0 && mash_ref_valid(s)))
		strings_add(&told_ids, s, strlen(s));
}

/* Members of an answer that may be told: ids (a reference, an
 * alert's, a task's), the audit chain's digests, a holder's login, and
 * mashd's own words (a timer, a rating, an event, why a record is
 * damaged). */
static bool
told(const char *k)
{
	static const char *const keys[] = {"id",	"ref",	  "hash",
					   "prev_hash", "holder", "timer",
					   "brag",	"event",  "damaged"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* Keep v's strings, but under the keys that may be told. A string that
 * is itself JSON (the stored record, show.lua's "record" field) is read
 * too, and its strings kept: a child's name is as private alone as in
 * the record's whole text. */
static void
private_json(const json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		json_t *inner = json_loadb(s, n, 0, NULL);

		keep_private(s, n);
		if (inner != NULL)
			private_json(inner);
		json_decref(inner);
	}
	json_object_foreach((json_t *)v, k, e)
	{
		if (!told(k))
			private_json(e);
		else
			keep_told(k, e);
	}
	json_array_foreach(v, i, e) private_json(e);
}

static void
private_reply(const redisReply *r, bool first)
{
	if (r->type == REDIS_REPLY_STRING) {
		json_t *o = json_loadb(r->str, r->len, 0, NULL);

		if (o != NULL)
			private_json(o);
		else if (!first)
			keep_private(r->str, r->len);
		json_decref(o);
	}
	/* an item's first element is its reference */
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		private_reply(r->element[i], i == 0);
}

/* A stop whose grace is over (ctl_stop.c's conn_abandon): a stream is
 * told, and its connection written no more. */
static void
stop(void)
{
	void (*fn)(void *) = conn != NULL ? conn->abandon : NULL;

	if (fn != NULL && conn->busy) {
		conn->abandon = NULL;
		fn(conn->abandon_arg);
	}
}

/* Is r the input's "~stop": RESP's status +~stop (which no script and no
 * read answers), or a line? */
static bool
stop_mark(const redisReply *r)
{
	int type = reader != NULL ? REDIS_REPLY_STATUS : REDIS_REPLY_STRING;

	return r->type == type && r->len == 5 &&
	       memcmp(r->str, "~stop", 5) == 0;
}

/* The next answer: a reply to free, or NULL when there is none. A
 * "~stop" before it stops mashd first. A read's strings are all kept:
 * a referral's fields, its record. */
static redisReply *next_reply(void);

static redisReply *
next_answer(bool read)
{
	redisReply *r;

	while ((r = next_reply()) != NULL && stop_mark(r)) {
		freeReplyObject(r);
		stop();
	}
	if (r != NULL && r->type != REDIS_REPLY_ERROR) {
		private_reply(r, false);
		for (size_t i = 0;
		     read && r->type == REDIS_REPLY_ARRAY && i < r->elements;
		     i++)
			private_reply(r->element[i], false);
	}
	return r;
}

static redisReply *
next_reply(void)
{
	redisReply *r = NULL;

	if (reader != NULL) {
		void *v = NULL;

		if (redisReaderGetReply(reader, &v) != REDIS_OK)
			return NULL;
		r = v;
	} else if (ans < ans_end) {
		const char *nl = memchr(ans, '\n', (size_t)(ans_end - ans));
		const char *end = nl != NULL ? nl : ans_end;
		bool error = *ans == '-';
		size_t n = (size_t)(end - ans) - (error ? 1 : 0);

		r = calloc(1, sizeof(*r));
		if (r == NULL || (r->str = malloc(n + 1)) == NULL)
			fuzz_fail("out of memory");
		memcpy(r->str, ans + (error ? 1 : 0), n);
		r->str[n] = '\0';
		r->len = n;
		r->type = error ? REDIS_REPLY_ERROR : REDIS_REPLY_STRING;
		ans = nl != NULL ? nl + 1 : ans_end;
	}
	return r;
}

/* Is an answer's array header too long for a real answer? hiredis 0.14
 * allocates the elements' pointers as the header comes. */
static bool
too_long(const char *p, const char *end)
{
	for (; p < end; p++) {
		long long n = 0;

		if (*p != '*')
			continue;
		for (const char *d = p + 1; d < end && *d >= '0' && *d <= '9';
		     d++)
			if ((n = n * 10 + (*d - '0')) > MAX_ELEMENTS)
				return true;
	}
	return false;
}

/* ---- the log: nothing a script answered but an id ----------------- */

/* What may be logged of an answer: a reference, a digest (the audit's),
 * an id the answer told under "id" or "ref", or the id the request
 * typed. A string of another shape, or found under another key, is not
 * an id however it looks (a date of birth, an NHS number). */
static bool
answer_id(const char *s)
{
	return mash_ref_valid(s) || hex_digest(s) ||
	       strings_has(&told_ids, s) ||
	       (typed(s, strlen(s)) && known_id(s));
}

static void
log_arg(const char *fmt, const char *a)
{
	if (a == NULL || answer_id(a))
		return;
	for (size_t i = 0; i < private_s.n; i++)
		if (strstr(a, private_s.s[i]) != NULL &&
		    strstr(fmt, private_s.s[i]) == NULL &&
		    strstr(actor, private_s.s[i]) == NULL)
			fuzz_fail("a script's answer \"%s\" logged by \"%s\"",
				  private_s.s[i], fmt);
}

/* ---- the store: every call waits for the input's next answer ------- */

static struct pending *
push(void)
{
	if (ncalls == calls_cap) {
		size_t cap = calls_cap > 0 ? 2 * calls_cap : 64;
		struct pending *m = malloc(cap * sizeof(*m));

		if (m == NULL)
			fuzz_fail("out of memory");
		for (size_t k = 0; k < ncalls; k++)
			m[k] = calls[(calls_at + k) % calls_cap];
		free(calls);
		calls = m;
		calls_cap = cap;
		calls_at = 0;
	}
	return &calls[(calls_at + ncalls++) % calls_cap];
}

static int
pend(enum store_script s, const json_t *args, store_outcome_cb *cb, void *arg)
{
	struct pending *p;

	if ((unsigned)s >= SCRIPT_COUNT)
		fuzz_fail("script %d is none", (int)s);
	if (store_gone)
		return -1; /* the store is down: no call is sent */
	if (++made > MAX_CALLS)
		fuzz_fail("more than %d calls for one request", MAX_CALLS);
	if (scripts_waiting++ == MAX_AT_ONCE)
		fuzz_fail("more than %d calls at once", MAX_AT_ONCE);
	p = push();
	p->cb = cb;
	p->arg = arg;
	p->s = (int)s;
	p->after = NULL;
	p->ids = false;
	p->hmget = false;
	if (s == SCRIPT_QUEUE) {
		const char *a =
		    json_string_value(json_object_get(args, "after"));

		if (a == NULL)
			fuzz_fail("queue.lua asked without a cursor");
		p->after = strdup(a);
		p->ids = json_is_true(json_object_get(args, "ids"));
		if (p->ids && conn != NULL)
			conn->native = true;
	}
	return 0;
}

int
store_call_object(struct store *st, enum store_script s, const json_t *args,
		  store_outcome_cb *cb, void *arg)
{
	char *text;

	(void)st;
	if (!json_is_object(args) ||
	    (text = json_dumps(args, JSON_COMPACT)) == NULL)
		fuzz_fail("script %d without its arguments", (int)s);
	free(text);
	return pend(s, args, cb, arg);
}

int
store_call_object_text(struct store *st, enum store_script s,
		       const json_t *args, const char *text,
		       store_outcome_cb *cb, void *arg)
{
	json_t *r;

	if (text == NULL || (r = json_loads(text, 0, NULL)) == NULL)
		fuzz_fail("intake's record is not JSON");
	json_decref(r);
	return store_call_object(st, s, args, cb, arg);
}

int
store_call_outcome(struct store *st, enum store_script s, int argc,
		   const char *const *argv, store_outcome_cb *cb, void *arg)
{
	(void)st;
	(void)argv;
	if (argc < 1)
		fuzz_fail("script %d without arguments", (int)s);
	return pend(s, NULL, cb, arg);
}

/* The command cmd (len bytes, Redis's protocol) as hiredis's reader
 * reads it: an array of bulk strings, its arguments; NULL when cmd is
 * not one such command exactly (nothing after it). */
static redisReply *
command_of(const char *cmd, size_t len)
{
	redisReader *rd = redisReaderCreate();
	void *r = NULL, *more = NULL;
	bool one;
	redisReply *c;

	if (rd == NULL)
		fuzz_fail("out of memory");
	one = redisReaderFeed(rd, cmd, len) == REDIS_OK &&
	      redisReaderGetReply(rd, &r) == REDIS_OK && r != NULL &&
	      redisReaderGetReply(rd, &more) == REDIS_OK && more == NULL &&
	      rd->pos == rd->len;
	if (more != NULL)
		freeReplyObject(more);
	redisReaderFree(rd);
	c = r;
	one = one && c->type == REDIS_REPLY_ARRAY && c->elements >= 1;
	for (size_t i = 0; one && i < c->elements; i++)
		one = c->element[i]->type == REDIS_REPLY_STRING;
	if (!one) {
		if (r != NULL)
			freeReplyObject(r);
		return NULL;
	}
	return c;
}

static bool
arg_is(const char *a, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(a, s, n) == 0;
}

/* Is the key (n bytes) prefix .. "ref:" .. ref (NULL: any)? */
static bool
ref_key(const char *key, size_t n, const char *ref, size_t rn)
{
	const char *prefix = hub.conf->redis.prefix;
	size_t lp = strlen(prefix);

	if (ref == NULL) /* any reference */
		rn = n >= lp + 4 ? n - lp - 4 : 0;
	return n == lp + 4 + rn && memcmp(key, prefix, lp) == 0 &&
	       memcmp(key + lp, "ref:", 4) == 0 &&
	       (ref == NULL || memcmp(key + lp + 4, ref, rn) == 0);
}

/*
 * A plain read of the stream's (ctl_queue_read.c): an HMGET of a
 * referral's NFIELDS fields, each of the pages' references once and in
 * their order; or an HGET of the record of one whose fields came. It
 * waits its turn among the calls. Refused once the store is down.
 */
int
store_read(struct store *st, const char *cmd, size_t len, store_outcome_cb *cb,
	   void *arg)
{
	const char *a[2 + NFIELDS];
	size_t al[2 + NFIELDS];
	redisReply *c;
	size_t n = 0;
	struct pending *p;

	(void)st;
	if (store_gone)
		return -1;
	if ((c = command_of(cmd, len)) != NULL && c->elements <= 2 + NFIELDS)
		for (; n < c->elements; n++) {
			a[n] = c->element[n]->str;
			al[n] = c->element[n]->len;
		}
	if (n == 2 + NFIELDS && arg_is(a[0], al[0], "HMGET")) {
		while (read_page < npages && read_ref == pages[read_page].n) {
			read_page++;
			read_ref = 0;
		}
		if (read_page == npages)
			fuzz_fail("an HMGET of no reference chosen");
		if (!ref_key(a[1], al[1], pages[read_page].ref[read_ref],
			     pages[read_page].len[read_ref]))
			fuzz_fail(
			    "an HMGET of \"%.*s\" out of the page's order",
			    (int)al[1], a[1]);
		read_ref++;
	} else if (n == 3 && arg_is(a[0], al[0], "HGET") &&
		   arg_is(a[2], al[2], "record") &&
		   ref_key(a[1], al[1], NULL, 0)) {
		if (++hgets > hmgets_answered)
			fuzz_fail("a record read before its fields came");
	} else {
		fuzz_fail("a read that is no HMGET or HGET of a referral: "
			  "%.*s",
			  (int)len, cmd);
	}
	freeReplyObject(c);
	p = push();
	p->cb = cb;
	p->arg = arg;
	p->s = READ;
	p->after = NULL;
	p->ids = false;
	p->hmget = n == 2 + NFIELDS;
	return 0;
}

/* queue.lua chose a page, its references alone (as qread_new() reads
 * them: its head, then strings): kept, to be read and shown in order. */
static void
chosen(const redisReply *r)
{
	struct page *pg;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
		return;
	for (size_t i = 1; i < r->elements; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING)
			return;
	if (npages == pages_cap) {
		size_t cap = pages_cap > 0 ? 2 * pages_cap : 8;
		struct page *m = realloc(pages, cap * sizeof(*m));

		if (m == NULL)
			fuzz_fail("out of memory");
		pages = m;
		pages_cap = cap;
	}
	pg = &pages[npages++];
	pg->n = r->elements - 1;
	pg->ref = calloc(pg->n + 1, sizeof(*pg->ref));
	pg->len = calloc(pg->n + 1, sizeof(*pg->len));
	if (pg->ref == NULL || pg->len == NULL)
		fuzz_fail("out of memory");
	for (size_t i = 0; i < pg->n; i++) {
		const redisReply *e = r->element[i + 1];

		if ((pg->ref[i] = malloc(e->len + 1)) == NULL)
			fuzz_fail("out of memory");
		memcpy(pg->ref[i], e->str, e->len);
		pg->ref[i][e->len] = '\0';
		pg->len[i] = e->len;
	}
}

static void
pages_clear(void)
{
	for (size_t k = 0; k < npages; k++) {
		for (size_t i = 0; i < pages[k].n; i++)
			free(pages[k].ref[i]);
		free(pages[k].ref);
		free(pages[k].len);
	}
	npages = read_page = read_ref = shown_page = 0;
	hgets = hmgets_answered = 0;
}

/* A stream's page: the cursor asked is the one its last page named. */
static void
check_cursor(struct ctl_conn *c, const struct pending *p)
{
	if (!c->stream)
		return;
	if (strcmp(p->after, c->cursor) != 0)
		fuzz_fail("a stream asked after \"%s\", its page named \"%s\"",
			  p->after, c->cursor);
}

/* Answer the first call waiting: 0, or -1 when none waits. */
static int
answer_one(struct ctl_conn *c)
{
	struct pending p;
	struct store_result sr = {.outcome = STORE_DONE};
	redisReply *r;

	if (ncalls == 0)
		return -1;
	p = calls[calls_at];
	calls_at = (calls_at + 1) % calls_cap;
	ncalls--;
	if (p.s != READ)
		scripts_waiting--;
	else if (p.hmget)
		hmgets_answered++;
	if (p.s == SCRIPT_QUEUE)
		check_cursor(c, &p);
	free(p.after);
	/* the store lost: every call waiting is answered so, in turn */
	r = store_gone ? NULL : next_answer(p.s == READ);
	if (r == NULL) {
		store_gone = true;
		sr.outcome = STORE_UNKNOWN;
		sr.err = "the connection to redis was lost";
	} else if (r->type == REDIS_REPLY_ERROR) {
		sr.err = r->str;
	} else {
		sr.reply = r;
		if (p.s == SCRIPT_QUEUE && p.ids)
			chosen(r);
	}
	p.cb(&sr, p.arg);
	freeReplyObject(r);
	return 0;
}

/* ---- the connection ----------------------------------------------- */

unsigned
ctl_roles(const struct ctl_conn *c)
{
	(void)c;
	return CTL_ROLE(CTL_CALL_HANDLERS) | CTL_ROLE(CTL_NAVIGATORS) |
	       CTL_ROLE(CTL_SUPERVISORS) | CTL_ROLE(CTL_ADMINS);
}

/* Does s say something: a letter anywhere, as ctl_args.c's says() asks
 * of Redis's error? A refusal may end with what the user typed ('"123"
 * is not a page of this list', once 'not a page of this list: "123"'),
 * so no part of it is held to have its own letter. A sentence ctl_error
 * cut (its 511 bytes, ctl_mend keeping their count) may have said its
 * letters past the cut. */
static bool
sentence(const char *s)
{
	static const char letters[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

	return strpbrk(s, letters) != NULL || strlen(s) == 511;
}

/* A success that tells counts tells the script's: none made up (a
 * count the answer lacked, shown null or 0). */
static void
check_counts(const json_t *o)
{
	static const struct {
		const char *cmd, *keys[2];
	} counted[] = {{"callbacks", {"open", "closed"}},
		       {"audit_verify", {"checked", "unchained"}}};
	const char *cmd = json_string_value(json_object_get(request, "cmd"));

	if (cmd == NULL || !json_is_true(json_object_get(o, "ok")))
		return;
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		for (size_t k = 0; strcmp(cmd, counted[i].cmd) == 0 && k < 2;
		     k++)
			if (!json_is_integer(
				json_object_get(o, counted[i].keys[k])))
				fuzz_fail("\"%s\" answered without its \"%s\"",
					  cmd, counted[i].keys[k]);
}

static void
answer_checked(struct ctl_conn *c, json_t *o)
{
	const json_t *ok = json_object_get(o, "ok");
	const char *err = json_string_value(json_object_get(o, "error"));

	if (!json_is_object(o))
		fuzz_fail("an answer that is no object");
	if (!json_is_boolean(ok))
		fuzz_fail("an answer without \"ok\"");
	if (json_is_false(ok) && (err == NULL || !sentence(err)))
		fuzz_fail("a refusal without a sentence: \"%s\"",
			  err != NULL ? err : "");
	if (c->terminal > 0)
		fuzz_fail("an answer after the request's last");
	check_counts(o);
}

/* A stream that is cut after a page says where to go on from. */
static void
check_cut(struct ctl_conn *c, const json_t *o)
{
	const char *err = json_string_value(json_object_get(o, "error"));
	char want[sizeof(c->cursor) + 16];

	if (!c->stream || json_is_true(json_object_get(o, "ok")))
		return;
	if (!c->cut_after) {
		if (strstr(err, "no referral was sent") == NULL)
			fuzz_fail("a stream cut before its first cursor, "
				  "saying \"%s\"",
				  err);
		return;
	}
	if (strlen(c->cursor) >= CURSOR_KEPT) {
		/* none to go on from: cut where the page ended, saying so */
		snprintf(want, sizeof(want),
			 "cut after %lld referrals: ", c->sent);
		if (strstr(err, want) == NULL ||
		    strstr(err, "too long to go on from") == NULL)
			fuzz_fail(
			    "a stream cut after a long cursor says \"%s\"",
			    err);
		return;
	}
	snprintf(want, sizeof(want), "--after %s", c->cursor);
	if (strstr(err, want) == NULL)
		fuzz_fail("a stream cut after \"%s\" says \"%s\"", c->cursor,
			  err);
}

void
ctl_send(struct ctl_conn *c, json_t *o)
{
	char *text;

	if (o == NULL)
		fuzz_fail("an answer that could not be built");
	if (c->gone) { /* ctl.c writes nothing after a stop's */
		json_decref(o);
		return;
	}
	answer_checked(c, o);
	if (getenv("FUZZ_SHOW") != NULL)
		json_dumpf(o, stderr, JSON_COMPACT), fputc('\n', stderr);
	check_cut(c, o);
	if ((text = json_dumps(o, JSON_COMPACT)) == NULL)
		fuzz_fail("an answer that does not serialise");
	free(text);
	json_decref(o);
	c->terminal++;
}

/* One line of what mashd writes: a JSON object, NULL-checked. */
static json_t *
line_json(const char *p, size_t n, const char *what)
{
	json_t *o = json_loadb(p, n, 0, NULL);

	if (!json_is_object(o))
		fuzz_fail("%s that is no JSON object: %.*s", what, (int)n, p);
	return o;
}

/* A page's items: objects whose id is a string. */
static void
check_items(const json_t *items)
{
	const json_t *it;
	size_t i;

	if (!json_is_array(items))
		fuzz_fail("a page without its items");
	json_array_foreach(items, i, it)
	{
		if (!json_is_string(json_object_get(it, "id")))
			fuzz_fail("an item without its id");
	}
}

/* The reference ref (n bytes) as queue_item.c shows it: UTF-8 kept, each
 * other byte (and NUL) U+FFFD. */
static char *
mended(const char *ref, size_t n, size_t *len)
{
	static const unsigned char first[] = {0xC2, 0xE0, 0xF0, 0xF5};
	const unsigned char *u = (const unsigned char *)ref;
	char *m = malloc(3 * n + 1);
	size_t at = 0, i = 0;

	if (m == NULL)
		fuzz_fail("out of memory");
	while (i < n) {
		size_t seq = 0;
		json_t *t;

		for (size_t k = 0; k < 3; k++)
			if (u[i] >= first[k] && u[i] < first[k + 1])
				seq = k + 2;
		if (u[i] != 0 && u[i] < 0x80) {
			m[at++] = ref[i++];
		} else if (seq > 0 && seq <= n - i &&
			   (t = json_stringn(ref + i, seq)) != NULL) {
			json_decref(t);
			memcpy(m + at, ref + i, seq);
			at += seq;
			i += seq;
		} else {
			memcpy(m + at, "\xEF\xBF\xBD", 3);
			at += 3;
			i++;
		}
	}
	m[at] = '\0'; /* printed with %s when the item is not it */
	*len = at;
	return m;
}

/* A stream's item of a referral mashd read: the reference queue.lua
 * chose for its place; damaged, it says why. */
static void
check_read_item(const json_t *item, const char *ref, size_t n)
{
	const json_t *id = json_object_get(item, "id");
	size_t len;
	char *want = mended(ref, n, &len);

	if (json_string_length(id) != len ||
	    memcmp(json_string_value(id), want, len) != 0)
		fuzz_fail("an item of \"%s\" in the place of \"%s\"",
			  json_string_value(id), want);
	free(want);
	if (json_is_string(json_object_get(item, "status")) &&
	    strcmp(json_string_value(json_object_get(item, "status")),
		   "damaged") == 0 &&
	    !json_is_string(json_object_get(item, "damaged")))
		fuzz_fail("a damaged item that does not say why");
}

/* A stream's page: head, items, tail, each a line. */
static void
stream_page(struct ctl_conn *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	json_t *head, *tail, *next;
	json_int_t n, sent;
	const struct page *pg = NULL;

	nl = memchr(p, '\n', len);
	head = line_json(p, (size_t)(nl - p), "a stream page's head");
	n = json_integer_value(json_object_get(head, "items"));
	if (!json_is_true(json_object_get(head, "ok")) ||
	    json_object_size(head) != 2 || n < 0)
		fuzz_fail("a stream page's head is not {ok, items}");
	json_decref(head);
	if (c->native) {
		if (shown_page == npages)
			fuzz_fail("a stream page queue.lua did not choose");
		pg = &pages[shown_page++];
		if ((size_t)n != pg->n)
			fuzz_fail("a page of %lld items, of %zu references",
				  (long long)n, pg->n);
	}
	p = nl + 1;
	for (json_int_t i = 0; i < n; i++) {
		json_t *item;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			fuzz_fail("a stream page with %lld items of %lld",
				  (long long)i, (long long)n);
		if ((size_t)(nl - p) < 8 || memcmp(p, "{\"id\":\"", 7) != 0)
			fuzz_fail("an item line not as mashctl expects: %.*s",
				  (int)(nl - p), p);
		item = line_json(p, (size_t)(nl - p), "an item line");
		if (pg != NULL)
			check_read_item(item, pg->ref[i], pg->len[i]);
		json_decref(item);
		p = nl + 1;
	}
	if (memchr(p, '\n', (size_t)(end - p)) != NULL)
		fuzz_fail("a stream page with more lines than its items");
	tail = line_json(p, (size_t)(end - p), "a stream page's tail");
	sent = json_integer_value(json_object_get(tail, "sent"));
	next = json_object_get(tail, "next");
	if (sent != c->sent + n ||
	    !json_is_string(json_object_get(tail, "now")))
		fuzz_fail("a tail that counts %lld sent of %lld",
			  (long long)sent, c->sent + (long long)n);
	c->sent = sent;
	if (json_is_null(next)) {
		c->terminal++;
	} else if (json_is_string(next)) {
		snprintf(c->cursor, sizeof(c->cursor), "%s",
			 json_string_value(next));
		c->cut_after = true;
	} else {
		fuzz_fail("a tail whose next is no cursor");
	}
	json_decref(tail);
}

void
ctl_send_text(struct ctl_conn *c, const char *text, size_t len)
{
	json_t *o;

	if (c->gone)
		return; /* ctl.c writes nothing after a stop's */
	if (getenv("FUZZ_SHOW") != NULL) /* to look at a seed's */
		fprintf(stderr, "%.*s\n", (int)len, text);
	if (c->terminal > 0)
		fuzz_fail("text after the request's last answer");
	if (memchr(text, '\n', len) != NULL) {
		if (!json_is_true(json_object_get(c->req, "stream")))
			fuzz_fail("lines for a request that is no stream");
		c->stream = true;
		stream_page(c, text, len);
		return;
	}
	o = line_json(text, len, "an answer");
	if (json_object_get(o, "items") != NULL)
		check_items(json_object_get(o, "items"));
	ctl_send(c, o);
}

void
ctl_wait(struct ctl_conn *c, bool hold)
{
	if (c->busy || c->waits++ > 0)
		fuzz_fail("waiting twice");
	c->busy = true;
	c->held = hold;
	if (hold)
		lifecycle_hold(NULL);
}

void
ctl_done(struct ctl_conn *c)
{
	if (!c->busy || c->dones++ > 0)
		fuzz_fail("done without waiting");
	if (c->held)
		lifecycle_release(NULL);
	c->busy = c->held = false;
}

void
ctl_on_abandon(struct ctl_conn *c, void (*fn)(void *arg), void *arg)
{
	c->abandon = fn;
	c->abandon_arg = arg;
}

void
ctl_abandoned(struct ctl_conn *c)
{
	if (c->held)
		lifecycle_release(NULL);
	c->held = false;
	c->gone = true;
}

bool
ctl_gone(const struct ctl_conn *c)
{
	return c->gone;
}

int
ctl_call(struct ctl_conn *c, enum store_script s, json_t *args,
	 store_json_cb *cb)
{
	if (args == NULL) {
		ctl_error(c, "nothing was done: the request cannot be put "
			     "into JSON for the store");
		return -1;
	}
	if (store_call_json(hub.store, s, args, cb, c) != 0) {
		if (!store_gone)
			fuzz_fail("store_call_json refused a call");
		ctl_error(c, "the referral store is unreachable; try again");
		return -1;
	}
	ctl_wait(c, true);
	return 0;
}

/* The pages before are written at once, or on the next turn: both ways
 * of page_done, one page each. */
bool
ctl_drained_now(const struct ctl_conn *c)
{
	return !c->gone && made % 2 == 1;
}

/* ---- the daily digest: "~digest", no command of the socket's ------ */

#define DIGEST_MAX 20000 /* bytes of the digest's text (digest.c's) */

static int
longer_first(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* mashd's words (told_words), once, longest first. */
static void
told_words_fill(void)
{
	for (size_t i = 0; i < TIMER_COUNT; i++)
		strings_add(&told_words, timer_words[i].name,
			    strlen(timer_words[i].name));
	for (int b = 0; b < BRAG_COUNT; b++)
		strings_add(&told_words, brag_name((enum brag)b),
			    strlen(brag_name((enum brag)b)));
	for (size_t i = 0; i < EVENT_COUNT; i++)
		strings_add(&told_words, alert_event_names[i],
			    strlen(alert_event_names[i]));
	qsort(told_words.s, told_words.n, sizeof(*told_words.s), longer_first);
}

/* The digest's text (n bytes) with mashd's words (told_words) blotted
 * out, longest first: what is left is mashd's and what it must not
 * tell. */
static const char *
masked(const char *text, size_t n)
{
	static char copy[DIGEST_MAX];

	memcpy(copy, text, n);
	copy[n] = '\0';
	if (told_words.n == 0)
		told_words_fill();
	for (size_t i = 0; i < told_words.n; i++) {
		const char *w = told_words.s[i];
		char *p = copy;

		while ((p = strstr(p, w)) != NULL)
			memset(p, '\x01', strlen(w));
	}
	return copy;
}

/* g with each string that is not a number made "": the digest made of
 * it says mashd's words alone, in the same sections. */
static json_t *
blanked(const json_t *g)
{
	const char *k;
	json_t *e, *out;
	size_t i;

	if (json_is_string(g)) {
		const char *v = json_string_value(g);

		return json_string(strspn(v, "-0123456789") == strlen(v) ? v
									 : "");
	}
	if (json_is_array(g)) {
		out = json_array();
		json_array_foreach(g, i, e)
		    json_array_append_new(out, blanked(e));
		return out;
	}
	if (json_is_object(g)) {
		out = json_object();
		json_object_foreach((json_t *)g, k, e)
		    json_object_set_new(out, k, blanked(e));
		return out;
	}
	return json_incref((json_t *)g);
}

/* The digest's bytes: NUL-terminated within their buffer, UTF-8 (a
 * mail's body), no answer string but ids, holders and words of mashd's
 * (a string with a letter that the digest of no answer strings, own,
 * says too, as the log's check passes a format's words). */
static void
check_digest(const char *text, size_t len, const char *detail, const char *own)
{
	const char *end = memchr(text, '\0', len);
	json_t *t;

	if (end == NULL)
		fuzz_fail("a digest without its end");
	if ((t = json_stringn(text, (size_t)(end - text))) == NULL)
		fuzz_fail("a digest that is no UTF-8");
	json_decref(t);
	text = masked(text, (size_t)(end - text));
	for (size_t i = 0; i < private_s.n; i++)
		if (strstr(text, private_s.s[i]) != NULL &&
		    !answer_id(private_s.s[i]) &&
		    (strstr(own, private_s.s[i]) == NULL ||
		     strpbrk(private_s.s[i],
			     "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == NULL))
			fuzz_fail("the digest tells \"%s\" of an answer",
				  private_s.s[i]);
	for (const char *p = detail; *p != '\0'; p++)
		if (*p < ' ' || *p > '~')
			fuzz_fail("a digest's detail not printable ASCII");
}

static void
gathered(json_t *g, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	const struct digest_when w = {fuzz_instant("2026-11-30T08:00:00Z"),
				      fuzz_instant("2026-11-30T08:00:05Z"),
				      fuzz_instant("2026-11-29T00:00:00Z"),
				      fuzz_instant("2026-11-30T00:00:00Z")};
	static char text[DIGEST_MAX], own[DIGEST_MAX], detail[512];
	json_t *b;

	if (c->terminal++ > 0)
		fuzz_fail("a digest gathered twice");
	if (g == NULL) {
		if (err == NULL || err[0] == '\0')
			fuzz_fail("a digest not gathered, without a reason");
		return;
	}
	if (!json_is_true(json_object_get(g, "sent"))) {
		if ((b = blanked(g)) == NULL)
			fuzz_fail("out of memory");
		digest_text(conf->calendar, b, json_object_get(c->req, "total"),
			    &w, own, sizeof(own), detail, sizeof(detail));
		json_decref(b);
		digest_text(conf->calendar, g, json_object_get(c->req, "total"),
			    &w, text, sizeof(text), detail, sizeof(detail));
		check_digest(text, sizeof(text), detail, own);
		if (getenv("FUZZ_SHOW") != NULL) /* to look at a seed's */
			fprintf(stderr, "%s%s\n", text, detail);
	}
	json_decref(g);
}

static void
digest_request(struct ctl_conn *c)
{
	json_int_t max = json_integer_value(json_object_get(c->req, "max"));
	json_int_t scan = json_integer_value(json_object_get(c->req, "scan"));

	if (digest_pages_gather(
		hub.store, "2026-11-30", fuzz_instant("2026-11-29T08:00:00Z"),
		(int)(max % 100), (int)(scan % 5000 + 1), gathered, c) != 0)
		fuzz_fail("a digest not asked");
	while (answer_one(c) == 0)
		;
	if (c->terminal != 1)
		fuzz_fail("a digest gathered %d times", c->terminal);
}

/* ---- one request, its answers from the input --------------------- */

static void
one_request(const char *line, size_t len)
{
	struct ctl_conn c = {0};
	const struct ctl_command *cmd = NULL;
	const char *name;

	c.req = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	request = c.req;
	conn = &c;
	name = ctl_arg(&c, "cmd");
	for (size_t i = 0; name != NULL && i < ctl_ncommands; i++)
		if (strcmp(name, ctl_commands[i].name) == 0)
			cmd = &ctl_commands[i];
	if (name != NULL && strcmp(name, "~digest") == 0)
		digest_request(&c);
	if (cmd == NULL) {
		request = NULL;
		conn = NULL;
		json_decref(c.req);
		return;
	}
	cmd->fn(&c);
	while (answer_one(&c) == 0)
		;
	if (c.busy)
		fuzz_fail("%s: a request never done", name);
	if (c.terminal != 1)
		fuzz_fail("%s: %d answers", name, c.terminal);
	if (c.waits != c.dones)
		fuzz_fail("%s: waited %d times, done %d", name, c.waits,
			  c.dones);
	if (holds != 0)
		fuzz_fail("%s: work still in flight after the answer", name);
	request = NULL;
	conn = NULL;
	json_decref(c.req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;

	if (conf == NULL) {
		char err[512];

		if ((conf = config_load(NULL, err, sizeof(err))) == NULL)
			fuzz_fail("config: %s", err);
		hub.conf = conf;
		if ((hub.base = event_base_new()) == NULL)
			fuzz_fail("no event base");
	}
	if ((nl = memchr(p, '\n', size)) == NULL)
		return 0;
	ans = nl + 1;
	ans_end = end;
	if (ans < end && *ans == 'R') {
		if (too_long(ans, end))
			return 0;
		if ((reader = redisReaderCreate()) == NULL ||
		    redisReaderFeed(reader, ans + 1, (size_t)(end - ans - 1)) !=
			REDIS_OK)
			fuzz_fail("no redisReader");
	}
	made = scripts_waiting = 0;
	store_gone = false;
	one_request(p, (size_t)(nl - p));
	if (ncalls != 0)
		fuzz_fail("%zu calls never answered", ncalls);
	pages_clear();
	if (reader != NULL)
		redisReaderFree(reader);
	reader = NULL;
	strings_clear(&private_s);
	strings_clear(&told_ids);
	return 0;
}
