/*
 * time-format: each UTC instant (ms) read from stdin, one a line, written
 * as mashd writes it (mash_time_format): for t_queue_time, which holds
 * the Lua formatter of queue.lua's items (lib.lua's iso_time) to it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mash/timeutil.h"

int
main(void)
{
	char line[64], buf[MASH_TIME_BUFSZ];

	while (fgets(line, sizeof(line), stdin) != NULL)
		printf("%s\n", mash_time_format(strtoll(line, NULL, 10), buf));
	return ferror(stdout) ? 1 : 0;
}
