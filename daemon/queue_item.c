/*
 * queue_item.c: an item of the queue, as `mashctl queue --json` shows it,
 * from what queue.lua read of the referral: {id, fields (its HMGET of
 * FIELDS_* below, nil for a field not there), categories (the strings
 * shown), repeat (integer text, or nil)}, or a damaged one's {id, why}.
 * The item: {id, brag, status, channel, received, categories, overdue
 * (the deadlines fired and not stopped), timers (by name: {due, fired,
 * stopped}), next_due (null or {timer, due}: the deadline to come first),
 * owner (null for none), repeat (null or a count)}, every time ISO 8601
 * UTC; a damaged one {id, status = "damaged", damaged = why}. These are
 * the bytes queue.lua wrote when it made the items itself: a field is
 * read as Lua 5.1's tonumber() reads it, a time written as lib.lua's
 * iso_time() writes it, a string mended as lib.lua's utf8_mend() mends it.
 *
 * Each page's items are set, one after another, into one kept tree, then
 * written (json_dumpb): no tree is made and freed an item.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/words.h"

#include "queue_item.h"

#define ISO_MAX_MS 9007199254740992.0 /* 2^53 */

struct queue_items {
	json_t *item, *id, *brag, *status, *channel, *received, *cats;
	json_t *overdue, *timers, *next, *next_timer, *next_due;
	json_t *timer[TIMER_COUNT], *due[TIMER_COUNT], *fired[TIMER_COUNT],
	    *stopped[TIMER_COUNT], *name[TIMER_COUNT];
	double days;	 /* the day whose date is kept in date[] */
	char date[32];	 /* "YYYY-MM-DDT" of it */
	size_t date_len; /* 0: none kept yet */
	unsigned shown;	 /* the timers in timers, a bit each (~0u: unknown) */
	unsigned late;	 /* the same of overdue */
	char *mend;	 /* the mended text of the last field that needed it */
	size_t mend_cap;
};

struct queue_items *
queue_items_new(void)
{
	struct queue_items *q = calloc(1, sizeof(*q));
	bool bad;

	if (q == NULL)
		return NULL;
	q->shown = q->late = ~0u;
	q->item = json_pack("{s:s s:s s:s s:s s:s s:[] s:[] s:{} s:n s:n s:n}",
			    "id", "", "brag", "", "status", "", "channel", "",
			    "received", "", "categories", "overdue", "timers",
			    "next_due", "owner", "repeat");
	q->next = json_pack("{s:s s:s}", "timer", "", "due", "");
	bad = q->item == NULL || q->next == NULL;
	for (int k = 0; k < TIMER_COUNT && !bad; k++) {
		q->timer[k] =
		    json_pack("{s:s s:n s:n}", "due", "", "fired", "stopped");
		q->fired[k] = json_string("");
		q->stopped[k] = json_string("");
		q->name[k] = json_string(timer_words[k].name);
		bad = q->timer[k] == NULL || q->fired[k] == NULL ||
		      q->stopped[k] == NULL || q->name[k] == NULL;
		if (!bad)
			q->due[k] = json_object_get(q->timer[k], "due");
	}
	if (bad) {
		queue_items_free(q);
		return NULL;
	}
	q->id = json_object_get(q->item, "id");
	q->brag = json_object_get(q->item, "brag");
	q->status = json_object_get(q->item, "status");
	q->channel = json_object_get(q->item, "channel");
	q->received = json_object_get(q->item, "received");
	q->cats = json_object_get(q->item, "categories");
	q->overdue = json_object_get(q->item, "overdue");
	q->timers = json_object_get(q->item, "timers");
	q->next_timer = json_object_get(q->next, "timer");
	q->next_due = json_object_get(q->next, "due");
	return q;
}

void
queue_items_free(struct queue_items *q)
{
	if (q == NULL)
		return;
	json_decref(q->item);
	json_decref(q->next);
	for (int k = 0; k < TIMER_COUNT; k++) {
		json_decref(q->timer[k]);
		json_decref(q->fired[k]);
		json_decref(q->stopped[k]);
		json_decref(q->name[k]);
	}
	free(q->mend);
	free(q);
}

/* ---- numbers and times, as Redis's Lua reads and lib.lua writes them -- */

int
queue_item_number(const char *s, double *v)
{
	const char *p = s;
	char *end;
	double n = 0;

	/* The common case, a field mashd wrote: up to 15 digits, exact. */
	while (*p >= '0' && *p <= '9' && p - s < 15)
		n = n * 10 + (*p++ - '0');
	if (*p == '\0' && p > s) {
		*v = n;
		return 0;
	}
	/* Else luaO_str2d()'s way: strtod, a hexadecimal constant, spaces
	 * after it. */
	n = strtod(s, &end);
	if (end == s)
		return -1;
	if (*end == 'x' || *end == 'X')
		n = (double)strtoul(s, &end, 16);
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	*v = n;
	return 0;
}

