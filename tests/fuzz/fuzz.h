/*
 * fuzz.h: what the harnesses share. Each harness defines
 * LLVMFuzzerTestOneInput; it is linked either with libFuzzer (make fuzz)
 * or with replay.c (make fuzz-replay). A broken invariant calls
 * fuzz_fail(), which aborts, so both count it as a crash.
 */
#ifndef MASH_FUZZ_H
#define MASH_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mash/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "fuzz: %s:%d: ", __FILE__, __LINE__);          \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		abort();                                                       \
	} while (0)

/* An instant from its ISO 8601 text; the harness's own constants. */
static inline int64_t
fuzz_instant(const char *iso)
{
	int64_t ms;

	if (mash_time_parse(iso, &ms) != 0)
		fuzz_fail("bad instant %s", iso);
	return ms;
}

/*
 * A file in memory for the loaders that take a path: the input is the
 * content of a memfd, named by /proc/self/fd/N in `path`, so no file is
 * left behind and each input replaces the last.
 */
struct fuzz_memfile {
	int fd;
	char path[32];
};

static inline void
fuzz_memfile_put(struct fuzz_memfile *m, const uint8_t *data, size_t size)
{
	if (m->path[0] == '\0') {
		/* Private, as mashd wants a file of tokens to be. */
		if ((m->fd = memfd_create("fuzz-input", MFD_CLOEXEC)) < 0 ||
		    fchmod(m->fd, 0600) != 0)
			fuzz_fail("memfd_create failed");
		snprintf(m->path, sizeof(m->path), "/proc/self/fd/%d", m->fd);
	}
	if (ftruncate(m->fd, 0) != 0 ||
	    (size > 0 && pwrite(m->fd, data, size, 0) != (ssize_t)size))
		fuzz_fail("cannot write the memfd");
}

#endif
