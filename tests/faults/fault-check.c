/*
 * fault-check: the one checker of the fault harness (tests/faults). After
 * a scenario it reads what the load generator was answered (mash-load -l
 * logs, the first answers and those of the re-sends) and what Redis
 * holds, and asserts issue 9's invariants:
 *
 *   1. every answer is 201, 503 or none at all;
 *   2. every 201 is stored whole: the record as sent, its state, its
 *      timers, its place in the queue, one submit event;
 *   3. no referral is stored twice, and none is stored that was not sent;
 *   4. no 503 says "nothing was stored" of a referral that was stored;
 *      every 503 whose referral was in fact stored carried an
 *      idempotency_key (its own, or the client's) that recovers it;
 *   5. every request left without a 201 that had a key was recovered by
 *      re-sending it with that key: the stored referral's id, no second;
 *   6. every due timer fired exactly once, and none early;
 *   7. no more than alerts.max_parallel delivery processes at any instant;
 *   8. no alert dropped (and, with -A, every alert sent).
 *
 * A request is known by its number SEQ; its body (tools/bench/body.h)
 * carries "[fault-marker-SEQ]" in the concern's summary, so the referral
 * it made is found again in Redis. That text is the concern: it is never
 * printed here, only SEQ and the referral's id.
 *
 * Output, read by tests/faults/lib.sh: "ok TEXT", "FAIL TEXT" followed by
 * indented detail lines, and "figure NAME=VALUE ..." lines. Exit status 1
 * when anything failed, 2 when the checker could not run.
 *
 * usage: fault-check -s SOCKET -b TEMPLATE [-P PREFIX] [-l LOG]...
 *                    [-r LOG]... [-n NOW_MS] [-e EXPECTED] [-p PROCS -m MAX]
 *                    [-M MAILLOG -k INFLIGHT] [-A]
 *   -l LOG      mash-load's log of the first answers (several allowed)
 *   -r LOG      its log of the re-sends with a key (several allowed)
 *   -n NOW_MS   every timer due at or before NOW_MS must have fired
 *   -e FILE     lines "ID TIMER DUE_MS": where timers must still be due
 *               (before a reload), and not fire before
 *   -p PROCS    mash-load procs' line "samples=... max=..."; -m MAX its
 *               bound (alerts.max_parallel)
 *   -M MAILLOG  the Message-IDs of the mails the MTA took, one a line;
 *               -k INFLIGHT the alerts in flight summed over the kills:
 *               the duplicate rate is a figure (at-least-once allows it)
 *   -A          every alert of the outbox must be sent by now
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "body.h"

#define MAX_LOGS 8
#define MAX_DETAIL 10
#define BATCH 500
#define MARKER "[fault-marker-"

static const char *const timers[] = {"decision", "escalation", "written",
				     "screening", "decision_warning"};
#define NTIMERS (sizeof(timers) / sizeof(timers[0]))
#define SCREENING 3

struct req {
	long seq;
	int status;
	double ms;
	char key_sent[256], key_got[256], outcome[16], id[24];
	bool replayed;
	/* the re-send with a key, if any */
	bool resent;
	int r_status;
	char r_id[24];
	bool r_replayed;
	/* in Redis: how many referrals carry its marker, and the first */
	int nstored;
	long ref;
};

struct ref {
	char id[24];
	json_t *h; /* the hash, field -> string */
	long seq;  /* its marker, -1 for none */
	int submits;
	int nfire[NTIMERS];
	long long first_fire[NTIMERS]; /* the earliest fire event's "at" */
	int reschedules;
};

static redisContext *rc;
static const char *prefix = "{mash}:";
static int nfailed;

static struct req *reqs;
static long nreqs;
static struct ref *refs;
static long nrefs;
static char **due_members, **queue_members;
static long ndue, nqueue;

static _Noreturn void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fault-check: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* A verdict: "ok TEXT" or "FAIL TEXT", then its details. */
struct verdict {
	int ndetail;
	char detail[MAX_DETAIL][200];
	long more;
};

static void
detail(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->ndetail == MAX_DETAIL) {
		v->more++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(v->detail[v->ndetail++], sizeof(v->detail[0]), fmt, ap);
	va_end(ap);
}

static void
verdict(const struct verdict *v, bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", pass ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (pass)
		return;
	nfailed++;
	for (int i = 0; i < v->ndetail; i++)
		printf("  %s\n", v->detail[i]);
	if (v->more > 0)
		printf("  ... and %ld more\n", v->more);
}

