/*
 * redis-clock.so: the integration tests' clock for redis-server.
 *
 * mashd fires its timers by Redis's clock (TIME), so a test that runs
 * mashd at a chosen instant must move Redis's clock with it, and move it
 * again while Redis runs. Preloaded into redis-server, this library adds
 * to the wall clock (clock_gettime's realtime clocks, gettimeofday, time)
 * the offset in milliseconds written in the file $REDIS_CLOCK_FILE
 * (tests/integration/lib.sh's `at` writes it); it reads the file again
 * when 20 ms have passed since it last did. The other clocks are left
 * alone.
 *
 * mashd itself runs under libfaketime, but libfaketime cannot be
 * preloaded into Debian's redis-server: its jemalloc reads the clock
 * while it starts, before libfaketime can set itself up, and the two
 * recurse (a known clash upstream). So this library needs no setting up:
 * until its constructor has found the C library's clock_gettime it reads
 * the clocks by syscall, and it allocates nothing; the file is read with
 * open(2) and read(2).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define REREAD_NS (20 * 1000000LL)

typedef int clock_fn(clockid_t, struct timespec *);

static _Atomic(clock_fn *) libc_clock;
static _Atomic int64_t offset_ms;
static _Atomic int64_t read_ns; /* the real time of the last read */

__attribute__((constructor)) static void
find_clock(void)
{
	atomic_store(&libc_clock,
		     (clock_fn *)dlsym(RTLD_NEXT, "clock_gettime"));
}

static int
real_clock(clockid_t id, struct timespec *ts)
{
	clock_fn *f = atomic_load(&libc_clock);

	return f != NULL ? f(id, ts) : (int)syscall(SYS_clock_gettime, id, ts);
}

/* The offset in the file: an optional sign, then digits. */
static int64_t
parse(const char *s)
{
	int64_t v = 0;
	int neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return neg ? -v : v;
}

/* The offset, read again when 20 ms of real time passed (either way). */
static int64_t
offset(int64_t now_ns)
{
	int64_t last = atomic_load(&read_ns);
	const char *path;
	char buf[32];
	ssize_t n;
	int fd;

	if (now_ns - last < REREAD_NS && now_ns >= last)
		return atomic_load(&offset_ms);
	atomic_store(&read_ns, now_ns);
	if ((path = getenv("REDIS_CLOCK_FILE")) == NULL ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return atomic_load(&offset_ms);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		atomic_store(&offset_ms, parse(buf));
	}
	return atomic_load(&offset_ms);
}

static void
shift(struct timespec *ts)
{
	int64_t ns = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;

	ns += offset(ns) * 1000000LL;
	ts->tv_sec = (time_t)(ns / 1000000000LL);
	ts->tv_nsec = (long)(ns % 1000000000LL);
	if (ts->tv_nsec < 0) {
		ts->tv_nsec += 1000000000L;
		ts->tv_sec--;
	}
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	int r = real_clock(id, ts);

	if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		shift(ts);
	return r;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	if (real_clock(CLOCK_REALTIME, &ts) != 0)
		return -1;
	shift(&ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t
time(time_t *t)
{
	struct timespec ts;
	time_t now;

	if (real_clock(CLOCK_REALTIME, &ts) != 0)
		return (time_t)-1;
	shift(&ts);
	now = ts.tv_sec;
	if (t != NULL)
		*t = now;
	return now;
}
