/*
 * sendmail-stub: the benchmarks' sendmail. It takes a message on its
 * input, as `sendmail -t -oi` does, and drops it: it reads its input to
 * the end and exits 0, whatever its arguments. One small binary, as a
 * real sendmail is one, so that an alert by mail costs mashd what a
 * real one would (one spawn and one exec), not a shell and a cat.
 */
#include <unistd.h>

int
main(void)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		;
	return n == 0 ? 0 : 1;
}
