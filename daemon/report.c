/*
 * report.c owns the timeliness report (include/mash/report.h): each
 * referral received in the range followed through its audit events, and
 * the figures of mashctl(1) computed from them. The statutory measures
 * are fixed (a decision within one working day of receipt, a telephone
 * referral confirmed in writing within 24 hours); screening is measured
 * against the hub's own targets (timers.screening), from receipt or the
 * re-rating that restarted it.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "mash/brag.h"
#include "mash/report.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#define WRITTEN_MS (24 * 3600 * 1000LL)

struct rref {
	char ref[32];
	char channel[16];
	char agency[96];
	enum brag brag;	       /* the rating now */
	enum brag screen_brag; /* the rating screening was measured by */
	int64_t received;
	int64_t screen_start; /* receipt, or the last re-rating */
	int64_t screened;     /* screening done (or a decision); 0 not yet */
	int64_t decided;      /* the decision in force; 0 none */
	int outcome;	      /* enum outcome, or -1 */
	int64_t confirmed;    /* the written confirmation; 0 none */
	int prior;	      /* earlier referrals within the window; -1 ? */
	bool escalated;
};

struct report {
	const struct calendar *cal;
	struct deadline_rules rules;
	int64_t from, to;
	struct rref *refs; /* in the order of their references */
	size_t n, cap;
};

static const char *const by_names[] = {"", "brag", "channel", "agency",
				       "outcome"};

int
report_by_parse(const char *s, enum report_by *out)
{
	if (s == NULL || s[0] == '\0') {
		*out = REPORT_BY_NONE;
		return 0;
	}
	for (size_t i = 1; i < sizeof(by_names) / sizeof(by_names[0]); i++)
		if (strcmp(s, by_names[i]) == 0) {
			*out = (enum report_by)i;
			return 0;
		}
	return -1;
}

const char *
report_by_name(enum report_by by)
{
	return by_names[by];
}

struct report *
report_new(const struct calendar *cal, const struct deadline_rules *rules,
	   int64_t from_ms, int64_t to_ms)
{
	struct report *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->cal = cal;
	r->rules = *rules;
	r->from = from_ms;
	r->to = to_ms;
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	free(r->refs);
	free(r);
}

/* The value of `key=` in a detail, up to the next space (or, with
 * rest, to the end), into buf; false when absent. */
static bool
detail_get(const char *detail, const char *key, bool rest, char *buf,
	   size_t len)
{
	size_t klen = strlen(key), vlen;
	const char *p = detail;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			vlen = rest ? strlen(p) : strcspn(p, " ");
			if (vlen >= len)
				vlen = len - 1;
			memcpy(buf, p, vlen);
			buf[vlen] = '\0';
			return true;
		}
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	return false;
}

static struct rref *
find(const struct report *r, const char *ref)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->refs[mid].ref, ref);

		if (c == 0)
			return &r->refs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A new referral, kept in the order of references (they are made in
 * the order of receipt, so it goes at the end but for a stray). */
static struct rref *
insert(struct report *r, const char *ref)
{
	size_t at = r->n;

	if (r->n == REPORT_MAX_REFERRALS)
		return NULL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct rref *p = realloc(r->refs, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		r->refs = p;
		r->cap = cap;
	}
	while (at > 0 && strcmp(r->refs[at - 1].ref, ref) > 0)
		at--;
	memmove(&r->refs[at + 1], &r->refs[at], (r->n - at) * sizeof(*r->refs));
	r->n++;
	memset(&r->refs[at], 0, sizeof(*r->refs));
	snprintf(r->refs[at].ref, sizeof(r->refs[at].ref), "%s", ref);
	return &r->refs[at];
}

static int
add_submit(struct report *r, const struct report_event *e)
{
	char v[96];
	struct rref *f;

	if (e->at < r->from || e->at >= r->to || find(r, e->ref) != NULL)
		return 0;
	if ((f = insert(r, e->ref)) == NULL)
		return -1;
	f->received = f->screen_start = e->at;
	f->outcome = -1;
	f->prior = -1;
	detail_get(e->detail, "channel", false, f->channel, sizeof(f->channel));
	if (!detail_get(e->detail, "brag", false, v, sizeof(v)) ||
	    brag_parse(v, &f->brag) != 0)
		f->brag = BRAG_BLUE;
	if (detail_get(e->detail, "prior", false, v, sizeof(v)))
		f->prior = atoi(v);
	detail_get(e->detail, "agency", true, f->agency, sizeof(f->agency));
	return 0;
}

