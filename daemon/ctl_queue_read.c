/*
 * ctl_queue_read.c: a stream's page read by mashd itself ("Redis
 * selects, mashd shows"). queue.lua, asked with "ids", chose the page
 * (range, cursor, scan and limit, its head with now and next) and
 * answered its references alone; each referral is read here with one
 * plain HMGET of queue.lua's fields (its WANT: the same order, which
 * queue_item.c reads) on the key queue.lua would use (prefix .. "ref:"
 * .. id), all of a page's HMGETs written at once, on the store's one
 * connection (store_read(): redis.timeout, a lost connection and a stop
 * answer them as any call). Redis's work a referral: a lookup and its
 * reply, not a script's tables (BENCHMARKS.md).
 *
 * Each item is made (queue_item.c, the one builder) as its reply comes,
 * so the event loop is held a few items at a time, not a page. What
 * queue.lua decided from the fields is decided here the same way:
 * damaged when the key is no hash (WRONGTYPE: "not a hash") or has no
 * status ("missing"); categories as its categories_of() (the field when
 * it is a JSON list with a string in it, else the record's
 * concern.categories, read by a second HGET for those few only); repeat
 * as its repeat_of(). The JSON stored in a field is read with jansson
 * where queue.lua used Lua's cjson: the same for every value mashd
 * writes; for odd ones, see queue_json.c.
 *
 * Not atomic: a referral is read a moment after its page was chosen, so
 * one decided (or claimed, re-rated) in between is shown as read then,
 * with its new status. The cursor is the selection's, so each referral
 * open throughout is still sent exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/words.h"

#include "ctl_queue.h"
#include "ctl_queue_read.h"
#include "queue_item.h"
#include "queue_json.h"

#define HEAD_MAX 64

struct qread {
	struct store *st;
	struct queue_items *q; /* borrowed */
	qread_done_cb *done;
	void *arg;
	size_t n;	  /* items */
	size_t got;	  /* HMGET replies come so far */
	size_t left;	  /* replies awaited */
	char *ids;	  /* the references, as queue.lua sent them */
	size_t *id_at;	  /* where each starts in ids */
	size_t *id_len;	  /* and its bytes (any: RESP is binary-safe) */
	size_t id_max;	  /* the longest's */
	char *text;	  /* the head line, then each item and "\n" */
	size_t len, cap;  /* of text */
	size_t *at, *end; /* where each item is in text */
	size_t in_order;  /* the item that made next keeps the order */
	bool moved;	  /* an item made out of order (its record read) */
	bool long_next;	  /* the cursor after it does not fit next */
	char *prefix;	  /* redis.prefix, kept (a reload may free the conf) */
	char *tail;	  /* the tail line */
	size_t head_len;  /* of the head line in text */
	char *cats_text;  /* the last categories field read, and its list */
	size_t cats_len;
	json_t *cats;
	char why[512]; /* "" or why the page cannot be made */
};

/* A referral whose record is read for its categories. */
struct pending {
	struct qread *r;
	size_t i;
	redisReply v, *el[NFIELDS], f[NFIELDS];
};

static void
fail(struct qread *r, const char *why)
{
	if (r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), "%s", why);
}

/* ---- the fields' JSON (queue_json.c) --------------------------------- */

/* The strings a categories field shows, when it is a JSON list with a
 * string in it (borrowed: kept for the next item, whose field is most
 * often the same); else NULL. */
static const json_t *
cats_shown(struct qread *r, const redisReply *f)
{
	json_t *list, *shown;
	char *copy;

	if (f->type != REDIS_REPLY_STRING)
		return NULL;
	if (r->cats_text != NULL && r->cats_len == f->len &&
	    memcmp(r->cats_text, f->str, f->len) == 0)
		return r->cats;
	if ((copy = malloc(f->len + 1)) == NULL) {
		fail(r, CTL_QUEUE_UNMADE);
		return NULL;
	}
	list = queue_json_load(f->str, f->len);
	shown = queue_json_strings(list);
	json_decref(list);
	if (shown != NULL && json_array_size(shown) == 0) {
		json_decref(shown);
		shown = NULL;
	}
	memcpy(copy, f->str, f->len);
	free(r->cats_text);
	json_decref(r->cats);
	r->cats_text = copy;
	r->cats_len = f->len;
	r->cats = shown;
	return shown;
}

