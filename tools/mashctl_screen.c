/*
 * mashctl_screen.c: the commands that record where a referral stands in
 * its screening and decision: screen ID --reason TEXT, and reopen ID
 * --reason TEXT (supervisors) to correct a decision.
 */
#include <stdio.h>

#include <jansson.h>

#include "mashctl.h"

/* ID --reason TEXT: one change by `cmd`, or usage. */
static int
id_reason(struct ctx *x, int argc, char **argv, const char *cmd,
	  const char *done)
{
	static const char *const names[] = {"reason", NULL};
	const char *values[1] = {NULL};
	char *pos[1];
	json_t *a;

	if (parse_opts(x, argc, argv, names, values, pos, 1) != 1 ||
	    values[0] == NULL) {
		fprintf(stderr, "usage: mashctl %s ID --reason TEXT\n", cmd);
		return EXIT_USAGE;
	}
	pos[0] = (char *)ref_resolve(x, pos[0]);
	a = request(x, json_pack("{ss ss ss}", "cmd", cmd, "id", pos[0],
				 "reason", values[0]));
	return answered(x, a, "%s: %s\n", pos[0], done);
}

int
cmd_screen(struct ctx *x, int argc, char **argv)
{
	return id_reason(x, argc, argv, "screen", "screening recorded");
}

int
cmd_reopen(struct ctx *x, int argc, char **argv)
{
	return id_reason(x, argc, argv, "reopen", "reopened; decide it again");
}
