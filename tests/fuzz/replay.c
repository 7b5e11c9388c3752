/*
 * replay: a fuzz harness without libFuzzer. Each file named on the command
 * line, and each file of a directory named, is read into a buffer of its
 * exact size and given once to LLVMFuzzerTestOneInput, so the seed corpus
 * and every kept crash are replayed as a regression by any compiler, with
 * or without the sanitizers. Exit 0 when every input ran; a harness that
 * finds a fault aborts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;
	size_t got;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* Exactly the input's size: a read past its end is caught. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		fclose(f);
		return -1;
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	if (got != (size_t)st.st_size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

static int
skip(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int
main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent **list;
		struct stat st;
		int k;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) != 0)
				return 1;
			n++;
			continue;
		}
		if ((k = scandir(argv[i], &list, skip, alphasort)) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		for (int j = 0; j < k; j++) {
			char path[4096];
			int rc = 0;

			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 list[j]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				rc = run_file(path);
				n++;
			}
			free(list[j]);
			if (rc != 0) {
				while (++j < k)
					free(list[j]);
				free(list);
				return 1;
			}
		}
		free(list);
	}
	if (n == 0) {
		fprintf(stderr, "replay: no input given\n");
		return 1;
	}
	printf("%d inputs replayed\n", n);
	return 0;
}