/* queue.lua's repeat_of() of a field (queue_json.c). */
static const char *
repeat_of(const redisReply *f, char *buf, size_t sz)
{
	return f->type == REDIS_REPLY_STRING
		   ? queue_json_repeat(f->str, f->len, buf, sz)
		   : NULL;
}

/* ---- the items -------------------------------------------------------- */

static void
str_reply(redisReply *out, const char *s, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->type = REDIS_REPLY_STRING;
	out->str = (char *)s;
	out->len = n;
}

/* Item i's text made from e (queue.lua's shape: {id, fields, categories,
 * repeat}, or {id, why}) at the end of text, then "\n". */
static void
append(struct qread *r, size_t i, const redisReply *e)
{
	if (i != r->in_order)
		r->moved = true;
	r->in_order = i + 1;
	r->at[i] = r->len;
	if (queue_item_append(r->q, e, &r->text, &r->len, &r->cap) != 0) {
		fail(r, CTL_QUEUE_UNMADE);
		return;
	}
	if (r->len + 1 >= r->cap) {
		char *b = realloc(r->text, r->cap = r->len + 4096);

		if (b == NULL) {
			fail(r, CTL_QUEUE_UNMADE);
			return;
		}
		r->text = b;
	}
	r->end[i] = r->len;
	r->text[r->len++] = '\n';
}

static void
damaged(struct qread *r, size_t i, const char *why)
{
	redisReply id, w, *el[2] = {&id, &w}, e = {0};

	str_reply(&id, r->ids + r->id_at[i], r->id_len[i]);
	str_reply(&w, why, strlen(why));
	e.type = REDIS_REPLY_ARRAY;
	e.elements = 2;
	e.element = el;
	append(r, i, &e);
}

/* Item i of its fields v, categories cats (strings), repeat rep. */
static void
made(struct qread *r, size_t i, const redisReply *v, const json_t *cats,
     const char *rep)
{
	size_t nc = json_array_size(cats);
	redisReply id, c = {0}, rp = {0}, e = {0}, *el[4];
	redisReply *cs = calloc(nc + 1, sizeof(*cs));
	redisReply **cp = calloc(nc + 1, sizeof(*cp));

	if (cs == NULL || cp == NULL) {
		fail(r, CTL_QUEUE_UNMADE);
		goto out;
	}
	for (size_t k = 0; k < nc; k++) {
		const json_t *s = json_array_get(cats, k);

		str_reply(&cs[k], json_string_value(s), json_string_length(s));
		cp[k] = &cs[k];
	}
	str_reply(&id, r->ids + r->id_at[i], r->id_len[i]);
	c.type = REDIS_REPLY_ARRAY;
	c.elements = nc;
	c.element = cp;
	if (rep != NULL)
		str_reply(&rp, rep, strlen(rep));
	else
		rp.type = REDIS_REPLY_NIL;
	el[0] = &id;
	el[1] = (redisReply *)v;
	el[2] = &c;
	el[3] = &rp;
	e.type = REDIS_REPLY_ARRAY;
	e.elements = 4;
	e.element = el;
	append(r, i, &e);
out:
	free(cs);
	free(cp);
}

static void
pending_free(struct pending *p)
{
	for (size_t k = 0; k < NFIELDS; k++)
		free(p->f[k].str);
	free(p);
}

