/*
 * phone: the telephone referral at a terminal (see phone.h).
 *
 * Ctrl-C: SIGINT is caught without SA_RESTART, so the read in progress
 * returns; nothing typed is dropped until the call handler says so.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "phone.h"

enum { TAKE_SEND = 0, TAKE_NOTHING = 1, TAKE_BAD_DRAFT = 2 };
/* What the call handler chose when interrupted. */
enum { GO_ON, STOP };

static volatile sig_atomic_t interrupted;
/* A record on its way to mashd: kept as a draft if mashctl exits first
 * (mashd unreachable exits at once). */
static struct phone *sending;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* A line of stdin, trimmed at its end; NULL at its end or on Ctrl-C. */
static char *
line_in(char **buf, size_t *cap)
{
	ssize_t n = getline(buf, cap, stdin);

	if (n < 0)
		return NULL;
	while (n > 0 && strchr(" \t\r\n", (*buf)[n - 1]) != NULL)
		(*buf)[--n] = '\0';
	return *buf + strspn(*buf, " \t");
}

/* Was the read that failed a Ctrl-C (then stdin reads on)? */
static bool
was_interrupt(void)
{
	bool yes = interrupted;

	interrupted = 0;
	clearerr(stdin);
	if (yes)
		printf("\n");
	return yes;
}

static void
default_draft(struct phone *p)
{
	char stamp[32];
	time_t now = time(NULL);

	if (p->draft[0] != '\0')
		return;
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	snprintf(p->draft, sizeof(p->draft), "referral-draft-%s.json", stamp);
}

/*
 * Write the draft to `path`, readable by its owner only. A new name
 * never overwrites a file; the draft taken up is replaced whole.
 */
static int
write_draft(struct phone *p, const char *path, bool replace)
{
	char tmp[sizeof(p->draft) + 8];
	json_t *d = ask_draft(&p->ask);
	FILE *f;
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(replace ? tmp : path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		fprintf(stderr, "mashctl: %s: %s\n", replace ? tmp : path,
			strerror(errno));
		json_decref(d);
		return -1;
	}
	if ((f = fdopen(fd, "w")) != NULL &&
	    json_dumpf(d, f, JSON_INDENT(2)) == 0 && fputc('\n', f) != EOF &&
	    fflush(f) == 0 && fsync(fd) == 0)
		rc = 0;
	if (f != NULL ? fclose(f) != 0 : close(fd) != 0)
		rc = -1;
	if (rc == 0 && replace && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "mashctl: %s: %s\n", path, strerror(errno));
		unlink(replace ? tmp : path);
	}
	json_decref(d);
	return rc;
}

/* Save under the name the call handler gives (Enter: the default), or
 * the default unasked; say where on `say`. */
static int
save_draft(struct phone *p, bool ask_name, FILE *say)
{
	char *buf = NULL, *line;
	size_t cap = 0;
	int rc = -1;

	default_draft(p);
	for (;;) {
		if (ask_name) {
			printf("Save the draft as [%s]: ", p->draft);
			fflush(stdout);
			if ((line = line_in(&buf, &cap)) == NULL) {
				if (was_interrupt())
					break; /* back to the choice */
				line = "";
			}
			if (*line != '\0') {
				snprintf(p->draft, sizeof(p->draft), "%s",
					 line);
				p->from_draft = false;
			}
		}
		if ((rc = write_draft(p, p->draft, p->from_draft)) == 0 ||
		    !ask_name)
			break;
	}
	free(buf);
	if (rc == 0)
		fprintf(say,
			"Draft saved as %s (readable by you only). Nothing "
			"was sent.\nTake it up again with: mashctl referral "
			"new --draft %s\n",
			p->draft, p->draft);
	return rc;
}

/* Anything lost? At the end of input: a draft, said where. */
static int
input_ended(struct phone *p)
{
	if (!ask_started(&p->ask)) {
		fprintf(stderr, "mashctl: nothing typed, nothing sent\n");
		return STOP;
	}
	printf("\nThe input ended: keeping what was typed.\n");
	save_draft(p, false, stdout);
	return STOP;
}

/* Ctrl-C: carry on, keep a draft, or (asked again) discard. */
static int
on_interrupt(struct phone *p)
{
	char *buf = NULL, *line;
	size_t cap = 0;
	int rc = GO_ON;

	if (!ask_started(&p->ask)) {
		fprintf(stderr, "mashctl: nothing typed, nothing sent\n");
		return STOP;
	}
	for (;;) {
		printf("Interrupted. Continue (c), save a draft (d) or discard "
		       "what was typed (x)? ");
		fflush(stdout);
		if ((line = line_in(&buf, &cap)) == NULL) {
			if (was_interrupt())
				continue;
			rc = input_ended(p);
			break;
		}
		if (strcasecmp(line, "c") == 0)
			break;
		if (strcasecmp(line, "d") == 0 &&
		    save_draft(p, true, stdout) == 0) {
			rc = STOP;
			break;
		}
		if (strcasecmp(line, "x") == 0 &&
		    ask_yes_no(stdin, stdout,
			       "Discard everything typed for this referral?") ==
			1) {
			fprintf(stderr, "mashctl: discarded, nothing sent\n");
			rc = STOP;
			break;
		}
		(void)was_interrupt();
	}
	free(buf);
	return rc;
}

/* A read ended early: what now? */
static int
stopped(struct phone *p)
{
	return was_interrupt() ? on_interrupt(p) : input_ended(p);
}