/* rate "amber->red reason=...": the new rating, and screening again. */
static void
add_rate(struct rref *f, const char *detail)
{
	const char *arrow = strstr(detail, "->");
	char v[16];
	size_t len;
	enum brag b;

	if (arrow == NULL)
		return;
	len = strcspn(arrow + 2, " ");
	if (len >= sizeof(v))
		return;
	memcpy(v, arrow + 2, len);
	v[len] = '\0';
	if (brag_parse(v, &b) == 0)
		f->brag = b;
}

int
report_add(struct report *r, const struct report_event *e)
{
	struct rref *f;
	char v[32];

	if (e->at >= r->to || e->ref == NULL || e->action == NULL)
		return 0;
	if (strcmp(e->action, "submit") == 0)
		return add_submit(r, e);
	if ((f = find(r, e->ref)) == NULL)
		return 0;
	if (strcmp(e->action, "rate") == 0) {
		add_rate(f, e->detail ? e->detail : "");
		f->screen_start = e->at;
		f->screened = 0;
	} else if (strcmp(e->action, "screen") == 0) {
		if (f->screened == 0) {
			f->screened = e->at;
			f->screen_brag = f->brag;
		}
	} else if (strcmp(e->action, "decide") == 0) {
		f->decided = e->at;
		f->outcome = -1;
		if (detail_get(e->detail, "outcome", false, v, sizeof(v)))
			for (int o = 0; o < OUTCOME_COUNT; o++)
				if (strcmp(v, outcome_names[o]) == 0)
					f->outcome = o;
		if (f->screened == 0) { /* a decision ends screening too */
			f->screened = e->at;
			f->screen_brag = f->brag;
		}
	} else if (strcmp(e->action, "reopen") == 0) {
		f->decided = 0;
		f->outcome = -1;
	} else if (strcmp(e->action, "confirm") == 0) {
		if (f->confirmed == 0)
			f->confirmed = e->at;
	} else if (strcmp(e->action, "fire") == 0) {
		if (detail_get(e->detail, "timer", false, v, sizeof(v)) &&
		    strcmp(v, timer_name(TIMER_ESCALATION)) == 0)
			f->escalated = true;
	}
	return 0;
}

int64_t
report_working_minutes(const struct calendar *cal, int64_t a_ms, int64_t b_ms)
{
	int64_t lo = 0, hi;

	if (!mash_instant_ok(a_ms) || !mash_instant_ok(b_ms) || b_ms <= a_ms ||
	    calendar_add_working_minutes(cal, a_ms, 0) > b_ms)
		return 0;
	/* The most minutes m with a + m working minutes <= b. */
	hi = (b_ms - a_ms) / 60000;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo + 1) / 2;

		if (calendar_add_working_minutes(cal, a_ms, mid) <= b_ms)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* ---- the figures ---------------------------------------------------- */

struct figures {
	long received, decided, in_time, written_due, written_in_time;
	long escalations, open_overdue, prior_known, repeats;
	long screen_due[BRAG_COUNT], screen_in_time[BRAG_COUNT];
	long outcomes[OUTCOME_COUNT];
	int64_t *minutes; /* decision working minutes, one per decided */
};

static void
count(const struct report *r, const struct rref *f, struct figures *g)
{
	int64_t due = calendar_add_working_days(r->cal, f->received, 1);
	enum brag sb = f->screened ? f->screen_brag : f->brag;
	const struct span *target = &r->rules.screening[sb];

	g->received++;
	if (f->decided) {
		g->minutes[g->decided++] =
		    report_working_minutes(r->cal, f->received, f->decided);
		if (f->decided <= due)
			g->in_time++;
		if (f->outcome >= 0)
			g->outcomes[f->outcome]++;
	} else if (due < r->to) {
		g->open_overdue++;
	}
	if (target->unit != SPAN_NONE) {
		int64_t sdue = deadline_after(r->cal, target, f->screen_start);

		g->screen_due[sb]++;
		if (f->screened && sdue != 0 && f->screened <= sdue)
			g->screen_in_time[sb]++;
	}
	if (strcmp(f->channel, channel_names[CHANNEL_PHONE]) == 0) {
		g->written_due++;
		if (f->confirmed && f->confirmed <= f->received + WRITTEN_MS)
			g->written_in_time++;
	}
	if (f->escalated)
		g->escalations++;
	if (f->prior >= 0) {
		g->prior_known++;
		if (f->prior > 0)
			g->repeats++;
	}
}

