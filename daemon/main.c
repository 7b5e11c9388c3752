/*
 * main.c wires mashd together: the options and the configuration, every
 * module and what each tells the others (Redis up or lost, work drained),
 * the one event loop and its signals. It owns no state of its own; what a
 * stop waits for is lifecycle.c's, and no module calls back into here.
 */
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "mash/config.h"
#include "mash/protocol.h"

#include "backfill.h"
#include "clock.h"
#include "ctl.h"
#include "dns.h"
#include "ctl_queue.h"
#include "digest.h"
#include "ladder.h"
#include "ladder_gap.h"
#include "http.h"
#include "lifecycle.h"
#include "log.h"
#include "mashd.h"
#include "alert.h"
#include "recompute.h"
#include "scheduler.h"
#include "service.h"
#include "spool.h"
#include "store.h"
#include "tls.h"

/* How long a stop waits for requests in flight before it answers them
 * with what it knows (lifecycle.h). */
#define STOP_GRACE_SEC 10

static void
usage(void)
{
	fprintf(stderr, "usage: mashd [-fhnv] [-c config]\n");
	exit(2);
}

/* -h: the usage and what each option does, on standard output. */
static _Noreturn void
help(void)
{
	printf("usage: mashd [-fhnv] [-c config]\n\n"
	       "mashd, the referral queue of a Multi-Agency Safeguarding "
	       "Hub.\n\n"
	       "  -c config  read this configuration file (default %s)\n"
	       "  -f         stay in the foreground; log to standard error "
	       "too\n"
	       "  -n         check the configuration, say whether it is "
	       "valid, and exit\n"
	       "  -v         print the version and exit\n"
	       "  -h         print this help and exit\n\n"
	       "See mashd(8) and mashd.conf(5); mashctl(1) works the "
	       "queue.\n",
	       MASH_CONFIG_FILE);
	exit(0);
}

/*
 * Every HTTP connection costs a descriptor: take all the kernel allows
 * (the hard limit; the unit's LimitNOFILE= sets both). Under systemd
 * setrlimit() is filtered out, so it is only called when it would change
 * something.
 */