/* Lua 5.1's a % b. */
static double
lmod(double a, double b)
{
	return a - floor(a / b) * b;
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDT" of a day since 1970-01-01 (string.format('%04d-%02d-
 * %02dT'), in the doubles lib.lua computes it in. */
static size_t
iso_date(double days, char *out)
{
	double z = days + 719468, era = floor(z / 146097);
	double doe = z - era * 146097;
	double yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) -
			    floor(doe / 146096)) /
			   365);
	double doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
	double mp = floor((5 * doy + 2) / 153);
	double d = doy - floor((153 * mp + 2) / 5) + 1;
	double m = mp < 10 ? mp + 3 : mp - 9;
	long y = (long)(yoe + era * 400 + (m <= 2 ? 1 : 0));

	if (y < 0 || y > 9999)
		return (size_t)snprintf(out, 32, "%04ld-%02d-%02dT", y, (int)m,
					(int)d);
	put2(out, (int)(y / 100));
	put2(out + 2, (int)(y % 100));
	out[4] = '-';
	put2(out + 5, (int)m);
	out[7] = '-';
	put2(out + 8, (int)d);
	out[10] = 'T';
	return 11;
}

static size_t
iso_kept(struct queue_items *q, double ms, char *out)
{
	double secs, rem, days, s, m;
	size_t n = 0;

	if (!(ms > -ISO_MAX_MS && ms < ISO_MAX_MS))
		ms = 0;
	secs = floor(ms / 1000);
	rem = lmod(secs, 86400);
	days = (secs - rem) / 86400;
	if (q == NULL || q->date_len == 0 || q->days != days) {
		char date[32];

		n = iso_date(days, date);
		if (q == NULL) {
			memcpy(out, date, n);
		} else {
			memcpy(q->date, date, n);
			q->date_len = n;
			q->days = days;
		}
	}
	if (q != NULL) {
		n = q->date_len;
		memcpy(out, q->date, n);
	}
	s = lmod(rem, 60);
	m = lmod(rem, 3600);
	put2(out + n, (int)((rem - m) / 3600));
	out[n + 2] = ':';
	put2(out + n + 3, (int)((m - s) / 60));
	out[n + 5] = ':';
	put2(out + n + 6, (int)s);
	out[n + 8] = 'Z';
	out[n + 9] = '\0';
	return n + 9;
}

size_t
queue_item_iso(double ms, char *out)
{
	return iso_kept(NULL, ms, out);
}

/* A field's time (tonumber(field) or 0) set as a string's value. */
static void
set_time(struct queue_items *q, json_t *v, double ms)
{
	char buf[48];
	size_t n = iso_kept(q, ms, buf);

	json_string_setn_nocheck(v, buf, n);
}

static double
field_ms(const redisReply *f)
{
	double v;

	return f->type == REDIS_REPLY_STRING &&
		       queue_item_number(f->str, &v) == 0
		   ? v
		   : 0;
}

/* ---- strings: lib.lua's utf8_mend(), then jansson's own escapes ----- */

