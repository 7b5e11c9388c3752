/*
 * mashctl_audit.c: `mashctl audit verify [--from ID]`, the check of the
 * audit's hash chain that mashd walks page by page, and the line of
 * `mashctl status` that says when it last ran.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mashctl.h"

static int
audit_verify(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"from", NULL};
	const char *values[1] = {NULL};
	bool ok;
	json_t *a, *req;

	parse_opts(x, argc, argv, names, values, NULL, 0);
	req = json_pack("{ss}", "cmd", "audit_verify");
	if (values[0] != NULL)
		json_object_set_new(req, "from", json_string(values[0]));
	a = request(x, req);
	ok = json_is_true(json_object_get(a, "verified"));
	if (x->json) {
		json_object_del(a, "ok");
		print_json(a);
	} else if (ok) {
		printf("audit verified: %lld events in an unbroken chain",
		       (long long)json_integer_value(
			   json_object_get(a, "checked")));
		if (json_integer_value(json_object_get(a, "unchained")) > 0)
			printf(", of which the first %lld were written before "
			       "the chain existed and carry no hash",
			       (long long)json_integer_value(
				   json_object_get(a, "unchained")));
		printf("\n");
	} else {
		printf("audit verification FAILED: event %s was %s\n",
		       str(a, "event"), str(a, "what"));
	}
	json_decref(a);
	return ok ? 0 : EXIT_TAMPERED;
}

int
cmd_audit(struct ctx *x, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		fprintf(stderr, "usage: mashctl audit verify [--from ID] "
				"[--json]\n");
		return EXIT_USAGE;
	}
	return audit_verify(x, argc - 1, argv + 1);
}

void
audit_status(struct ctx *x, json_t *status)
{
	const json_t *a = json_object_get(status, "audit");

	if (x->json || !json_is_object(a))
		return;
	if (strcmp(str(a, "result"), "never") == 0)
		printf("%-9snever verified (mashctl audit verify)\n", "audit");
	else if (strcmp(str(a, "result"), "ok") == 0)
		printf("%-9sverified %s: ok, %lld events\n", "audit",
		       str(a, "at_local"),
		       (long long)json_integer_value(
			   json_object_get(a, "checked")));
	else
		printf("%-9sverified %s: FAILED at event %s (%s)\n", "audit",
		       str(a, "at_local"), str(a, "event"), str(a, "what"));
}