static redisReply *
command(const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = redisvCommand(rc, fmt, ap);
	va_end(ap);
	if (r == NULL)
		die("redis: %s", rc->errstr);
	if (r->type == REDIS_REPLY_ERROR)
		die("redis: %s", r->str);
	return r;
}

static int
cmp_req(const void *a, const void *b)
{
	long x = ((const struct req *)a)->seq, y = ((const struct req *)b)->seq;

	return (x > y) - (x < y);
}

static struct req *
find_req(long seq)
{
	struct req key = {.seq = seq};

	return bsearch(&key, reqs, (size_t)nreqs, sizeof(*reqs), cmp_req);
}

static int
cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct ref *)a)->id, ((const struct ref *)b)->id);
}

static struct ref *
find_ref(const char *id)
{
	struct ref key;

	snprintf(key.id, sizeof(key.id), "%s", id);
	return bsearch(&key, refs, (size_t)nrefs, sizeof(*refs), cmp_ref);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
member_of(char **set, long n, const char *s)
{
	return bsearch(&s, set, (size_t)n, sizeof(char *), cmp_str) != NULL;
}

static const char *
hget(const struct ref *r, const char *field)
{
	return json_string_value(json_object_get(r->h, field));
}

/* The referral's record, parsed; NULL when it is not JSON. */
static json_t *
record_of(const struct ref *r)
{
	const char *rec = hget(r, "record");

	return rec != NULL ? json_loads(rec, 0, NULL) : NULL;
}

/* The logs ---------------------------------------------------------- */

/* One mash-load -l line: seq status ms key_sent key_got outcome id rep. */
static bool
parse_line(char *line, struct req *q)
{
	int rep = 0;

	memset(q, 0, sizeof(*q));
	q->ref = -1;
	if (sscanf(line, "%ld %d %lf %255s %255s %15s %23s %d", &q->seq,
		   &q->status, &q->ms, q->key_sent, q->key_got, q->outcome,
		   q->id, &rep) != 8)
		return false;
	q->replayed = rep == 1;
	return true;
}

static void
read_first(const char *const *logs, int nlogs)
{
	long cap = 0, bad = 0;
	struct verdict v = {0};

	for (int i = 0; i < nlogs; i++) {
		FILE *f = fopen(logs[i], "r");
		char line[1024];

		if (f == NULL)
			die("%s: %s", logs[i], strerror(errno));
		while (fgets(line, sizeof(line), f) != NULL) {
			struct req q;

			if (!parse_line(line, &q)) {
				bad++;
				continue;
			}
			if (nreqs == cap) {
				cap = cap ? 2 * cap : 1024;
				reqs =
				    realloc(reqs, (size_t)cap * sizeof(*reqs));
				if (reqs == NULL)
					die("out of memory");
			}
			reqs[nreqs++] = q;
		}
		fclose(f);
	}
	qsort(reqs, (size_t)nreqs, sizeof(*reqs), cmp_req);
	for (long i = 1; i < nreqs; i++)
		if (reqs[i].seq == reqs[i - 1].seq)
			detail(&v, "request %ld logged twice", reqs[i].seq);
	if (bad > 0)
		detail(&v, "%ld unreadable log lines", bad);
	if (v.ndetail > 0 || nreqs == 0) {
		if (nreqs == 0)
			detail(&v, "no request logged at all");
		verdict(&v, false, "the load generator's logs are whole");
	}
}

static void
read_resent(const char *const *logs, int nlogs)
{
	struct verdict v = {0};

	for (int i = 0; i < nlogs; i++) {
		FILE *f = fopen(logs[i], "r");
		char line[1024];

		if (f == NULL)
			die("%s: %s", logs[i], strerror(errno));
		while (fgets(line, sizeof(line), f) != NULL) {
			struct req q, *o;

			if (!parse_line(line, &q) ||
			    (o = find_req(q.seq)) == NULL) {
				detail(&v, "a re-send of no request sent");
				continue;
			}
			o->resent = true;
			o->r_status = q.status;
			o->r_replayed = q.replayed;
			snprintf(o->r_id, sizeof(o->r_id), "%s", q.id);
		}
		fclose(f);
	}
	if (v.ndetail > 0)
		verdict(&v, false, "the re-send logs name requests sent");
}

/* Redis ------------------------------------------------------------- */

static char **
read_zset(const char *name, long *n)
{
	redisReply *r = command("ZRANGE %s%s 0 -1", prefix, name);
	char **v = xcalloc(r->elements, sizeof(char *));

	for (size_t i = 0; i < r->elements; i++)
		if ((v[i] = strdup(r->element[i]->str)) == NULL)
			die("out of memory");
	*n = (long)r->elements;
	freeReplyObject(r);
	qsort(v, (size_t)*n, sizeof(char *), cmp_str);
	return v;
}

/* The marker SEQ in a record's concern summary, or -1. */
static long
marker_of(json_t *rec)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(rec, "concern"), "summary"));
	const char *m = s ? strstr(s, MARKER) : NULL;

	return m ? strtol(m + strlen(MARKER), NULL, 10) : -1;
}

