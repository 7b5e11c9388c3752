/*
 * mashctl: the navigators' command line. A thin client: it sends one JSON
 * request over mashd's control socket and prints the one JSON answer, as
 * a table for a person or as JSON with --json for a script.
 *
 * Exit status: 0 done, 1 mashd refused the request, 2 usage, 3 mashd could
 * not be reached, 4 a referral's outcome is unknown (send it again with
 * the idempotency key printed), 5 audit verify found the chain broken.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <libconfig.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/deadline.h"
#include "mash/protocol.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "ask.h"
#include "mashctl.h"
#include "phone.h"
#include "mashctl_queue.h"

static void
usage(void)
{
	size_t n;
	const struct command *c = commands_table(&n);

	fprintf(stderr, "usage: mashctl [-h] [-s socket] [-c config] command "
			"[args]\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %-9s %-36s %s\n", c[i].name, c[i].args,
			c[i].help);
	exit(EXIT_USAGE);
}

static const struct command commands[] = {
    {"status", "[--json]", "mashd, Redis and the queue at a glance",
     cmd_status},
    {"queue",
     "[--brag R] [--mine|--unclaimed] [--overdue] [--limit N] [--after C] "
     "[--all] [--json] [--watch]",
     "open referrals, most urgent first", cmd_queue},
    {"show", "ID [--json]", "one referral, whole (audited)", cmd_show},
    {"history", "ID [--json]", "a referral's audit trail (audited)",
     cmd_history},
    {"list",
     "[--decided|--all] [--since D] [--until D] [--brag R] [--outcome O] "
     "[--agency A] [--limit N] [--after PAGE] [--json]",
     "decided (or all) referrals, newest first, paged", cmd_list},
    {"child", "--name NAME --dob YYYY-MM-DD [--json]",
     "every referral about one child (audited)", cmd_child},
    {"claim", "ID [--force]", "take a referral to work on", cmd_claim},
    {"release", "ID [--force]", "give a claimed referral back", cmd_release},
    {"rate", "ID BRAG --reason TEXT", "re-rate; screening restarts", cmd_rate},
    {"note", "ID TEXT", "add a note to the audit trail", cmd_note},
    {"decide", "ID OUTCOME --reason T [--actions T]",
     "record the decision; stops its timers", cmd_decide},
    {"confirm", "ID", "written confirmation of a phone referral received",
     cmd_confirm},
    {"screen", "ID --reason TEXT", "screening done: its timers stop",
     cmd_screen},
    {"reopen", "ID --reason TEXT", "correct a decision (supervisors)",
     cmd_reopen},
    {"alerts", "[--state S] [--json] | retry ID", "alerts and their delivery",
     cmd_alerts},
    {"callbacks", "[--all] [--json]",
     "referrers no alert reaches: telephone them", cmd_callbacks},
    {"called", "TASK --note TEXT", "a call-back made: close its task",
     cmd_called},
    {"referral", "new [--file F | --draft F] [--idempotency-key K]",
     "a telephone referral (channel phone)", cmd_referral},
    {"deadlines", "--received T --channel C --brag R [--explain]",
     "compute due times offline", cmd_deadlines},
    {"explain", "ID [TIMER] [--json]", "how each due time was reached",
     cmd_explain},
    {"calendar", "[--year Y] [--json]", "office hours and holidays",
     cmd_calendar},
    {"help", "[COMMAND]", "this list, or one command's usage", cmd_help},
    {"audit", "verify [--from ID] [--json]", "check the audit's hash chain",
     cmd_audit},
    {"report", "--from DATE --to DATE [--by K] [--json|--csv]",
     "timeliness figures (audited)", cmd_report},
};

int
main(int argc, char **argv)
{
	struct ctx x = {NULL, NULL, false};
	const struct command *match = NULL;
	size_t n, nmatch = 0;
	int ch;

	/* Only to measure text for the terminal's columns (padded()). */
	setlocale(LC_CTYPE, "");
	commands_use(commands, sizeof(commands) / sizeof(commands[0]));
	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		help_exit(NULL);
	while ((ch = getopt(argc, argv, "+s:c:h")) != -1) {
		switch (ch) {
		case 'h':
			help_exit(NULL);
		case 's':
			x.socket = optarg;
			break;
		case 'c':
			x.config = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	commands_table(&n);
	/* An exact name wins; else a unique prefix, as smtpctl allows. */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			match = &commands[i];
			nmatch = 1;
			break;
		}
		if (strncmp(argv[0], commands[i].name, strlen(argv[0])) == 0) {
			match = &commands[i];
			nmatch++;
		}
	}
	if (nmatch == 0) {
		const char *names[sizeof(commands) / sizeof(commands[0])];

		for (size_t i = 0; i < n; i++)
			names[i] = commands[i].name;
		did_you_mean("command", argv[0], names, n);
		return EXIT_USAGE;
	}
	if (nmatch != 1) {
		fprintf(stderr, "mashctl: %s command \"%s\"; one of:",
			nmatch ? "ambiguous" : "unknown", argv[0]);
		for (size_t i = 0; i < n; i++)
			if (nmatch == 0 || strncmp(argv[0], commands[i].name,
						   strlen(argv[0])) == 0)
				fprintf(stderr, " %s", commands[i].name);
		fprintf(stderr, "\n");
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) /* mashctl COMMAND ... --help */
		if (strcmp(argv[i], "--help") == 0)
			help_exit(match);
	return match->fn(&x, argc, argv);
}