static void
nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	if (rl.rlim_cur != rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warn("cannot raise the descriptor limit from %llu "
				 "to %llu",
				 (unsigned long long)was,
				 (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		}
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		log_info("descriptor limit: unlimited");
	else
		log_info("descriptor limit: %llu",
			 (unsigned long long)rl.rlim_cur);
}

/* Stopping, and nothing is in hand any more: exit the loop. */
static void
drained(void *arg)
{
	struct mashd *d = arg;

	event_base_loopexit(d->base, NULL);
}

/* Stopping, and the grace is over: every request still waiting is
 * answered now; the loop exits once the answers are written, or 2 s
 * later (lifecycle.c). */
static void
abandon(void *arg)
{
	struct mashd *d = arg;

	http_abandon(d->http);
	ctl_abandon(d->ctl);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct mashd *d = arg;
	/* Long enough for a delivery under way to end (it is killed after
	 * alerts.timeout) and be recorded: never sent again after a restart. */
	int grace = d->conf->alerts.timeout + 2 > STOP_GRACE_SEC
			? d->conf->alerts.timeout + 2
			: STOP_GRACE_SEC;

	(void)what;
	if (lifecycle_draining(d->life))
		return;
	log_event(NULL, NULL, "stop",
		  "signal %d: stopping; %u request(s) in flight, %u "
		  "repl(ies) not yet sent",
		  (int)sig, lifecycle_in_flight(d->life),
		  lifecycle_unsent(d->life));
	service_stopping(d->service);
	lifecycle_drain(d->life, grace);
	alert_kick(d->alerts); /* the results it holds, written now */
	ladder_resume(d);      /* the rungs it holds, too (ladder.h) */
	http_stop_accepting(d->http);
	ctl_stop_accepting(d->ctl);
}

/* Redis answers, at start and after each reconnection. Until the
 * scheduler's first answer tells whether a backlog of due timers is to
 * fire, what would share Redis with it waits (scheduler.c's hold). */
static void
kick(void *arg)
{
	struct mashd *d = arg;

	d->timers_behind = true;
	d->digest_behind = true;
	scheduler_kick(d->sched);
	spool_kick(d->spool);
	service_redis_up(d->service);
	backfill_kick(d);
	ladder_gap_close(d);
	digest_kick(d->digest);
}

/* A rung of the reminder ladder was scheduled: the due set changed. */
static void
rung_scheduled(void *arg)
{
	struct mashd *d = arg;

	scheduler_kick(d->sched);
}

/* Redis went away; the store reconnects on its own. */
static void
lost(void *arg)
{
	struct mashd *d = arg;

	service_redis_down(d->service);
}

/*
 * SIGHUP: read the configuration again. One that does not load keeps the
 * old one running. A new calendar or new timer rules move the timers of
 * open referrals. Listeners, sockets and Redis stay as they are, but the
 * listener's TLS certificate and key are read again (tls.h), so a renewed
 * certificate serves new connections; so are /etc/resolv.conf and
 * /etc/hosts (dns.h).
 */
static void
on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct mashd *d = arg;
	struct mash_config *c;
	char err[512];

	(void)sig;
	(void)what;
	/* A stop under way is not turned back into work: a reload would
	 * start recomputing timers and looking for gaps (Redis calls the
	 * drain would then wait for), with the configuration it ends on. */
	if (lifecycle_draining(d->life)) {
		log_warnx("reload: not done: mashd is stopping");
		return;
	}
	service_reloading(d->service);
	/* The system's, whatever becomes of mashd's own. */
	if (dns_reload(d->dns) != 0)
		log_warnx("reload: /etc/resolv.conf and /etc/hosts not read "
			  "again (out of memory); looking names up as before");
	if ((c = config_load(d->config_path, err, sizeof(err))) == NULL) {
		log_event_warnx(NULL, NULL, "reload_failed",
				"reload: %s; keeping the running configuration",
				err);
		service_reloaded(d->service, err);
		return;
	}
	/* The listener's certificate and key are read again (renewed). */
	if (tls_reload(d->tls, c, err, sizeof(err)) != 0) {
		log_event_warnx(NULL, NULL, "reload_failed",
				"reload: %s; keeping the running configuration",
				err);
		service_reloaded(d->service, err);
		config_free(c);
		return;
	}
	config_free(d->conf);
	d->conf = c;
	ctl_roles_load(d->ctl);
	log_event(NULL, NULL, "reload", "reload: %s read again",
		  d->config_path);
	recompute_start(d->recompute);
	ladder_gap_close(d);
	digest_kick(d->digest);
	service_reloaded(d->service, NULL);
}