/* num / den as a percentage to one decimal; null when den is 0. */
static json_t *
pct(long num, long den)
{
	if (den == 0)
		return json_null();
	return json_real((double)((num * 1000 + den / 2) / den) / 10.0);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank p-th percentile of the decision times, in hours to
 * one decimal; null when nothing was decided. */
static json_t *
percentile(const struct figures *g, int p)
{
	int64_t m;
	long rank;

	if (g->decided == 0)
		return json_null();
	rank = ((long)p * g->decided + 99) / 100;
	m = g->minutes[rank - 1];
	return json_real((double)((m * 10 + 30) / 60) / 10.0);
}

static json_t *
figures_json(struct figures *g)
{
	json_t *o = json_object(), *sp = json_object(), *si = json_object(),
	       *sd = json_object(), *out = json_object();

	qsort(g->minutes, (size_t)g->decided, sizeof(*g->minutes), cmp_i64);
	json_object_set_new(o, "received", json_integer(g->received));
	json_object_set_new(o, "decided", json_integer(g->decided));
	json_object_set_new(o, "decided_in_time", json_integer(g->in_time));
	json_object_set_new(o, "decided_in_time_pct",
			    pct(g->in_time, g->received));
	json_object_set_new(o, "decision_working_hours_p50", percentile(g, 50));
	json_object_set_new(o, "decision_working_hours_p90", percentile(g, 90));
	for (int b = 0; b < BRAG_COUNT; b++) {
		json_object_set_new(
		    sp, brag_name(b),
		    pct(g->screen_in_time[b], g->screen_due[b]));
		json_object_set_new(sd, brag_name(b),
				    json_integer(g->screen_due[b]));
		json_object_set_new(si, brag_name(b),
				    json_integer(g->screen_in_time[b]));
	}
	json_object_set_new(o, "screened_in_time_pct", sp);
	json_object_set_new(o, "screening_due", sd);
	json_object_set_new(o, "screened_in_time", si);
	json_object_set_new(o, "written_due", json_integer(g->written_due));
	json_object_set_new(o, "written_in_time",
			    json_integer(g->written_in_time));
	json_object_set_new(o, "escalations", json_integer(g->escalations));
	for (int k = 0; k < OUTCOME_COUNT; k++)
		json_object_set_new(out, outcome_names[k],
				    json_integer(g->outcomes[k]));
	json_object_set_new(o, "outcomes", out);
	json_object_set_new(o, "repeats", json_integer(g->repeats));
	json_object_set_new(o, "repeat_pct", pct(g->repeats, g->prior_known));
	json_object_set_new(o, "open_overdue", json_integer(g->open_overdue));
	return o;
}

/* A referral's group under `by`. */
static const char *
group_of(const struct rref *f, enum report_by by)
{
	switch (by) {
	case REPORT_BY_BRAG:
		return brag_name(f->brag);
	case REPORT_BY_CHANNEL:
		return f->channel[0] ? f->channel : "unknown";
	case REPORT_BY_AGENCY:
		return f->agency[0] ? f->agency : "unknown";
	case REPORT_BY_OUTCOME:
		return f->outcome >= 0 ? outcome_names[f->outcome]
				       : (f->decided ? "unknown" : "undecided");
	default:
		return "";
	}
}

/* The figures of the referrals in group `key` (every one for NULL). */
static json_t *
group_json(const struct report *r, enum report_by by, const char *key)
{
	struct figures g;
	json_t *o;

	memset(&g, 0, sizeof(g));
	if ((g.minutes = calloc(r->n + 1, sizeof(*g.minutes))) == NULL)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (key == NULL || strcmp(group_of(&r->refs[i], by), key) == 0)
			count(r, &r->refs[i], &g);
	o = figures_json(&g);
	free(g.minutes);
	return o;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
report_json(const struct report *r, enum report_by by)
{
	json_t *o = json_object(), *groups = json_array(), *g, *f;
	const char **keys = NULL;

	json_object_set_new(o, "total", group_json(r, by, NULL));
	if (by != REPORT_BY_NONE && r->n > 0 &&
	    (keys = calloc(r->n, sizeof(*keys))) != NULL) {
		for (size_t i = 0; i < r->n; i++)
			keys[i] = group_of(&r->refs[i], by);
		qsort(keys, r->n, sizeof(*keys), cmp_str);
		for (size_t i = 0; i < r->n; i++) {
			if (i > 0 && strcmp(keys[i], keys[i - 1]) == 0)
				continue;
			if ((f = group_json(r, by, keys[i])) == NULL)
				break;
			g = json_pack("{ss}", "group", keys[i]);
			json_object_update(g, f);
			json_decref(f);
			json_array_append_new(groups, g);
		}
		free(keys);
	}
	json_object_set_new(o, "groups", groups);
	return o;
}
