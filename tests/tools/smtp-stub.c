/*
 * smtp-stub: the tests' `sendmail -bs`. Run as `smtp-stub DIR MAILDIR
 * [args...]` (the tests' $T/sendmail execs it), it speaks the server side
 * of SMTP on its standard input and output, and writes each message it
 * takes, un-stuffed and with LF line ends, as MAILDIR/N.eml (its
 * arguments as N.args, its MAIL and RCPT arguments as N.from, N.rcpt). DIR/log
 * gets a line for its start and for each command (the verb only); DIR/act, read
 * at every command, makes it misbehave: a line "STEP WHAT", STEP one of MAIL,
 * RCPT, RCPT1 (the first RCPT of a message only), DATA, DOT (the end of
 * the data), WHAT a reply code to give
 * instead of the right one, "die" (exit at once, leaving a child of its
 * own, "orphan PID" in the log),
 * "hang" (answer nothing, ever) or "slow" (the right reply, two seconds late).
 * A MAIL while a transaction is open (before the reply to its "." or an
 * RSET) gets 503, as from Postfix: a client must RSET after a failure.
 * Without -bs it is `sendmail -t`: it writes its input as MAILDIR/N.eml and
 * exits 0.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *dir, *maildir;
static int nmsg;	/* messages taken by this process */
static char from[1024]; /* the MAIL command's argument */
static int nrcpt;	/* RCPT commands of this message */