static void
read_refs(void)
{
	char cursor[32] = "0", pattern[128];
	long cap = 0;

	snprintf(pattern, sizeof(pattern), "%sref:*", prefix);
	do {
		redisReply *r =
		    command("SCAN %s MATCH %s COUNT 1000", cursor, pattern);

		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (size_t i = 0; i < r->element[1]->elements; i++) {
			const char *k =
			    r->element[1]->element[i]->str + strlen(prefix) + 4;

			if (strchr(k, ':') != NULL) /* ref:<id>:audit */
				continue;
			if (nrefs == cap) {
				cap = cap ? 2 * cap : 1024;
				refs =
				    realloc(refs, (size_t)cap * sizeof(*refs));
				if (refs == NULL)
					die("out of memory");
			}
			memset(&refs[nrefs], 0, sizeof(refs[0]));
			snprintf(refs[nrefs].id, sizeof(refs[0].id), "%s", k);
			nrefs++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	qsort(refs, (size_t)nrefs, sizeof(*refs), cmp_ref);
	for (long i = 0; i < nrefs; i += BATCH) {
		long end = i + BATCH < nrefs ? i + BATCH : nrefs;

		for (long j = i; j < end; j++)
			redisAppendCommand(rc, "HGETALL %sref:%s", prefix,
					   refs[j].id);
		for (long j = i; j < end; j++) {
			redisReply *r;
			json_t *rec;

			if (redisGetReply(rc, (void **)&r) != REDIS_OK)
				die("redis: %s", rc->errstr);
			refs[j].h = json_object();
			for (size_t k = 0; k + 1 < r->elements; k += 2)
				json_object_set_new(
				    refs[j].h, r->element[k]->str,
				    json_string(r->element[k + 1]->str));
			freeReplyObject(r);
			rec = record_of(&refs[j]);
			refs[j].seq = marker_of(rec);
			json_decref(rec);
		}
	}
}

static int
timer_index(const char *name)
{
	for (size_t t = 0; t < NTIMERS; t++)
		if (strcmp(name, timers[t]) == 0)
			return (int)t;
	return -1;
}

/* The audit stream, once, in order: submits, fires, re-ratings. */
static void
read_events(void)
{
	char from[64] = "-";

	for (;;) {
		redisReply *r =
		    command("XRANGE %sevents %s + COUNT 5000", prefix, from);
		size_t n = r->elements;

		for (size_t i = 0; i < n; i++) {
			redisReply *e = r->element[i], *f = e->element[1];
			const char *ref = NULL, *action = NULL, *det = NULL;
			long long at = 0;
			struct ref *x;

			for (size_t k = 0; k + 1 < f->elements; k += 2) {
				const char *name = f->element[k]->str;
				const char *val = f->element[k + 1]->str;

				if (strcmp(name, "ref") == 0)
					ref = val;
				else if (strcmp(name, "action") == 0)
					action = val;
				else if (strcmp(name, "detail") == 0)
					det = val;
				else if (strcmp(name, "at") == 0)
					at = strtoll(val, NULL, 10);
			}
			if (ref == NULL || action == NULL ||
			    (x = find_ref(ref)) == NULL)
				continue;
			if (strcmp(action, "submit") == 0) {
				x->submits++;
			} else if (strcmp(action, "rate") == 0) {
				/* the screening timer starts again */
				x->nfire[SCREENING] = 0;
				x->first_fire[SCREENING] = 0;
			} else if (strcmp(action, "reschedule") == 0) {
				x->reschedules++;
			} else if (strcmp(action, "fire") == 0 && det) {
				char name[32];
				int t;

				if (sscanf(det, "timer=%31s", name) != 1 ||
				    (t = timer_index(name)) < 0)
					continue;
				if (x->nfire[t]++ == 0)
					x->first_fire[t] = at;
			}
		}
		if (n > 0)
			snprintf(from, sizeof(from), "(%s",
				 r->element[n - 1]->element[0]->str);
		freeReplyObject(r);
		if (n < 5000)
			break;
	}
}

/* Join: which referrals carry each request's marker. */
static long
join(void)
{
	long phantoms = 0;
	struct verdict v = {0};

	for (long i = 0; i < nrefs; i++) {
		struct req *q = refs[i].seq >= 0 ? find_req(refs[i].seq) : NULL;

		if (q == NULL) {
			phantoms++;
			detail(&v, "%s carries no request's marker",
			       refs[i].id);
			continue;
		}
		if (q->nstored++ == 0)
			q->ref = i;
	}
	verdict(&v, phantoms == 0,
		"every stored referral is one the load sent (%ld stored)",
		nrefs);
	return phantoms;
}

/* The invariants ----------------------------------------------------- */

static void
check_answers(void)
{
	struct verdict v = {0};
	long odd = 0;

	for (long i = 0; i < nreqs; i++) {
		int s = reqs[i].status;

		if (s != 201 && s != 503 && s != 0) {
			odd++;
			detail(&v, "request %ld answered %d", reqs[i].seq, s);
		}
	}
	verdict(&v, odd == 0, "every answer is 201, 503 or none (%ld sent)",
		nreqs);
}

/* Is referral r stored whole, as request seq sent it? "" when it is. */
static const char *
whole(const struct ref *r, long seq, const char *tmpl)
{
	static char why[160];
	char *body = body_make(tmpl, seq);
	json_t *sent = body ? json_loads(body, 0, NULL) : NULL;
	json_t *got = record_of(r);
	bool same = sent != NULL && got != NULL && json_equal(sent, got);
	const char *st = hget(r, "status");

	free(body);
	json_decref(sent);
	json_decref(got);
	if (!same)
		return "its record is not the body sent";
	if (st == NULL || hget(r, "brag") == NULL ||
	    hget(r, "received") == NULL || hget(r, "channel") == NULL)
		return "its status, rating, receipt or channel is missing";
	if (r->submits != 1) {
		snprintf(why, sizeof(why), "%d submit events, not 1",
			 r->submits);
		return why;
	}
	if (strcmp(st, "decided") != 0 &&
	    !member_of(queue_members, nqueue, r->id))
		return "it is open but not in the queue";
	for (size_t t = 0; t < NTIMERS; t++) {
		char f[64], m[64];

		snprintf(f, sizeof(f), "due:%s", timers[t]);
		if (hget(r, f) == NULL)
			continue;
		snprintf(m, sizeof(m), "%s:%s", r->id, timers[t]);
		snprintf(f, sizeof(f), "fired:%s", timers[t]);
		if (hget(r, f) != NULL || member_of(due_members, ndue, m))
			continue;
		snprintf(f, sizeof(f), "stopped:%s", timers[t]);
		if (hget(r, f) != NULL)
			continue;
		snprintf(why, sizeof(why),
			 "its %s timer is neither due, fired nor stopped",
			 timers[t]);
		return why;
	}
	return "";
}

static void
check_acknowledged(const char *tmpl, long *acked, long *lost, long *broken)
{
	struct verdict v = {0};

	*acked = *lost = *broken = 0;
	for (long i = 0; i < nreqs; i++) {
		const struct req *q = &reqs[i];

		for (int pass = 0; pass < 2; pass++) {
			const char *id = pass == 0 ? q->id : q->r_id;
			const struct ref *r;
			const char *why;

			if ((pass == 0 ? q->status : q->r_status) != 201 ||
			    (pass == 1 && !q->resent))
				continue;
			(*acked)++;
			if ((r = find_ref(id)) == NULL) {
				(*lost)++;
				detail(&v, "request %ld: 201 %s, not in Redis",
				       q->seq, id);
			} else if (r->seq != q->seq) {
				(*lost)++;
				detail(&v,
				       "request %ld: 201 %s, which holds "
				       "request %ld",
				       q->seq, id, r->seq);
			} else if (*(why = whole(r, q->seq, tmpl)) != '\0') {
				(*broken)++;
				detail(&v, "request %ld: %s: %s", q->seq, id,
				       why);
			}
		}
	}
	verdict(&v, *lost == 0 && *broken == 0,
		"every 201 stored whole (%ld acknowledged, %ld lost, %ld not "
		"whole)",
		*acked, *lost, *broken);
}

static void
check_duplicates(long *dups)
{
	struct verdict v = {0};

	*dups = 0;
	for (long i = 0; i < nreqs; i++)
		if (reqs[i].nstored > 1) {
			*dups += reqs[i].nstored - 1;
			detail(&v, "request %ld stored %d times", reqs[i].seq,
			       reqs[i].nstored);
		}
	verdict(&v, *dups == 0, "no referral stored twice (%ld extra)", *dups);
}

/* The key a request left without a 201 can be recovered by, or NULL. */
static const char *
recovery_key(const struct req *q)
{
	if (strcmp(q->key_got, "-") != 0)
		return q->key_got;
	if (strcmp(q->key_sent, "-") != 0)
		return q->key_sent;
	return NULL;
}

/* Was q recovered by its re-send: 201, the one referral stored? */
static bool
recovered(const struct req *q)
{
	return q->resent && q->r_status == 201 && q->nstored == 1 &&
	       strcmp(q->r_id, refs[q->ref].id) == 0;
}

/*
 * Was q's referral stored before its re-send, if any? A re-send answered
 * 201 without Idempotent-Replayed stored it itself: the key was unknown
 * until then, and a referral is stored with its key in the same step.
 */
static bool
stored_before(const struct req *q)
{
	return q->nstored > 0 && (!q->resent || q->r_replayed);
}

static void
check_503(long *misreported)
{
	struct verdict lie = {0}, v = {0};
	long stored = 0, bad = 0;

	*misreported = 0;
	for (long i = 0; i < nreqs; i++) {
		const struct req *q = &reqs[i];

		if (q->status != 503 || !stored_before(q))
			continue;
		stored++;
		if (strcmp(q->outcome, "not_stored") == 0) {
			(*misreported)++;
			detail(&lie, "request %ld: 503 nothing stored, but %s",
			       q->seq, refs[q->ref].id);
		}
		if (recovery_key(q) == NULL) {
			bad++;
			detail(&v, "request %ld: 503 without a key, stored %s",
			       q->seq, refs[q->ref].id);
		} else if (!recovered(q)) {
			bad++;
			detail(&v,
			       "request %ld: 503 with a key, stored %s; the "
			       "re-send was answered %d %s",
			       q->seq, refs[q->ref].id, q->r_status, q->r_id);
		}
	}
	verdict(&lie, *misreported == 0,
		"no 503 says nothing was stored of a referral stored (%ld "
		"said so)",
		*misreported);
	verdict(&v, bad == 0,
		"every 503 whose referral was stored carried an "
		"idempotency_key that recovers it (%ld stored, %ld not "
		"recoverable)",
		stored, bad);
}

struct unknowns {
	long refused, keyed, keyed_recovered, keyed_stored_before;
	long bare, bare_stored;
};

static void
check_recovery(struct unknowns *u)
{
	struct verdict v = {0}, sane = {0};
	long bad = 0, refused_stored = 0;

	memset(u, 0, sizeof(*u));
	for (long i = 0; i < nreqs; i++) {
		const struct req *q = &reqs[i];

		if (q->status == 201)
			continue;
		/* A refused connection carried nothing: unless a re-send
		 * stored it since, nothing of it may be in Redis. */
		if (q->status == 0 && strcmp(q->outcome, "refused") == 0) {
			u->refused++;
			if (q->nstored > 0 && !q->resent) {
				refused_stored++;
				detail(&sane,
				       "request %ld: refused, yet stored",
				       q->seq);
			}
		}
		if (recovery_key(q) == NULL) {
			if (q->status == 0 &&
			    strcmp(q->outcome, "refused") != 0) {
				u->bare++;
				u->bare_stored += q->nstored > 0;
			}
			continue;
		}
		u->keyed++;
		if (recovered(q)) {
			u->keyed_recovered++;
			u->keyed_stored_before += q->r_replayed;
		} else {
			bad++;
			detail(&v,
			       "request %ld (%d %s): re-sent %s, answered %d "
			       "%s; %d stored",
			       q->seq, q->status, q->outcome,
			       q->resent ? "yes" : "no", q->r_status, q->r_id,
			       q->nstored);
		}
	}
	verdict(&sane, refused_stored == 0,
		"no refused connection stored anything (%ld refused)",
		u->refused);
	verdict(&v, bad == 0,
		"every request left without a 201 that had a key was "
		"recovered by re-sending it (%ld of %ld)",
		u->keyed_recovered, u->keyed);
}

struct timers_figures {
	long due, fired, twice, early, missed, moved;
};

/* lines "ID TIMER DUE_MS" */
static json_t *
read_expected(const char *file)
{
	json_t *o = json_object();
	FILE *f;
	char id[32], t[32];
	long long due;

	if (file == NULL)
		return o;
	if ((f = fopen(file, "r")) == NULL)
		die("%s: %s", file, strerror(errno));
	while (fscanf(f, "%31s %31s %lld", id, t, &due) == 3) {
		char k[80];

		snprintf(k, sizeof(k), "%s:%s", id, t);
		json_object_set_new(o, k, json_integer(due));
	}
	fclose(f);
	return o;
}

static void
check_timers(long long now, const char *expected_file,
	     struct timers_figures *tf)
{
	struct verdict once = {0}, early = {0}, missed = {0}, moved = {0};
	json_t *expected = read_expected(expected_file);

	memset(tf, 0, sizeof(*tf));
	for (long i = 0; i < nrefs; i++) {
		const struct ref *r = &refs[i];

		for (size_t t = 0; t < NTIMERS; t++) {
			char f[64], k[80];
			const char *due_s, *fired_s, *stopped_s;
			long long due, want;
			json_t *e;

			snprintf(f, sizeof(f), "due:%s", timers[t]);
			snprintf(k, sizeof(k), "%s:%s", r->id, timers[t]);
			e = json_object_get(expected, k);
			if ((due_s = hget(r, f)) == NULL) {
				if (e != NULL) {
					tf->moved++;
					detail(&moved, "%s %s: no longer due",
					       r->id, timers[t]);
				}
				continue;
			}
			due = strtoll(due_s, NULL, 10);
			want = e ? json_integer_value(e) : due;
			if (e != NULL && due != want) {
				tf->moved++;
				detail(&moved, "%s %s: due %lld, was %lld",
				       r->id, timers[t], due, want);
			}
			snprintf(f, sizeof(f), "fired:%s", timers[t]);
			fired_s = hget(r, f);
			snprintf(f, sizeof(f), "stopped:%s", timers[t]);
			stopped_s = hget(r, f);
			if (now > 0 && want <= now && stopped_s == NULL)
				tf->due++;
			if (r->nfire[t] > 0)
				tf->fired++;
			if (r->nfire[t] > 1 ||
			    (r->nfire[t] == 1) != (fired_s != NULL)) {
				tf->twice++;
				detail(&once,
				       "%s %s: %d fire events, fired field %s",
				       r->id, timers[t], r->nfire[t],
				       fired_s ? "set" : "unset");
			}
			if (r->nfire[t] > 0 &&
			    (r->first_fire[t] < want ||
			     (fired_s && strtoll(fired_s, NULL, 10) < want))) {
				tf->early++;
				detail(&early, "%s %s: fired %lld ms early",
				       r->id, timers[t],
				       want - r->first_fire[t]);
			}
			if (now > 0 && want <= now && stopped_s == NULL &&
			    r->nfire[t] == 0) {
				tf->missed++;
				detail(&missed,
				       "%s %s: due %lld ms before, "
				       "not fired",
				       r->id, timers[t], now - want);
			}
		}
	}
	if (expected_file != NULL)
		verdict(&moved, tf->moved == 0,
			"no timer moved from where it was due (%zu expected)",
			json_object_size(expected));
	verdict(&once, tf->twice == 0,
		"every timer fired at most once (%ld fired, %ld twice)",
		tf->fired, tf->twice);
	verdict(&early, tf->early == 0, "no timer fired early (%ld early)",
		tf->early);
	if (now > 0)
		verdict(&missed, tf->missed == 0,
			"every timer due fired (%ld due, %ld missed)", tf->due,
			tf->missed);
	json_decref(expected);
}

static long
check_procs(const char *line, long max)
{
	struct verdict v = {0};
	long samples = 0, got = -1;
	const char *s = strstr(line, "samples="), *m = strstr(line, "max=");

	if (s != NULL)
		samples = strtol(s + 8, NULL, 10);
	if (m != NULL)
		got = strtol(m + 4, NULL, 10);
	if (samples < 10 || got < 0)
		detail(&v, "too few samples: %s", line);
	verdict(&v, samples >= 10 && got >= 0 && got <= max,
		"at most %ld delivery processes at once (at most %ld seen in "
		"%ld samples)",
		max, got, samples);
	return got;
}

struct alerts_figures {
	long total, sent, pending, unread, dead, callback, dropped;
};

static void
check_alerts(bool all_sent, struct alerts_figures *af)
{
	struct verdict v = {0}, sent = {0};
	redisReply *g = command("XINFO GROUPS %soutbox", prefix);
	char last[64] = "0-0", from[64] = "-";
	char **pending = NULL;
	long npending = 0;

	memset(af, 0, sizeof(*af));
	for (size_t i = 0; i < g->elements; i++) {
		redisReply *gr = g->element[i];

		for (size_t k = 0; k + 1 < gr->elements; k += 2)
			if (strcmp(gr->element[k]->str, "last-delivered-id") ==
			    0)
				snprintf(last, sizeof(last), "%s",
					 gr->element[k + 1]->str);
	}
	freeReplyObject(g);
	if (strcmp(last, "0-0") != 0) {
		redisReply *p =
		    command("XPENDING %soutbox mashd - + 1000000", prefix);

		npending = (long)p->elements;
		pending = xcalloc((size_t)npending, sizeof(char *));
		for (long i = 0; i < npending; i++)
			pending[i] = strdup(p->element[i]->element[0]->str);
		freeReplyObject(p);
		qsort(pending, (size_t)npending, sizeof(char *), cmp_str);
	}
	for (;;) {
		redisReply *r =
		    command("XRANGE %soutbox %s + COUNT 2000", prefix, from);
		size_t n = r->elements;

		for (size_t i = 0; i < n; i++)
			redisAppendCommand(rc, "HGET %salert:%s state", prefix,
					   r->element[i]->element[0]->str);
		for (size_t i = 0; i < n; i++) {
			const char *id = r->element[i]->element[0]->str;
			unsigned long long ms, sq, lms = 0, lsq = 0;
			redisReply *s;
			bool unread;

			if (redisGetReply(rc, (void **)&s) != REDIS_OK)
				die("redis: %s", rc->errstr);
			sscanf(id, "%llu-%llu", &ms, &sq);
			sscanf(last, "%llu-%llu", &lms, &lsq);
			unread = ms > lms || (ms == lms && sq > lsq);
			af->total++;
			if (unread)
				af->unread++;
			else if (member_of(pending, npending, id))
				af->pending++;
			else if (s->type == REDIS_REPLY_STRING &&
				 strcmp(s->str, "sent") == 0)
				af->sent++;
			else if (s->type == REDIS_REPLY_STRING &&
				 strcmp(s->str, "dead") == 0)
				af->dead++;
			else if (s->type == REDIS_REPLY_STRING &&
				 strcmp(s->str, "callback") == 0)
				af->callback++;
			else {
				af->dropped++;
				detail(&v, "alert %s: acknowledged, state %s",
				       id,
				       s->type == REDIS_REPLY_STRING ? s->str
								     : "none");
			}
			if (all_sent &&
			    (unread || member_of(pending, npending, id)))
				detail(&sent, "alert %s: %s", id,
				       unread ? "never read" : "pending");
			freeReplyObject(s);
		}
		if (n > 0)
			snprintf(from, sizeof(from), "(%s",
				 r->element[n - 1]->element[0]->str);
		freeReplyObject(r);
		if (n < 2000)
			break;
	}
	for (long i = 0; i < npending; i++)
		free(pending[i]);
	free(pending);
	verdict(&v, af->dropped == 0,
		"no alert dropped (%ld alerts: %ld sent, %ld pending, %ld "
		"unread, %ld dead, %ld call-back)",
		af->total, af->sent, af->pending, af->unread, af->dead,
		af->callback);
	if (all_sent)
		verdict(&sent, af->pending + af->unread == 0,
			"every alert delivered by the end (%ld of %ld)",
			af->sent + af->dead + af->callback, af->total);
}

/* Mails: how many Message-IDs came more than once, and how many times. */
static void
count_mails(const char *file, long *mails, long *dups)
{
	FILE *f = fopen(file, "r");
	char line[512], **ids = NULL;
	long n = 0, cap = 0;

	*mails = *dups = 0;
	if (f == NULL)
		return; /* no mail at all */
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((ids = realloc(ids, (size_t)cap *
						    sizeof(char *))) == NULL)
				die("out of memory");
		}
		if ((ids[n++] = strdup(line)) == NULL)
			die("out of memory");
	}
	fclose(f);
	qsort(ids, (size_t)n, sizeof(char *), cmp_str);
	for (long i = 0; i < n; i++) {
		if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
			(*dups)++;
	}
	for (long i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	*mails = n;
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *tmpl_file = NULL, *expected = NULL;
	const char *procs = NULL, *maillog = NULL;
	const char *first[MAX_LOGS], *resent[MAX_LOGS];
	int nfirst = 0, nresent = 0, ch;
	long long now = 0;
	long max_parallel = 8, inflight = -1, procs_max = -1;
	bool all_sent = false;
	char *tmpl;
	FILE *f;
	long tlen;
	long acked, lost, broken, dups, misreported, mails = 0, mdups = 0;
	long phantoms, no_answer = 0, answered_503 = 0;
	struct unknowns u;
	struct timers_figures tf;
	struct alerts_figures af;

	while ((ch = getopt(argc, argv, "s:b:P:l:r:n:e:p:m:M:k:A")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'b':
			tmpl_file = optarg;
			break;
		case 'P':
			prefix = optarg;
			break;
		case 'l':
			if (nfirst == MAX_LOGS)
				die("too many -l");
			first[nfirst++] = optarg;
			break;
		case 'r':
			if (nresent == MAX_LOGS)
				die("too many -r");
			resent[nresent++] = optarg;
			break;
		case 'n':
			now = strtoll(optarg, NULL, 10);
			break;
		case 'e':
			expected = optarg;
			break;
		case 'p':
			procs = optarg;
			break;
		case 'm':
			max_parallel = strtol(optarg, NULL, 10);
			break;
		case 'M':
			maillog = optarg;
			break;
		case 'k':
			inflight = strtol(optarg, NULL, 10);
			break;
		case 'A':
			all_sent = true;
			break;
		default:
			die("usage: fault-check -s SOCKET -b TEMPLATE [-P "
			    "PREFIX] "
			    "[-l LOG]... [-r LOG]... [-n NOW_MS] [-e EXPECTED] "
			    "[-p PROCS -m MAX] [-M MAILLOG -k INFLIGHT] [-A]");
		}
	}
	if (sock == NULL || tmpl_file == NULL || nfirst == 0)
		die("-s SOCKET, -b TEMPLATE and at least one -l LOG");
	if ((f = fopen(tmpl_file, "r")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (tlen = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		die("%s: cannot read", tmpl_file);
	tmpl = xcalloc((size_t)tlen + 1, 1);
	if (fread(tmpl, 1, (size_t)tlen, f) != (size_t)tlen)
		die("%s: cannot read", tmpl_file);
	fclose(f);
	if ((rc = redisConnectUnix(sock)) == NULL || rc->err)
		die("cannot reach redis at %s", sock);

	read_first(first, nfirst);
	read_resent(resent, nresent);
	read_refs();
	due_members = read_zset("due", &ndue);
	queue_members = read_zset("queue", &nqueue);
	read_events();
	phantoms = join();

	check_answers();
	check_acknowledged(tmpl, &acked, &lost, &broken);
	check_duplicates(&dups);
	check_503(&misreported);
	check_recovery(&u);
	check_timers(now, expected, &tf);
	if (procs != NULL)
		procs_max = check_procs(procs, max_parallel);
	check_alerts(all_sent, &af);
	if (maillog != NULL)
		count_mails(maillog, &mails, &mdups);

	for (long i = 0; i < nreqs; i++) {
		no_answer += reqs[i].status == 0;
		answered_503 += reqs[i].status == 503;
	}
	printf("figure requests=%ld acknowledged=%ld lost=%ld not_whole=%ld "
	       "duplicated=%ld phantoms=%ld answered_503=%ld "
	       "misreported_503=%ld no_answer=%ld refused=%ld\n",
	       nreqs, acked, lost, broken, dups, phantoms, answered_503,
	       misreported, no_answer, u.refused);
	printf("figure unknown_with_key=%ld recovered=%ld "
	       "recovered_stored_before=%ld unknown_without_key=%ld "
	       "unknown_without_key_stored=%ld\n",
	       u.keyed, u.keyed_recovered, u.keyed_stored_before, u.bare,
	       u.bare_stored);
	printf("figure timers_due=%ld fired=%ld fired_twice=%ld early=%ld "
	       "missed=%ld moved=%ld\n",
	       tf.due, tf.fired, tf.twice, tf.early, tf.missed, tf.moved);
	printf("figure alerts=%ld alerts_sent=%ld alerts_pending=%ld "
	       "alerts_unread=%ld alerts_dead=%ld alerts_dropped=%ld "
	       "max_delivery_procs=%ld\n",
	       af.total, af.sent, af.pending, af.unread, af.dead, af.dropped,
	       procs_max);
	if (maillog != NULL)
		printf("figure mails=%ld mail_duplicates=%ld "
		       "alerts_in_flight_at_kills=%ld\n",
		       mails, mdups, inflight);

	for (long i = 0; i < nrefs; i++)
		json_decref(refs[i].h);
	for (long i = 0; i < ndue; i++)
		free(due_members[i]);
	for (long i = 0; i < nqueue; i++)
		free(queue_members[i]);
	free(due_members);
	free(queue_members);
	free(refs);
	free(reqs);
	free(tmpl);
	redisFree(rc);
	return nfailed > 0 ? 1 : 0;
}