/* The record read for item p->i: its concern's categories shown. */
static void
record_done(const struct store_result *res, void *arg)
{
	struct pending *p = arg;
	struct qread *r = p->r;
	char buf[32];

	r->left--;
	if (res->err != NULL && strncmp(res->err, "WRONGTYPE", 9) == 0) {
		/* made no hash since its fields were read: as fields_read() */
		if (r->why[0] == '\0')
			damaged(r, p->i, "not a hash");
	} else if (res->err != NULL) {
		char why[512];

		snprintf(why, sizeof(why), "redis: %s", ctl_failure(res->err));
		fail(r, why);
	} else if (r->why[0] == '\0') {
		const redisReply *rec = res->reply;
		json_t *o = rec->type == REDIS_REPLY_STRING
				? queue_json_load(rec->str, rec->len)
				: NULL;
		json_t *cats = queue_json_strings(json_object_get(
		    json_object_get(o, "concern"), "categories"));

		if (cats == NULL)
			fail(r, CTL_QUEUE_UNMADE);
		else
			made(r, p->i, &p->v, cats,
			     repeat_of(p->el[F_REPEAT], buf, sizeof(buf)));
		json_decref(cats);
		json_decref(o);
	}
	pending_free(p);
	if (r->left == 0)
		r->done(r, r->arg);
}

/* The bytes a command() of `start`, prefix, a reference of up to idmax
 * bytes and `rest` needs at most. */
static size_t
command_room(const char *start, const char *prefix, size_t idmax,
	     const char *rest)
{
	return strlen(start) + 24 + strlen(prefix) + 4 + idmax + 2 +
	       strlen(rest) + 1;
}

/* A command of Redis's protocol: `start`, the key prefix .. "ref:" .. id,
 * then `rest` (its arguments after the key, formatted) into buf; copied,
 * not formatted (a page's thousand HMGETs); 0 when it does not fit. */
static size_t
command(char *buf, size_t sz, const char *start, const char *prefix,
	const char *id, size_t li, const char *rest)
{
	size_t ls = strlen(start), lp = strlen(prefix);
	size_t lr = strlen(rest), at = ls, kl = lp + 4 + li;
	char num[24];
	int ln = snprintf(num, sizeof(num), "$%zu\r\n", kl);

	if (ln < 0 || ls + (size_t)ln + kl + 2 + lr >= sz)
		return 0;
	memcpy(buf, start, ls);
	memcpy(buf + at, num, (size_t)ln);
	at += (size_t)ln;
	memcpy(buf + at, prefix, lp);
	memcpy(buf + at + lp, "ref:", 4);
	memcpy(buf + at + lp + 4, id, li);
	at += kl;
	memcpy(buf + at, "\r\n", 2);
	memcpy(buf + at + 2, rest, lr);
	return at + 2 + lr;
}

/* Item i's record asked for (HGET key record), its fields kept. */
static void
record_ask(struct qread *r, size_t i, const redisReply *v)
{
	const char *prefix = r->prefix;
	static const char start[] = "*3\r\n$4\r\nHGET\r\n",
			  rest[] = "$6\r\nrecord\r\n";
	struct pending *p = calloc(1, sizeof(*p));
	size_t room = command_room(start, prefix, r->id_len[i], rest);
	char *cmd = malloc(room);
	size_t n = cmd != NULL
		       ? command(cmd, room, start, prefix, r->ids + r->id_at[i],
				 r->id_len[i], rest)
		       : 0;
	bool ok = p != NULL && n > 0;

	for (size_t k = 0; ok && k < NFIELDS; k++) {
		const redisReply *f = v->element[k];

		p->el[k] = &p->f[k];
		p->f[k].type = f->type;
		if (f->type == REDIS_REPLY_STRING) {
			ok = (p->f[k].str = malloc(f->len + 1)) != NULL;
			if (ok) {
				memcpy(p->f[k].str, f->str, f->len);
				p->f[k].str[f->len] = '\0';
				p->f[k].len = f->len;
			}
		}
	}
	if (!ok) {
		fail(r, CTL_QUEUE_UNMADE);
	} else {
		p->r = r;
		p->i = i;
		p->v.type = REDIS_REPLY_ARRAY;
		p->v.elements = NFIELDS;
		p->v.element = p->el;
		if (store_read(r->st, cmd, n, record_done, p) == 0) {
			r->left++;
			free(cmd);
			return;
		}
		fail(r, "the referral store is unreachable");
	}
	free(cmd);
	if (p != NULL)
		pending_free(p);
}

