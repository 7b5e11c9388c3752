/*
 * sendmail-stub: the benchmarks' sendmail. It takes a message on its
 * input, as `sendmail -t -oi` does, and drops it: it reads its input to
 * the end and exits 0, whatever its arguments. One small binary, as a
 * real sendmail is one, so that an alert by mail costs mashd what a
 * real one would (one spawn and one exec), not a shell and a cat.
 *
 * Given -bs, it speaks the least of SMTP's server side on its input and
 * output instead, as `sendmail -bs` does: 220 to start, 250 to EHLO,
 * HELO, MAIL, RCPT and RSET, 354 to DATA and 250 once the data has been
 * read to its ".", 221 to QUIT; every message dropped.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int
smtp(void)
{
	char line[4096];

	fputs("220 stub ESMTP\r\n", stdout);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		const char *r = "250 ok\r\n";

		if (strncasecmp(line, "DATA", 4) == 0) {
			fputs("354 go ahead\r\n", stdout);
			fflush(stdout);
			while (fgets(line, sizeof(line), stdin) != NULL &&
			       strcmp(line, ".\r\n") != 0)
				;
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			fputs("221 bye\r\n", stdout);
			return 0;
		}
		fputs(r, stdout);
		fflush(stdout);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char buf[65536];
	ssize_t n;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-bs") == 0)
			return smtp();
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		;
	return n == 0 ? 0 : 1;
}
