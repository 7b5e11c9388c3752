/*
 * mashctl_help.c: mashctl's help for a person, on standard output with
 * exit status 0 (a mistake's usage goes to standard error with 2, from
 * mashctl.c): `mashctl -h`, `--help` and `help` list every command;
 * `mashctl help COMMAND` and `mashctl COMMAND --help` give one command's
 * usage and what it does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashctl.h"

static void
list(void)
{
	size_t n;
	const struct command *c = commands_table(&n);

	printf("usage: mashctl [-h] [-s socket] [-c config] command "
	       "[args]\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-9s %-36s %s\n", c[i].name, c[i].args, c[i].help);
	printf("\nA command may be shortened to any unique prefix. "
	       "`mashctl help COMMAND`\nsays more of one; mashctl(1) says "
	       "all.\n");
}

_Noreturn void
help_exit(const struct command *c)
{
	if (c == NULL)
		list();
	else
		printf("usage: mashctl %s %s\n\n%c%s.\nSee mashctl(1).\n",
		       c->name, c->args, toupper((unsigned char)c->help[0]),
		       c->help + 1);
	exit(0);
}

/* help [COMMAND]: the command named exactly or by a unique prefix. */
int
cmd_help(struct ctx *x, int argc, char **argv)
{
	size_t n, nmatch = 0;
	const struct command *c = commands_table(&n), *match = NULL;
	char *pos[1];

	if (parse_opts(x, argc, argv, NULL, NULL, pos, 1) == 0)
		help_exit(NULL);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pos[0], c[i].name) == 0) {
			match = &c[i];
			nmatch = 1;
			break;
		}
		if (strncmp(pos[0], c[i].name, strlen(pos[0])) == 0) {
			match = &c[i];
			nmatch++;
		}
	}
	if (nmatch != 1) {
		fprintf(stderr,
			"mashctl: %s command \"%s\": see mashctl help\n",
			nmatch ? "ambiguous" : "unknown", pos[0]);
		return EXIT_USAGE;
	}
	help_exit(match);
}