static void
logf_(const char *fmt, ...)
{
	char path[4096];
	FILE *f;
	va_list ap;

	snprintf(path, sizeof(path), "%s/log", dir);
	if ((f = fopen(path, "a")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void
reply(const char *s)
{
	fputs(s, stdout);
	fflush(stdout);
}

/* What DIR/act says for STEP: 0 none, -1 die, -2 hang, else a code. */
static int
act(const char *step)
{
	char path[4096], s[32], w[32];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "%s/act", dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fscanf(f, "%31s %31s", s, w) == 2)
		if (strcmp(s, step) == 0)
			r = strcmp(w, "die") == 0    ? -1
			    : strcmp(w, "hang") == 0 ? -2
			    : strcmp(w, "slow") == 0 ? -3
						     : atoi(w);
	fclose(f);
	return r;
}

/* Misbehave at STEP if told to; true when a reply was given instead. */
static int
odd(const char *step)
{
	int a = act(step);

	if (a == -1) {
		/* As an MTA's own process might, one it started outlives
		 * it, in its process group. */
		pid_t kid = fork();

		if (kid == 0) {
			execlp("sleep", "sleep", "300", (char *)NULL);
			_exit(127);
		}
		logf_("orphan %ld\n", (long)kid);
		logf_("die %s\n", step);
		exit(1);
	}
	if (a == -2) {
		logf_("hang %s\n", step);
		for (;;)
			pause();
	}
	if (a == -3) {
		logf_("slow %s\n", step);
		sleep(2);
	}
	if (a > 0) {
		printf(
		    "%d 5.1.1 <someone@else.example> refused by the stub\r\n",
		    a);
		fflush(stdout);
		return 1;
	}
	return 0;
}

static void
data(const char *rcpt, int nargs, char **args)
{
	char line[8192], name[4096], tmp[4200], path[4300];
	FILE *f;
	int first = 1;

	snprintf(name, sizeof(name), "%s/%lld.%ld", maildir,
		 (long long)time(NULL), (long)getpid());
	snprintf(name + strlen(name), sizeof(name) - strlen(name), ".%d",
		 ++nmsg);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	if ((f = fopen(tmp, "w")) == NULL)
		exit(2);
	reply("354 go ahead\r\n");
	while (fgets(line, sizeof(line), stdin) != NULL) {
		size_t n = strlen(line);
		char *p = line;

		if (strcmp(line, ".\r\n") == 0)
			break;
		if (first && act("DATA") == -1) {
			logf_("die DATA\n");
			exit(1);
		}
		first = 0;
		if (n >= 2 && line[n - 2] == '\r')
			line[n - 2] = '\n', line[n - 1] = '\0';
		if (p[0] == '.')
			p++;
		fputs(p, f);
	}
	fclose(f);
	logf_("DOT\n");
	if (odd("DOT")) {
		unlink(tmp);
		return;
	}
	snprintf(path, sizeof(path), "%s.rcpt", name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(rcpt, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s.from", name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(from, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s.args", name);
	if ((f = fopen(path, "w")) != NULL) {
		for (int i = 0; i < nargs; i++)
			fprintf(f, "%s%s", i ? " " : "", args[i]);
		fputc('\n', f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s.eml", name);
	rename(tmp, path);
	reply("250 2.0.0 queued\r\n");
}

/* sendmail -t: the message on the input, as it is. */
static int
per_mail(int nargs, char **args)
{
	char name[4096], path[4200], buf[8192];
	size_t n;
	FILE *f;

	snprintf(name, sizeof(name), "%s/%lld.%ld.t", maildir,
		 (long long)time(NULL), (long)getpid());
	snprintf(path, sizeof(path), "%s.args", name);
	if ((f = fopen(path, "w")) == NULL)
		return 2;
	for (int i = 0; i < nargs; i++)
		fprintf(f, "%s%s", i ? " " : "", args[i]);
	fputc('\n', f);
	fclose(f);
	snprintf(path, sizeof(path), "%s.tmp", name);
	if ((f = fopen(path, "w")) == NULL)
		return 2;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		fwrite(buf, 1, n, f);
	fclose(f);
	snprintf(buf, sizeof(buf), "%s.eml", name);
	return rename(path, buf) == 0 ? 0 : 2;
}

int
main(int argc, char **argv)
{
	char line[1024], rcpt[8192] = "";
	int bs = 0;
	/* A transaction is open from a MAIL taken to the reply to its "."
	 * or an RSET; a MAIL inside one is refused, as Postfix does. */
	bool open = false;

	if (argc < 3)
		return 2;
	dir = argv[1];
	maildir = argv[2];
	for (int i = 3; i < argc; i++)
		bs |= strcmp(argv[i], "-bs") == 0;
	logf_("start %ld%s\n", (long)getpid(), bs ? "" : " -t");
	if (!bs)
		return per_mail(argc - 3, argv + 3);
	reply("220 stub ESMTP\r\n");
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char verb[5] = "";

		sscanf(line, "%4s", verb);
		logf_("%s\n", verb);
		if (strcmp(verb, "EHLO") == 0 || strcmp(verb, "HELO") == 0) {
			reply("250-stub\r\n250 8BITMIME\r\n");
		} else if (strcmp(verb, "MAIL") == 0 && open) {
			reply("503 5.5.1 Error: nested MAIL command\r\n");
		} else if (strcmp(verb, "MAIL") == 0) {
			rcpt[0] = '\0';
			nrcpt = 0;
			snprintf(from, sizeof(from), "%s", line + 5);
			if (!odd("MAIL")) {
				reply("250 2.1.0 ok\r\n");
				open = true;
			}
		} else if (strcmp(verb, "RCPT") == 0) {
			if (!(nrcpt++ == 0 && odd("RCPT1")) && !odd("RCPT")) {
				strncat(rcpt, line + 8,
					sizeof(rcpt) - strlen(rcpt) - 1);
				reply("250 2.1.5 ok\r\n");
			}
		} else if (strcmp(verb, "DATA") == 0) {
			if (!odd("DATA")) {
				data(rcpt, argc - 3, argv + 3);
				open = false;
			}
		} else if (strcmp(verb, "RSET") == 0) {
			reply("250 2.0.0 ok\r\n");
			open = false;
		} else if (strcmp(verb, "QUIT") == 0) {
			reply("221 2.0.0 bye\r\n");
			return 0;
		} else {
			reply("500 5.5.1 what?\r\n");
		}
	}
	logf_("eof\n");
	return 0;
}