/* Fields read: an array of NFIELDS, each a string or nil. */
static bool
fields_shaped(const redisReply *v)
{
	if (v->type != REDIS_REPLY_ARRAY || v->elements != NFIELDS)
		return false;
	for (size_t k = 0; k < NFIELDS; k++)
		if (v->element[k]->type != REDIS_REPLY_STRING &&
		    v->element[k]->type != REDIS_REPLY_NIL)
			return false;
	return true;
}

/* Item i's fields read (queue.lua's item_of()). */
static void
fields_read(struct qread *r, size_t i, const struct store_result *res)
{
	const redisReply *v = res->reply;
	const json_t *cats;
	char buf[32];

	if (res->err != NULL && strncmp(res->err, "WRONGTYPE", 9) == 0) {
		damaged(r, i, "not a hash");
	} else if (res->err != NULL) {
		char why[512];

		snprintf(why, sizeof(why), "redis: %s", ctl_failure(res->err));
		fail(r, why);
	} else if (!fields_shaped(v)) {
		fail(r, CTL_QUEUE_UNMADE);
	} else if (v->element[F_STATUS]->type != REDIS_REPLY_STRING) {
		/* every stored referral has a status: without one, it is
		 * gone */
		damaged(r, i, "missing");
	} else if ((cats = cats_shown(r, v->element[F_CATS])) != NULL) {
		made(r, i, v, cats,
		     repeat_of(v->element[F_REPEAT], buf, sizeof(buf)));
	} else if (r->why[0] == '\0') {
		record_ask(r, i, v);
	}
}

static void
fields_done(const struct store_result *res, void *arg)
{
	struct qread *r = arg;
	size_t i = r->got++;

	r->left--;
	if (r->why[0] == '\0')
		fields_read(r, i, res);
	if (r->left == 0)
		r->done(r, r->arg);
}

/* ---- the page --------------------------------------------------------- */

struct qread *
qread_new(const redisReply *a, const char *zone, long long sent, char *next,
	  size_t nextsz)
{
	struct qread *r;
	size_t idlen = 0, n;

	if (a->type != REDIS_REPLY_ARRAY || a->elements < 1)
		return NULL;
	n = a->elements - 1;
	for (size_t i = 1; i < a->elements; i++) {
		if (a->element[i]->type != REDIS_REPLY_STRING)
			return NULL;
		idlen += a->element[i]->len + 1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->n = n;
	r->cap = HEAD_MAX + 700 * n + 4096;
	r->ids = malloc(idlen + 1);
	r->id_at = calloc(n + 1, sizeof(*r->id_at));
	r->id_len = calloc(n + 1, sizeof(*r->id_len));
	r->at = calloc(n + 1, sizeof(*r->at));
	r->end = calloc(n + 1, sizeof(*r->end));
	r->text = malloc(r->cap);
	r->tail = ctl_queue_tail(a, zone, sent + (long long)n, next, nextsz,
				 &r->long_next);
	if (r->ids == NULL || r->id_at == NULL || r->id_len == NULL ||
	    r->at == NULL || r->end == NULL || r->text == NULL ||
	    r->tail == NULL) {
		qread_free(r);
		return NULL;
	}
	idlen = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(r->ids + idlen, a->element[i + 1]->str,
		       a->element[i + 1]->len + 1);
		r->id_at[i] = idlen;
		r->id_len[i] = a->element[i + 1]->len;
		if (r->id_len[i] > r->id_max)
			r->id_max = r->id_len[i];
		idlen += a->element[i + 1]->len + 1;
	}
	r->len = r->head_len = (size_t)snprintf(
	    r->text, HEAD_MAX, "{\"ok\":true,\"items\":%zu}\n", n);
	return r;
}