/* The options; returns the configuration file's path. */
static const char *
options(struct mashd *d, int argc, char **argv, bool *check_only)
{
	const char *path = MASH_CONFIG_FILE;
	int ch;

	while ((ch = getopt(argc, argv, "c:fhnv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			d->foreground = true;
			break;
		case 'n':
			*check_only = true;
			break;
		case 'v':
			printf("mashd %s\n", MASHD_VERSION);
			exit(0);
		case 'h':
			help();
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	return path;
}

/* Every module, and what each tells the others through main.c. */
static void
wire(struct mashd *d)
{
	char err[512];

	d->life = lifecycle_new(d->base, drained, abandon, d);
	d->service = service_new(d);
	d->sched = scheduler_new(d);
	if ((d->recompute = recompute_new(d)) == NULL)
		fatalx("recompute_new: out of memory");
	ladder_on_scheduled(rung_scheduled, d);
	if ((d->dns = dns_new(d->base)) == NULL)
		fatalx("cannot start the resolver (evdns): out of memory");
	d->store = store_new(d);
	store_on_connect(d->store, kick, d);
	store_on_disconnect(d->store, lost, d);
	d->alerts = alert_new(d);
	if ((d->digest = digest_new(d)) == NULL)
		fatalx("out of memory");
	d->spool = spool_new(d);
	if ((d->tls = tls_new(d->conf, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((d->ctl = ctl_new(d, ctl_commands, ctl_ncommands)) == NULL)
		fatalx("cannot open the control socket %s",
		       d->conf->control.socket);
	if ((d->http = http_new(d)) == NULL)
		fatalx("cannot listen for HTTP on %s port %d",
		       d->conf->http.address, d->conf->http.port);
	service_listening(d->service);
}

static void
unwire(struct mashd *d)
{
	/* The store first: what still waits for Redis is answered (with an
	 * error) while its listener's structures are still there. */
	store_free(d->store);
	spool_free(d->spool); /* after the store: see spool.h */
	service_free(d->service);
	http_free(d->http);
	tls_free(d->tls); /* after its connections */
	ctl_watch_free();
	ctl_free(d->ctl);
	scheduler_free(d->sched);
	recompute_free(d->recompute); /* after the store: see recompute.h */
	ladder_gap_free();
	digest_free(d->digest);
	alert_free(d->alerts);
	/* A lookup cancelled above is answered (EVUTIL_EAI_CANCEL) from the
	 * loop, which is where evdns frees its part: one pass, with nothing
	 * else left to run but the lifecycle's check, before it goes. */
	event_base_loop(d->base, EVLOOP_NONBLOCK);
	dns_free(d->dns);	 /* after all that looked names up */
	lifecycle_free(d->life); /* the others release what they held */
}

/* mashd -n: the configuration loads, and the certificate and key load
 * and match. Frees conf; the exit status. */
static int
check_config(struct mash_config *conf, const char *path)
{
	char err[512];
	struct tls *t = tls_new(conf, err, sizeof(err));

	if (t == NULL) {
		fprintf(stderr, "mashd: %s\n", err);
		config_free(conf);
		return 1;
	}
	tls_free(t);
	printf("mashd: %s: configuration OK\n", path);
	config_free(conf);
	return 0;
}

/* What the stop left (lifecycle.h): work still held (a request the
 * grace's end could not answer, a delivery not recorded); answers queued
 * and not all written when the flush ran out (a client not reading);
 * answers that never could be (their clients gone). */
static void
log_left(struct lifecycle *life)
{
	if (lifecycle_in_flight(life) > 0 || lifecycle_unsent(life) > 0 ||
	    lifecycle_lost(life) > 0)
		log_warnx("stopped with %u request(s) unanswered, %u "
			  "repl(ies) unsent (not read in time), %u "
			  "unwritable (the client gone)",
			  lifecycle_in_flight(life), lifecycle_unsent(life),
			  lifecycle_lost(life));
}

int
main(int argc, char **argv)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	struct event *ev[3];
	struct mashd d;
	const char *path;
	bool check_only = false;
	char err[512];

	memset(&d, 0, sizeof(d));
	path = options(&d, argc, argv, &check_only);
	if ((d.conf = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mashd: %s\n", err);
		return 1;
	}
	if (check_only)
		return check_config(d.conf, path);
	log_init(d.foreground);
	if (!d.foreground && getenv("NOTIFY_SOCKET") == NULL &&
	    daemon(0, 0) != 0)
		fatal("daemon");
	signal(SIGPIPE, SIG_IGN);
	nofile_raise();

	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	d.started_ms = clock_now_ms();
	log_event(NULL, NULL, "start", "starting mashd %s with %s",
		  MASHD_VERSION, path);
	d.config_path = path;
	if (d.conf->repeat.secret[0] == '\0')
		log_warnx("repeat detection is off: repeat.secret is empty in "
			  "%s; set it (openssl rand -hex 32) so that referrals "
			  "about a child already referred are found",
			  path);
	/* The signals first: one that comes while mashd is wired waits for
	 * the loop (libevent's handler only notes it), so a stop during the
	 * start is a clean stop, not death by the signal's default action. */
	for (int i = 0; i < 3; i++) {
		ev[i] =
		    evsignal_new(d.base, sigs[i],
				 sigs[i] == SIGHUP ? on_reload : on_stop, &d);
		evsignal_add(ev[i], NULL);
	}
	wire(&d);

	event_base_dispatch(d.base);

	log_left(d.life);
	log_event(NULL, NULL, "stopped", "stopped");
	for (int i = 0; i < 3; i++)
		event_free(ev[i]);
	unwire(&d);
	event_base_free(d.base);
	config_free(d.conf);
	return 0;
}