/* "e 12", or "e" and the number asked for. */
static int
edit(struct phone *p, const char *arg)
{
	char *buf = NULL, *line, *end;
	size_t cap = 0;
	long n;
	int rc;

	if (*arg == '\0') {
		printf("Which field (its number)? ");
		fflush(stdout);
		if ((line = line_in(&buf, &cap)) == NULL) {
			free(buf);
			return stopped(p);
		}
		arg = line;
	}
	n = strtol(arg, &end, 10);
	rc = *end == '\0' ? ask_edit(&p->ask, (int)n, stdin, stdout) : 1;
	free(buf);
	if (rc == 1)
		printf("  No field has that number: see the numbers above.\n");
	return rc < 0 ? stopped(p) : GO_ON;
}

/* The record read back, then the call handler's choice. */
static int
choose(struct phone *p)
{
	struct referral_error err;
	char *buf = NULL, *line;
	size_t cap = 0;
	int rc = -1;

	while (rc < 0) {
		bool ready = ask_complete(&p->ask, &err) == 0;

		printf("\nThe referral, to read back to the caller:\n");
		ask_readback(&p->ask, stdout);
		if (!ready)
			printf("  Not ready to send: %s.\n", err.message);
		printf("Send (s), edit a field (e NUMBER), save a draft (d) or "
		       "discard (x)? ");
		fflush(stdout);
		if ((line = line_in(&buf, &cap)) == NULL) {
			if (stopped(p) == STOP)
				rc = TAKE_NOTHING;
		} else if (strcasecmp(line, "s") == 0 && ready) {
			rc = TAKE_SEND;
		} else if (strcasecmp(line, "s") == 0) {
			printf("  Edit the field named above first.\n");
		} else if (tolower((unsigned char)line[0]) == 'e' &&
			   (line[1] == '\0' || line[1] == ' ')) {
			if (edit(p, line + 1 + strspn(line + 1, " ")) == STOP)
				rc = TAKE_NOTHING;
		} else if (strcasecmp(line, "d") == 0) {
			if (save_draft(p, true, stdout) == 0)
				rc = TAKE_NOTHING;
		} else if (strcasecmp(line, "x") == 0) {
			if (ask_yes_no(stdin, stdout,
				       "Discard this referral? Nothing typed "
				       "will be kept") == 1) {
				fprintf(stderr,
					"mashctl: discarded, nothing sent\n");
				rc = TAKE_NOTHING;
			}
			(void)was_interrupt();
		} else {
			printf("  Answer s, e and a number, d or x.\n");
		}
	}
	free(buf);
	return rc;
}

static int
load_draft(struct phone *p, const char *path)
{
	json_error_t jerr;
	const char *why;
	json_t *d = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

	if (d == NULL) {
		fprintf(stderr, "mashctl: %s: %s\n", path, jerr.text);
		return -1;
	}
	if (ask_from_draft(&p->ask, d, &why) != 0) {
		fprintf(stderr, "mashctl: %s: %s\n", path, why);
		json_decref(d);
		return -1;
	}
	json_decref(d);
	snprintf(p->draft, sizeof(p->draft), "%s", path);
	p->from_draft = true;
	printf("Taking up the draft %s.\n", path);
	return 0;
}

int
phone_take(struct phone *p, const char *draft_path, int64_t now_ms)
{
	struct sigaction sa;
	int rc;

	memset(p, 0, sizeof(*p));
	ask_init(&p->ask, now_ms);
	if (draft_path != NULL && load_draft(p, draft_path) != 0)
		return TAKE_BAD_DRAFT;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	/* Caught until phone_free: while the record is sent too (the read
	 * of mashd's answer goes on after EINTR), so that Ctrl-C then
	 * cannot leave its storing unknown and the record lost. */
	sigaction(SIGINT, &sa, &p->old_sigint);
	p->caught = true;
	printf("A telephone referral. Leave an answer empty to skip a "
	       "question that is not required; Ctrl-C to stop (what was "
	       "typed is kept if you wish).\n");
	for (;;) {
		if (ask_run(&p->ask, stdin, stdout) == 0) {
			rc = choose(p);
			break;
		}
		if (stopped(p) == STOP) {
			rc = TAKE_NOTHING;
			break;
		}
	}
	return rc;
}

static void
keep_at_exit(void)
{
	if (sending != NULL)
		phone_keep(sending, NULL);
	sending = NULL;
}

json_t *
phone_record(struct phone *p)
{
	static bool registered;

	if (!registered)
		registered = atexit(keep_at_exit) == 0;
	sending = p;
	return p->ask.answers;
}

void
phone_sent(struct phone *p)
{
	sending = NULL;
	if (!p->from_draft)
		return;
	if (unlink(p->draft) == 0)
		printf("The draft %s is removed: the referral is stored.\n",
		       p->draft);
	else
		fprintf(stderr, "mashctl: %s: %s: remove it by hand\n",
			p->draft, strerror(errno));
}

int
phone_keep(struct phone *p, const char *key)
{
	sending = NULL;
	if (save_draft(p, false, stderr) != 0)
		return -1;
	fprintf(stderr, "  mashctl referral new --draft %s%s%s\n", p->draft,
		key != NULL ? " --idempotency-key " : "",
		key != NULL ? key : "");
	return 0;
}

void
phone_free(struct phone *p)
{
	if (p->caught)
		sigaction(SIGINT, &p->old_sigint, NULL);
	p->caught = false;
	if (sending == p)
		sending = NULL;
	ask_free(&p->ask);
}