size_t
qread_count(const struct qread *r)
{
	return r->n;
}

bool
qread_long_next(const struct qread *r)
{
	return r->long_next;
}

/* One argument, a + b, in Redis's protocol at text[*at] (of sz): false
 * when it does not fit. */
static bool
arg_put(char *text, size_t sz, size_t *at, const char *a, const char *b)
{
	int n = snprintf(text + *at, sz - *at, "$%zu\r\n%s%s\r\n",
			 strlen(a) + strlen(b), a, b);

	if (n < 0 || (size_t)n >= sz - *at)
		return false;
	*at += (size_t)n;
	return true;
}

/* The HMGET's fields after the key, in Redis's protocol (queue.lua's
 * WANT: these, then due, fired, stopped of each timer), made once; NULL
 * when they do not fit in text. */
static const char *
fields_text(void)
{
	static const char *const want[] = {"brag",	"status", "channel",
					   "received",	"owner",  "repeat",
					   "categories"};
	static const char *const kind[] = {"due:", "fired:", "stopped:"};
	static char text[4096];
	size_t at = 0;
	bool ok = true;

	if (text[0] != '\0')
		return text;
	for (size_t k = 0; k < F_TIMERS; k++)
		ok = ok && arg_put(text, sizeof(text), &at, want[k], "");
	for (int k = 0; k < TIMER_COUNT; k++)
		for (int j = 0; j < 3; j++)
			ok = ok && arg_put(text, sizeof(text), &at, kind[j],
					   timer_words[k].name);
	if (!ok)
		text[0] = '\0';
	return ok ? text : NULL;
}

void
qread_send(struct qread *r, struct store *st, const char *prefix,
	   struct queue_items *q, qread_done_cb *done, void *arg)
{
	char start[32], *cmd;
	const char *rest = fields_text();
	size_t room;

	r->st = st;
	r->prefix = strdup(prefix);
	r->q = q;
	r->done = done;
	r->arg = arg;
	snprintf(start, sizeof(start), "*%d\r\n$5\r\nHMGET\r\n", 2 + NFIELDS);
	if (rest == NULL || r->prefix == NULL ||
	    (cmd = malloc(room = command_room(start, prefix, r->id_max,
					      rest))) == NULL) {
		fail(r, CTL_QUEUE_UNMADE);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		size_t n = command(cmd, room, start, prefix,
				   r->ids + r->id_at[i], r->id_len[i], rest);

		if (store_read(st, cmd, n, fields_done, r) != 0) {
			fail(r, "the referral store is unreachable");
			break;
		}
		r->left++;
	}
	free(cmd);
}

bool
qread_busy(const struct qread *r)
{
	return r->left > 0;
}

char *
qread_page(struct qread *r, size_t *len, const char **why)
{
	size_t tl = strlen(r->tail), at;
	char *out;

	*why = r->why;
	if (r->why[0] != '\0')
		return NULL;
	if (!r->moved && r->len + tl + 1 <= r->cap) {
		memcpy(r->text + r->len, r->tail, tl + 1);
		*len = r->len + tl;
		out = r->text;
		r->text = NULL;
		return out;
	}
	/* items out of order: put back in the page's */
	if ((out = malloc(r->len + tl + 1)) == NULL) {
		*why = CTL_QUEUE_UNMADE;
		return NULL;
	}
	memcpy(out, r->text, at = r->head_len);
	for (size_t i = 0; i < r->n; i++) {
		size_t n = r->end[i] - r->at[i] + 1;

		memcpy(out + at, r->text + r->at[i], n);
		at += n;
	}
	memcpy(out + at, r->tail, tl + 1);
	*len = at + tl;
	return out;
}

void
qread_free(struct qread *r)
{
	if (r == NULL)
		return;
	free(r->ids);
	free(r->id_at);
	free(r->id_len);
	free(r->at);
	free(r->end);
	free(r->text);
	free(r->tail);
	free(r->prefix);
	free(r->cats_text);
	json_decref(r->cats);
	free(r);
}