/* The bytes of a well-formed UTF-8 sequence at s[i] (of n), else 0. */
static size_t
utf8_seq(const unsigned char *s, size_t i, size_t n)
{
	unsigned c = s[i];
	size_t len = c >= 0xC2 && c <= 0xDF   ? 2
		     : c >= 0xE0 && c <= 0xEF ? 3
		     : c >= 0xF0 && c <= 0xF4 ? 4
					      : 0;
	unsigned c2;

	if (len == 0 || i + len > n)
		return 0;
	c2 = s[i + 1];
	if ((c == 0xE0 && c2 < 0xA0) || (c == 0xED && c2 > 0x9F) ||
	    (c == 0xF0 && c2 < 0x90) || (c == 0xF4 && c2 > 0x8F))
		return 0;
	for (size_t k = i + 1; k < i + len; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return len;
}

/* s mended: s itself when it needs nothing, else q->mend (each byte not
 * of a well-formed sequence, and each NUL, made U+FFFD); NULL when
 * memory ran out. */
static const char *
mend(struct queue_items *q, const char *s, size_t n, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, at = 0, seq;

	while (i < n && u[i] != 0 && u[i] < 0x80)
		i++;
	*out_len = n;
	if (i == n)
		return s;
	if (q->mend_cap < 3 * n) {
		char *m = realloc(q->mend, 3 * n);

		if (m == NULL)
			return NULL;
		q->mend = m;
		q->mend_cap = 3 * n;
	}
	memcpy(q->mend, s, i);
	at = i;
	while (i < n) {
		if (u[i] != 0 && u[i] < 0x80) {
			q->mend[at++] = s[i++];
		} else if (u[i] != 0 && (seq = utf8_seq(u, i, n)) > 0) {
			memcpy(q->mend + at, s + i, seq);
			at += seq;
			i += seq;
		} else {
			memcpy(q->mend + at, "\xEF\xBF\xBD", 3);
			at += 3;
			i++;
		}
	}
	*out_len = at;
	return q->mend;
}

/* A string of the reply (nil: "") as v's value: -1 out of memory. */
static int
set_str(struct queue_items *q, json_t *v, const redisReply *f)
{
	const char *s = f->type == REDIS_REPLY_STRING ? f->str : "";
	size_t n = f->type == REDIS_REPLY_STRING ? f->len : 0, len;

	if ((s = mend(q, s, n, &len)) == NULL)
		return -1;
	return json_string_setn_nocheck(v, s, len);
}

static json_t *
new_str(struct queue_items *q, const redisReply *f)
{
	size_t len;
	const char *s = mend(q, f->str, f->len, &len);

	return s != NULL ? json_stringn_nocheck(s, len) : NULL;
}

/* ---- the item -------------------------------------------------------- */

/* v is as queue.lua reads a referral's fields: an array of NFIELDS, each
 * a string or nil; cats an array of strings; rep a string or nil. */
static bool
item_shaped(const redisReply *e)
{
	const redisReply *v, *cats, *rep;

	if (e->elements != 4 || e->element[1]->type != REDIS_REPLY_ARRAY ||
	    e->element[2]->type != REDIS_REPLY_ARRAY)
		return false;
	v = e->element[1];
	cats = e->element[2];
	rep = e->element[3];
	if (v->elements != NFIELDS ||
	    (rep->type != REDIS_REPLY_STRING && rep->type != REDIS_REPLY_NIL))
		return false;
	for (size_t i = 0; i < NFIELDS; i++)
		if (v->element[i]->type != REDIS_REPLY_STRING &&
		    v->element[i]->type != REDIS_REPLY_NIL)
			return false;
	for (size_t i = 0; i < cats->elements; i++)
		if (cats->element[i]->type != REDIS_REPLY_STRING)
			return false;
	return true;
}

/* A field there (queue.lua's `v[i]`: a string, "" too). */
static const redisReply *
there(const redisReply *v, int i)
{
	return v->element[i]->type == REDIS_REPLY_STRING ? v->element[i] : NULL;
}

/* The same, but "" counts as none (fired and stopped). */
static const redisReply *
set_and_full(const redisReply *v, int i)
{
	const redisReply *f = there(v, i);

	return f != NULL && f->len > 0 ? f : NULL;
}

/* The categories shown: the kept array when they are the last item's. */
static int
set_cats(struct queue_items *q, const redisReply *cats)
{
	json_t *a;
	bool same = json_array_size(q->cats) == cats->elements;
	size_t len;

	for (size_t i = 0; same && i < cats->elements; i++) {
		const char *s =
		    mend(q, cats->element[i]->str, cats->element[i]->len, &len);
		json_t *was = json_array_get(q->cats, i);

		same = s != NULL && json_string_length(was) == len &&
		       memcmp(json_string_value(was), s, len) == 0;
	}
	if (same)
		return 0;
	if ((a = json_array()) == NULL)
		return -1;
	for (size_t i = 0; i < cats->elements; i++)
		if (json_array_append_new(a, new_str(q, cats->element[i])) !=
		    0) {
			json_decref(a);
			return -1;
		}
	q->cats = a;
	return json_object_set_new(q->item, "categories", a);
}

/* One timer's {due, fired, stopped}; each a string kept for it. */
static void
set_timer(struct queue_items *q, int k, double due, const redisReply *fired,
	  const redisReply *stopped)
{
	set_time(q, q->due[k], due);
	if (fired != NULL)
		set_time(q, q->fired[k], field_ms(fired));
	json_object_set(q->timer[k], "fired",
			fired != NULL ? q->fired[k] : json_null());
	if (stopped != NULL)
		set_time(q, q->stopped[k], field_ms(stopped));
	json_object_set(q->timer[k], "stopped",
			stopped != NULL ? q->stopped[k] : json_null());
}

/* The timers shown (due there) and those late (a deadline fired, not
 * stopped), a bit each; the next deadline to come. */
static unsigned
timers_read(const redisReply *v, unsigned *late, int *next_k, double *next_at)
{
	unsigned shown = 0;

	*late = 0;
	*next_k = -1;
	for (int k = 0; k < TIMER_COUNT; k++) {
		const redisReply *due = there(v, F_TIMERS + 3 * k);
		double d;

		if (due == NULL)
			continue;
		shown |= 1u << k;
		if (timer_words[k].warning ||
		    set_and_full(v, F_TIMERS + 3 * k + 2) != NULL)
			continue;
		d = field_ms(due);
		if (set_and_full(v, F_TIMERS + 3 * k + 1) != NULL)
			*late |= 1u << k;
		else if (*next_k < 0 || d < *next_at) {
			*next_k = k;
			*next_at = d;
		}
	}
	return shown;
}

/* timers, overdue and next_due, as queue.lua's timers_json(): the
 * timers' objects and overdue's names are put in again only when they
 * are not the last item's. */
static int
set_timers(struct queue_items *q, const redisReply *v)
{
	int next_k, rc = 0;
	double next_at = 0;
	unsigned late, shown = timers_read(v, &late, &next_k, &next_at);

	if (shown != q->shown)
		json_object_clear(q->timers);
	if (late != q->late)
		json_array_clear(q->overdue);
	for (int k = 0; k < TIMER_COUNT; k++) {
		int at = F_TIMERS + 3 * k;

		if (!(shown & (1u << k)))
			continue;
		set_timer(q, k, field_ms(there(v, at)), set_and_full(v, at + 1),
			  set_and_full(v, at + 2));
		if (shown != q->shown)
			rc |= json_object_set(q->timers, timer_words[k].name,
					      q->timer[k]);
		if (late != q->late && (late & (1u << k)))
			rc |= json_array_append(q->overdue, q->name[k]);
	}
	q->shown = rc == 0 ? shown : ~0u;
	q->late = rc == 0 ? late : ~0u;
	if (next_k >= 0) {
		json_string_set(q->next_timer, timer_words[next_k].name);
		set_time(q, q->next_due, next_at);
		return rc | json_object_set(q->item, "next_due", q->next);
	}
	return rc | json_object_set_new(q->item, "next_due", json_null());
}

static int
set_item(struct queue_items *q, const redisReply *e)
{
	const redisReply *v = e->element[1], *owner = there(v, F_OWNER);
	const redisReply *rep = e->element[3];
	int rc = 0;

	rc |= set_str(q, q->brag, v->element[F_BRAG]);
	rc |= set_str(q, q->status, v->element[F_STATUS]);
	rc |= set_str(q, q->channel, v->element[F_CHANNEL]);
	set_time(q, q->received, field_ms(v->element[F_RECEIVED]));
	rc |= set_cats(q, e->element[2]);
	rc |= set_timers(q, v);
	rc |= json_object_set_new(
	    q->item, "owner",
	    owner != NULL && owner->len > 0 ? new_str(q, owner) : json_null());
	rc |=
	    json_object_set_new(q->item, "repeat",
				rep->type == REDIS_REPLY_STRING
				    ? json_integer(strtoll(rep->str, NULL, 10))
				    : json_null());
	return rc;
}

/* o's compact text at *len of *buf, grown as needed. */
static int
dump_onto(const json_t *o, char **buf, size_t *len, size_t *cap)
{
	size_t n = json_dumpb(o, *buf + *len, *cap - *len, JSON_COMPACT);

	if (n == 0)
		return -1;
	if (n > *cap - *len) {
		size_t want = *cap * 2 > *len + n ? *cap * 2 : *len + n;
		char *b = realloc(*buf, want);

		if (b == NULL)
			return -1;
		*buf = b;
		*cap = want;
		if (json_dumpb(o, *buf + *len, *cap - *len, JSON_COMPACT) != n)
			return -1;
	}
	*len += n;
	return 0;
}

/* A damaged referral's item: {id, status "damaged", damaged why}. */
static int
damaged_onto(struct queue_items *q, const redisReply *e, char **buf,
	     size_t *len, size_t *cap)
{
	json_t *o = json_object();
	int rc = o == NULL ? -1 : 0;

	if (rc == 0) {
		rc |= json_object_set_new(o, "id", new_str(q, e->element[0]));
		rc |= json_object_set_new(o, "status", json_string("damaged"));
		rc |= json_object_set_new(o, "damaged",
					  new_str(q, e->element[1]));
	}
	if (rc == 0)
		rc = dump_onto(o, buf, len, cap);
	json_decref(o);
	return rc;
}

int
queue_item_append(struct queue_items *q, const redisReply *e, char **buf,
		  size_t *len, size_t *cap)
{
	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING)
		return -1;
	if (e->elements == 2 && e->element[1]->type == REDIS_REPLY_STRING)
		return damaged_onto(q, e, buf, len, cap);
	if (!item_shaped(e) || set_str(q, q->id, e->element[0]) != 0 ||
	    set_item(q, e) != 0)
		return -1;
	return dump_onto(q->item, buf, len, cap);
}
