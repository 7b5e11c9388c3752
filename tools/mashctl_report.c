/*
 * mashctl_report.c: `mashctl report --from DATE --to DATE [--by K]
 * [--json|--csv]`, the timeliness report that mashd computes from the
 * audit stream (mashctl(1) defines each figure): a table for a person,
 * one column per group; JSON as mashd gives it; CSV, one row per group.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/words.h"

#include "mashctl.h"

/* The figures in their order: a label for the table, a CSV column, the
 * member, and for an object of figures, its member. */
struct row {
	const char *label, *column, *key, *sub;
};

static const struct row rows[] = {
    {"received", "received", "received", NULL},
    {"decided", "decided", "decided", NULL},
    {"decided in time", "decided_in_time", "decided_in_time", NULL},
    {"decided in time %", "decided_in_time_pct", "decided_in_time_pct", NULL},
    {"decision hours p50", "decision_working_hours_p50",
     "decision_working_hours_p50", NULL},
    {"decision hours p90", "decision_working_hours_p90",
     "decision_working_hours_p90", NULL},
    {"screened in time % red", "screened_in_time_pct_red",
     "screened_in_time_pct", "red"},
    {"screened in time % amber", "screened_in_time_pct_amber",
     "screened_in_time_pct", "amber"},
    {"screened in time % green", "screened_in_time_pct_green",
     "screened_in_time_pct", "green"},
    {"screened in time % blue", "screened_in_time_pct_blue",
     "screened_in_time_pct", "blue"},
    {"written due", "written_due", "written_due", NULL},
    {"written in time", "written_in_time", "written_in_time", NULL},
    {"escalations", "escalations", "escalations", NULL},
    {"repeat %", "repeat_pct", "repeat_pct", NULL},
    {"open overdue", "open_overdue", "open_overdue", NULL},
};

/* One figure as text: "-" for null (nothing to measure). */
static const char *
figure(const json_t *g, const char *key, const char *sub, char *buf, size_t len)
{
	const json_t *v = json_object_get(g, key);

	if (sub != NULL)
		v = json_object_get(v, sub);
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_number(v))
		snprintf(buf, len, "%.1f", json_number_value(v));
	else
		snprintf(buf, len, "-");
	return buf;
}

static void
csv_field(const char *s, bool first)
{
	if (!first)
		putchar(',');
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
csv_row(const char *group, const json_t *g)
{
	char buf[32];

	csv_field(group, true);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		printf(",%s",
		       figure(g, rows[i].key, rows[i].sub, buf, sizeof(buf)));
	for (int o = 0; o < OUTCOME_COUNT; o++)
		printf(",%s", figure(g, "outcomes", outcome_names[o], buf,
				     sizeof(buf)));
	printf("\n");
}

static void
print_csv(const json_t *a)
{
	const json_t *g;
	size_t i;

	printf("group");
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		printf(",%s", rows[k].column);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		printf(",outcome_%s", outcome_names[o]);
	printf("\n");
	csv_row("total", json_object_get(a, "total"));
	json_array_foreach(json_object_get(a, "groups"), i, g)
	    csv_row(str(g, "group"), g);
}

static void
table_row(const json_t *a, const char *label, const char *key, const char *sub)
{
	const json_t *g;
	char buf[32];
	size_t i;

	printf("%-26s %9s", label,
	       figure(json_object_get(a, "total"), key, sub, buf, sizeof(buf)));
	json_array_foreach(json_object_get(a, "groups"), i, g)
	    printf(" %12s", figure(g, key, sub, buf, sizeof(buf)));
	printf("\n");
}

static void
print_table(const json_t *a)
{
	const json_t *g;
	char label[64];
	size_t i;

	printf("Referrals received from %s to %s\n\n", str(a, "from_local"),
	       str(a, "to_local"));
	printf("%-26s %9s", "", "total");
	json_array_foreach(json_object_get(a, "groups"), i, g)
	    printf(" %12.12s", str(g, "group"));
	printf("\n");
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		table_row(a, rows[k].label, rows[k].key, rows[k].sub);
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		snprintf(label, sizeof(label), "outcome %s", outcome_names[o]);
		table_row(a, label, "outcomes", outcome_names[o]);
	}
}

int
cmd_report(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"from", "to", "by", NULL};
	const char *values[3] = {NULL, NULL, NULL};
	bool csv = take_flag(&argc, argv, "--csv");
	json_t *a, *req;

	parse_opts(x, argc, argv, names, values, NULL, 0);
	if (values[0] == NULL || values[1] == NULL) {
		fprintf(stderr, "usage: mashctl report --from DATE --to DATE "
				"[--by brag|channel|agency|outcome] "
				"[--json|--csv]\n");
		return EXIT_USAGE;
	}
	req = json_pack("{ss ss ss}", "cmd", "report", "from", values[0], "to",
			values[1]);
	if (values[2] != NULL)
		json_object_set_new(req, "by", json_string(values[2]));
	a = request(x, req);
	json_object_del(a, "ok");
	if (x->json)
		json_dumpf(a, stdout,
			   JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			       JSON_REAL_PRECISION(15));
	if (x->json)
		putchar('\n');
	else if (csv)
		print_csv(a);
	else
		print_table(a);
	json_decref(a);
	return 0;
}
