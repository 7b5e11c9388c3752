/*
 * mashctl_referral.c: referral new, a telephone referral taken at a
 * terminal (phone.c) or read from a file, sent to mashd once.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
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

/*
 * The outcome of a telephone referral is unknown (mashd could not tell
 * whether Redis stored it): say so, with the key that makes sending it
 * again safe. At a terminal, with the record typed in, offer to send it
 * again at once; true when the call handler wants that. If not, what was
 * typed is kept as a draft to send with that key.
 */
static bool
referral_unknown(struct ctx *x, json_t *a, const char *file, struct phone *ph)
{
	const char *key = str(a, "idempotency_key");

	if (x->json) {
		json_object_del(a, "ok");
		print_json(a);
		if (ph != NULL)
			phone_keep(ph, key);
		return false;
	}
	fprintf(stderr, "mashctl: %s:\n", str(a, "error"));
	if (ph == NULL) {
		fprintf(stderr,
			"  mashctl referral new --file %s --idempotency-key "
			"%s\n",
			file == NULL || strcmp(file, "-") == 0 ? "FILE" : file,
			key);
		return false;
	}
	if (ask_yes_no(stdin, stdout, "Send it again now, with that key?") == 1)
		return true;
	phone_keep(ph, key);
	return false;
}

/* A key of mashctl's own, so that the referral can be sent again safely
 * even when no answer came back to say which key mashd gave it. */
static void
new_key(char *key, size_t size)
{
	unsigned char r[12];
	size_t n = 0;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		perror("mashctl: getrandom");
		exit(EXIT_UNREACHABLE);
	}
	n = (size_t)snprintf(key, size, "mashctl-");
	for (size_t i = 0; i < sizeof(r) && n + 2 < size; i++)
		n += (size_t)snprintf(key + n, size - n, "%02x", r[i]);
}

/* The record of --file (or "-"), or NULL having said why. */
static json_t *
referral_file(const char *file)
{
	json_error_t jerr;
	json_t *rec;

	if (strcmp(file, "-") == 0)
		rec = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		rec = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (rec == NULL)
		fprintf(stderr, "mashctl: %s:%d: %s\n", file, jerr.line,
			jerr.text);
	return rec;
}

/* referral new --file F [--idempotency-key KEY]: a telephone referral,
 * whole, from a file ("-" is standard input). Without --file, at a
 * terminal, asked field by field (phone.h), or taken up from --draft.
 * The call handler reads the reference back. The same key with the same
 * record never stores it twice. */
int
cmd_referral(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"file", "idempotency-key", "draft",
					    NULL};
	const char *values[3] = {NULL, NULL, NULL};
	char *pos[1], key[256] = "";
	struct phone ph, *typed = NULL;
	json_t *rec, *a, *req;
	int rc;

	if (parse_opts(x, argc, argv, names, values, pos, 1) != 1 ||
	    strcmp(pos[0], "new") != 0 ||
	    (values[0] != NULL && values[2] != NULL) ||
	    (values[0] == NULL && !isatty(STDIN_FILENO))) {
		fprintf(stderr, "usage: mashctl referral new [--file "
				"referral.json | --draft FILE] "
				"[--idempotency-key KEY] [--json]\n"
				"       (without --file, on a terminal: asked "
				"field by field)\n");
		return EXIT_USAGE;
	}
	if (values[0] == NULL) {
		typed = &ph;
		rc = phone_take(&ph, values[2], (int64_t)time(NULL) * 1000);
		if (rc != 0) {
			phone_free(&ph);
			return rc == 1 ? EXIT_REFUSED : EXIT_USAGE;
		}
		rec = json_incref(phone_record(&ph));
	} else if ((rec = referral_file(values[0])) == NULL)
		return EXIT_USAGE;
	if (values[1] != NULL)
		snprintf(key, sizeof(key), "%s", values[1]);
	else
		new_key(key, sizeof(key));
	for (;;) {
		int why;

		req = json_pack("{ss sO ss}", "cmd", "submit", "record", rec,
				"idempotency_key", key);
		if ((a = request_try(x, req, &why)) == NULL &&
		    why == EXIT_UNKNOWN)
			a = json_pack(
			    "{sb ss ss ss}", "ok", 0, "outcome", "unknown",
			    "idempotency_key", key, "error",
			    "no answer came from mashd: the referral "
			    "may or may not be stored; sent again with "
			    "its idempotency key, it is stored once");
		if (a == NULL) /* not sent: kept as a draft at exit */
			exit(why);
		if (json_is_true(json_object_get(a, "ok")))
			break;
		if (strcmp(str(a, "outcome"), "unknown") != 0) {
			fprintf(stderr, "mashctl: %s\n", str(a, "error"));
			if (typed != NULL) {
				phone_keep(typed, NULL);
				phone_free(typed);
			}
			json_decref(a);
			json_decref(rec);
			return EXIT_REFUSED;
		}
		/* The same key again: mashd's, when none was given. */
		snprintf(key, sizeof(key), "%s", str(a, "idempotency_key"));
		if (!referral_unknown(x, a, values[0], typed)) {
			if (typed != NULL)
				phone_free(typed);
			json_decref(a);
			json_decref(rec);
			return EXIT_UNKNOWN;
		}
		json_decref(a);
	}
	json_decref(rec);
	if (x->json) {
		json_object_del(a, "ok");
		print_json(a);
	} else {
		printf("Reference %s, rated %s. Read the reference back to "
		       "the caller.\n",
		       str(a, "id"), str(a, "brag"));
	}
	if (typed != NULL) {
		phone_sent(typed);
		phone_free(typed);
	}
	json_decref(a);
	return 0;
}
