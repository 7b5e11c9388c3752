/*
 * alert.c owns the delivery of alerts; see alert.h.
 *
 * One alert (an outbox entry) becomes a job of parts: "mail:referrer",
 * "mail:staff" (one message to the staff roles it concerns, never shown
 * to a referrer) and "hook:NAME" per webhook that wants the event. A part
 * delivered is remembered in Redis and never sent again; a job whose
 * parts all went is "sent". Texts carry the reference, the rating, what
 * is due and when in the hub's time, and what to do: never a child's or
 * a family's personal data.
 *
 * Invariants: at most one alert_take call is in flight (a->busy); an
 * alert is in a->jobs from its take until alert_result answered, so it is
 * never delivered twice at once by this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mash/calendar.h"

#include "alert.h"
#include "clock.h"
#include "config.h"
#include "lifecycle.h"
#include "log.h"
#include "store.h"

#define ALERT_POLL_MS 1000
#define ALERT_BATCH 16
#define ALERT_MAX_PARTS 16

/* Who an event concerns (SPEC section 7, issue 4). */
#define TO_REFERRER (1u << 0)
#define TO_NAVIGATORS (1u << 1)
#define TO_SUPERVISORS (1u << 2)
#define TO_FIRST_RESPONSE (1u << 3)
#define TO_EDT_IF_CLOSED (1u << 4)

static const struct route {
	const char *event;
	unsigned to;
	const char *what; /* the subject's words */
} routes[] = {
    {"ack", TO_REFERRER, "referral received"},
    {"red", TO_NAVIGATORS | TO_FIRST_RESPONSE | TO_EDT_IF_CLOSED,
     "new RED referral"},
    {"repeat", TO_NAVIGATORS, "repeat referral"},
    {"warning", TO_NAVIGATORS, "decision due soon"},
    {"overdue", TO_SUPERVISORS | TO_NAVIGATORS, "decision overdue"},
    {"escalation", TO_REFERRER | TO_SUPERVISORS,
     "no decision after 3 working days"},
    {"written_reminder", TO_REFERRER | TO_NAVIGATORS,
     "written confirmation overdue"},
    {"screening", TO_NAVIGATORS | TO_SUPERVISORS, "screening target missed"},
    {"outcome", TO_REFERRER, "decision recorded"},
    {"dead_letter", TO_SUPERVISORS, "ALERT NOT DELIVERED"},
    {"quarantine", TO_NAVIGATORS, "mail referral quarantined"},
};

struct job;

struct part {
	struct job *job;
	struct part *next_child; /* in a->children while sendmail runs */
	char name[80];
	pid_t pid;
	struct event *timeout;
	struct evhttp_connection *evcon; /* a webhook's, freed after it */
	bool finished;
};

struct job {
	struct alerter *a;
	struct job *next;
	char id[48];
	json_t *alert; /* as alert_take gave it */
	struct part parts[ALERT_MAX_PARTS];
	int nparts;
	int left;
	char error[256];
};

struct alerter {
	struct mashd *d;
	struct event *tick;
	struct event *sigchld;
	char consumer[256];
	bool busy;
	bool again;
	struct job *jobs;
	struct part *children;
};

static void look(struct alerter *a);

static const struct route *
route_of(const char *event)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (event != NULL && strcmp(event, routes[i].event) == 0)
			return &routes[i];
	return NULL;
}

static const char *
field(const struct job *j, const char *k)
{
	const char *v = json_string_value(
	    json_object_get(json_object_get(j->alert, "fields"), k));

	return v ? v : "";
}

static const char *
referrer(const struct job *j, const char *k)
{
	return json_string_value(
	    json_object_get(json_object_get(j->alert, "referrer"), k));
}

static bool
part_done_before(const struct job *j, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(j->alert, "done"), i, v)
	{
		if (strcmp(json_string_value(v), name) == 0)
			return true;
	}
	return false;
}

static const char *
outcome_words(const char *o)
{
	static const struct {
		const char *code, *words;
	} w[] = {
	    {"s47", "a child protection enquiry (section 47)"},
	    {"s17", "a child in need assessment (section 17)"},
	    {"early_help", "early help for the family"},
	    {"universal", "signposting to universal services"},
	    {"nfa", "no further action by children's social care"},
	    {"open_case", "passed to the team already working with the "
			  "family"},
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(o, w[i].code) == 0)
			return w[i].words;
	return o;
}

/*
 * The text of an alert for its audience. Built from the reference, the
 * rating, the timer and its due time only: the record's personal data
 * never reaches an alert.
 */
static void
compose(const struct job *j, bool for_referrer, char *subject, size_t slen,
	char *body, size_t blen)
{
	const struct mash_config *c = j->a->d->conf;
	const struct route *r = route_of(field(j, "event"));
	const char *ref = field(j, "ref"), *event = field(j, "event");
	const char *due_ms = field(j, "due");
	char brag[16], due[64] = "(no due time)";
	size_t i;

	snprintf(brag, sizeof(brag), "%s", field(j, "brag"));
	for (i = 0; brag[i]; i++)
		brag[i] = (char)(brag[i] >= 'a' && brag[i] <= 'z'
				     ? brag[i] - 'a' + 'A'
				     : brag[i]);
	if (due_ms[0] != '\0')
		calendar_format_local(c->calendar, strtoll(due_ms, NULL, 10),
				      due, sizeof(due));
	snprintf(subject, slen, "[%s] %s", ref[0] ? ref : "MASH",
		 r ? r->what : event);

	if (strcmp(event, "ack") == 0)
		snprintf(body, blen,
			 "Thank you. Your referral to the Multi-Agency "
			 "Safeguarding Hub has been received.\n\n"
			 "Reference: %s\n\n"
			 "Please quote this reference whenever you contact the "
			 "hub about this child. A decision on what happens "
			 "next is due by %s, and you will be told the "
			 "outcome.\n\nIf a child is in immediate danger, call "
			 "999.\n",
			 ref, due);
	else if (strcmp(event, "outcome") == 0)
		snprintf(body, blen,
			 "A decision has been recorded on your referral %s: "
			 "%s.\n\nPlease quote the reference if you contact the "
			 "hub about it.\n",
			 ref, outcome_words(field(j, "outcome")));
	else if (strcmp(event, "escalation") == 0 && for_referrer)
		snprintf(body, blen,
			 "No decision has been recorded on your referral %s "
			 "within three working days (due %s).\n\n"
			 "Please contact the Multi-Agency Safeguarding Hub "
			 "again, ask for a line manager, and quote the "
			 "reference %s.\n",
			 ref, due, ref);
	else if (strcmp(event, "escalation") == 0)
		snprintf(body, blen,
			 "Referral %s (%s) has no decision after three "
			 "working days (due %s). The referrer has been told "
			 "to contact the hub and ask for a line manager.\n"
			 "Decide it now: mashctl show %s\n",
			 ref, brag, due, ref);
	else if (strcmp(event, "written_reminder") == 0 && for_referrer)
		snprintf(body, blen,
			 "Your telephone referral %s must be confirmed in "
			 "writing; it was due by %s.\n\nPlease send the "
			 "written referral now, quoting %s in its subject.\n",
			 ref, due, ref);
	else if (strcmp(event, "written_reminder") == 0)
		snprintf(body, blen,
			 "Telephone referral %s (%s) has no written "
			 "confirmation; it was due by %s. The referrer has "
			 "been reminded.\nWhen it arrives: mashctl confirm "
			 "%s\n",
			 ref, brag, due, ref);
	else if (strcmp(event, "red") == 0)
		snprintf(body, blen,
			 "New RED referral %s%s.\nScreening is due by %s.\n"
			 "Review it now: mashctl show %s\n",
			 ref,
			 strcmp(field(j, "edt"), "1") == 0
			     ? ", received while the hub is closed"
			     : "",
			 due, ref);
	else if (strcmp(event, "overdue") == 0)
		snprintf(body, blen,
			 "Referral %s (%s): the decision was due by %s and has "
			 "not been recorded.\nDecide now: mashctl decide %s "
			 "OUTCOME --reason TEXT\n",
			 ref, brag, due, ref);
	else if (strcmp(event, "warning") == 0)
		snprintf(body, blen,
			 "Referral %s (%s): the decision is due by %s.\n"
			 "mashctl show %s\n",
			 ref, brag, due, ref);
	else if (strcmp(event, "screening") == 0)
		snprintf(body, blen,
			 "Referral %s (%s): the screening target (%s) was "
			 "missed.\nScreen it now: mashctl show %s\n",
			 ref, brag, due, ref);
	else if (strcmp(event, "repeat") == 0)
		snprintf(body, blen,
			 "Referral %s (%s) is a repeat referral about a child "
			 "with earlier referrals. Read them together: "
			 "mashctl show %s\n",
			 ref, brag, ref);
	else if (strcmp(event, "dead_letter") == 0)
		snprintf(body, blen,
			 "An alert could not be delivered after %s attempts.\n"
			 "Alert: %s (%s) for referral %s\nLast error: %s\n\n"
			 "Act on the referral yourself, and see: mashctl "
			 "alerts --state dead\n",
			 field(j, "attempts"), field(j, "of"),
			 field(j, "of_event"), ref, field(j, "error"));
	else if (strcmp(event, "quarantine") == 0)
		snprintf(body, blen,
			 "A message in the secure-mail spool could not be "
			 "taken as a referral and was quarantined; nothing "
			 "was stored from it.\nFile: %s\nWhy: %s.\n\n"
			 "Read it in the spool's quarantine directory (%s.why "
			 "beside it says why). If it is a referral, enter it: "
			 "mashctl referral new\n",
			 field(j, "file"), field(j, "reason"),
			 field(j, "file"));
	else
		snprintf(body, blen, "Referral %s (%s): %s.\n", ref, brag,
			 event);
}

/* ---- parts ----------------------------------------------------------- */

static void job_finish(struct job *j);

static void
part_done(struct part *p, const char *err)
{
	struct job *j = p->job;

	if (p->finished)
		return;
	p->finished = true;
	if (p->timeout != NULL) {
		event_free(p->timeout);
		p->timeout = NULL;
	}
	if (err != NULL) {
		log_event_warnx(
		    field(j, "ref"), field(j, "brag"), field(j, "event"),
		    "alert %s ref=%s event=%s: %s failed: %s", j->id,
		    field(j, "ref"), field(j, "event"), p->name, err);
		if (j->error[0] == '\0')
			snprintf(j->error, sizeof(j->error), "%s: %s", p->name,
				 err);
		p->name[0] = '\0'; /* not delivered */
	}
	if (--j->left == 0)
		job_finish(j);
}

static void
child_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct part *p = arg;

	(void)fd;
	(void)what;
	if (p->pid > 0)
		kill(p->pid, SIGKILL); /* reaped by on_sigchld, marked there */
}

static void
on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	struct alerter *a = arg;
	int status;
	pid_t pid;

	(void)fd;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct part **pp, *p;
		char why[64];

		for (pp = &a->children; (p = *pp) != NULL; pp = &p->next_child)
			if (p->pid == pid)
				break;
		if (p == NULL)
			continue;
		*pp = p->next_child;
		p->pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			part_done(p, NULL);
			continue;
		}
		if (WIFEXITED(status))
			snprintf(why, sizeof(why), "sendmail exited %d",
				 WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why),
				 "sendmail killed by signal "
				 "%d (timed out?)",
				 WTERMSIG(status));
		part_done(p, why);
	}
}

/* The message, built by GMime so headers are encoded and folded right. */
static char *
mail_text(const struct job *j, const char *const *to, size_t nto,
	  bool for_referrer)
{
	const struct mash_config *c = j->a->d->conf;
	char subject[256], body[2048], msgid[160];
	GMimeMessage *m = g_mime_message_new(TRUE);
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	GDateTime *now = g_date_time_new_now_local();
	char *text;

	compose(j, for_referrer, subject, sizeof(subject), body, sizeof(body));
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "MASH alerts",
				   c->alerts.from);
	for (size_t i = 0; i < nto; i++)
		g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL,
					   to[i]);
	g_mime_message_set_subject(m, subject, "utf-8");
	g_mime_message_set_date(m, now);
	/* A quarantined mail's alert names no referral: no empty part. */
	snprintf(msgid, sizeof(msgid), "%s.%s%s%s@mashd", j->id,
		 for_referrer ? "referrer" : "staff",
		 field(j, "ref")[0] ? "." : "", field(j, "ref"));
	g_mime_message_set_message_id(m, msgid);
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted",
				 "auto-generated", NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Mash-Reference",
				 field(j, "ref"), NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Mash-Event",
				 field(j, "event"), NULL);
	g_mime_text_part_set_text(tp, body);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(tp));
	text = g_mime_object_to_string(GMIME_OBJECT(m), NULL);
	g_date_time_unref(now);
	g_object_unref(tp);
	g_object_unref(m);
	return text;
}

static void
start_mail(struct part *p, const char *const *to, size_t nto, bool for_referrer)
{
	struct job *j = p->job;
	struct alerter *a = j->a;
	const struct mash_config *c = a->d->conf;
	char *text = mail_text(j, to, nto, for_referrer);
	size_t len = strlen(text);
	struct timeval tv = {c->alerts.timeout, 0};
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		g_free(text);
		part_done(p, strerror(errno));
		return;
	}
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		g_free(text);
		part_done(p, strerror(errno));
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[0], STDIN_FILENO);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl(c->alerts.sendmail, "sendmail", "-t", "-oi",
		      (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* A message is a few kilobytes: the pipe takes it whole. A short
	 * write shows as sendmail's failure, and is retried. */
	if (write(fds[1], text, len) != (ssize_t)len)
		log_warn("alert %s: writing to sendmail", j->id);
	close(fds[1]);
	g_free(text);
	p->pid = pid;
	p->next_child = a->children;
	a->children = p;
	p->timeout = evtimer_new(a->d->base, child_timeout, p);
	if (p->timeout != NULL)
		evtimer_add(p->timeout, &tv);
}

/* A connection cannot be freed from its own request's callback. */
static void
hook_free(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

static void
hook_done(struct evhttp_request *req, void *arg)
{
	struct part *p = arg;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	char why[64];

	if (p->evcon != NULL) {
		event_base_once(p->job->a->d->base, -1, EV_TIMEOUT, hook_free,
				p->evcon, NULL);
		p->evcon = NULL;
	}

	if (code >= 200 && code < 300) {
		part_done(p, NULL);
		return;
	}
	if (code == 0)
		snprintf(why, sizeof(why), "no answer (refused or timed out)");
	else
		snprintf(why, sizeof(why), "HTTP %d", code);
	part_done(p, why);
}

static void
start_hook(struct part *p, const struct config_webhook *w, unsigned to)
{
	struct job *j = p->job;
	struct alerter *a = j->a;
	const struct mash_config *c = a->d->conf;
	struct evhttp_uri *uri = evhttp_uri_parse(w->url);
	struct evhttp_connection *evcon = NULL;
	struct evhttp_request *req;
	char subject[256], text[2048], due[64] = "", sig[80], path[1024];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	json_t *roles = json_array(), *o;
	const char *host, *query;
	char *body;
	int port;

	compose(j, false, subject, sizeof(subject), text, sizeof(text));
	if (field(j, "due")[0] != '\0')
		calendar_format_local(c->calendar,
				      strtoll(field(j, "due"), NULL, 10), due,
				      sizeof(due));
	for (int r = 0; r < ROLE_COUNT; r++)
		if (to & (TO_NAVIGATORS << r))
			json_array_append_new(roles,
					      json_string(config_role_name(r)));
	if (to & TO_REFERRER)
		json_array_append_new(roles, json_string("referrer"));
	o = json_pack("{ss ss ss ss ss ss ss ss ss so}", "id", j->id, "event",
		      field(j, "event"), "ref", field(j, "ref"), "brag",
		      field(j, "brag"), "timer", field(j, "timer"), "due",
		      field(j, "due"), "due_local", due, "subject", subject,
		      "text", text, "roles", roles);
	/* A referrer known only by telephone is reached this way. */
	if ((to & TO_REFERRER) && referrer(j, "email") == NULL &&
	    referrer(j, "phone") != NULL)
		json_object_set_new(o, "referrer_phone",
				    json_string(referrer(j, "phone")));
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (uri == NULL || body == NULL ||
	    (host = evhttp_uri_get_host(uri)) == NULL) {
		free(body);
		if (uri != NULL)
			evhttp_uri_free(uri);
		part_done(p, "bad url");
		return;
	}
	port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
	query = evhttp_uri_get_query(uri);
	snprintf(path, sizeof(path), "%s%s%s",
		 evhttp_uri_get_path(uri) && evhttp_uri_get_path(uri)[0]
		     ? evhttp_uri_get_path(uri)
		     : "/",
		 query ? "?" : "", query ? query : "");
	HMAC(EVP_sha256(), w->secret, (int)strlen(w->secret),
	     (const unsigned char *)body, strlen(body), md, &mdlen);
	snprintf(sig, sizeof(sig), "sha256=");
	for (unsigned i = 0; i < mdlen && 7 + 2 * i + 2 < sizeof(sig); i++)
		snprintf(sig + 7 + 2 * i, 3, "%02x", md[i]);
	evcon = evhttp_connection_base_new(a->d->base, NULL, host,
					   (ev_uint16_t)port);
	req = evcon ? evhttp_request_new(hook_done, p) : NULL;
	if (req == NULL) {
		if (evcon != NULL)
			evhttp_connection_free(evcon);
		evhttp_uri_free(uri);
		free(body);
		part_done(p, "out of memory");
		return;
	}
	evhttp_connection_set_timeout(evcon, c->alerts.timeout);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "X-Mash-Event", field(j, "event"));
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "X-Mash-Delivery", j->id);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "X-Mash-Signature-256", sig);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	free(body);
	evhttp_uri_free(uri);
	p->evcon = evcon;
	if (evhttp_make_request(evcon, req, EVHTTP_REQ_POST, path) != 0) {
		p->evcon = NULL;
		evhttp_connection_free(evcon);
		part_done(p, "cannot send the request");
	}
}

/* ---- jobs ------------------------------------------------------------ */

static struct part *
add_part(struct job *j, const char *name)
{
	struct part *p;

	if (j->nparts >= ALERT_MAX_PARTS || part_done_before(j, name))
		return NULL;
	p = &j->parts[j->nparts++];
	p->job = j;
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

static void
job_free(struct job *j)
{
	struct job **jp;

	for (jp = &j->a->jobs; *jp != NULL; jp = &(*jp)->next)
		if (*jp == j) {
			*jp = j->next;
			break;
		}
	json_decref(j->alert);
	lifecycle_release(j->a->d->life);
	free(j);
}

static void
result_done(const redisReply *r, const char *err, void *arg)
{
	struct job *j = arg;
	struct alerter *a = j->a;

	if (err != NULL)
		log_warnx("alert %s: cannot record its delivery: %s; it stays "
			  "pending",
			  j->id, err);
	else if (r->type == REDIS_REPLY_STRING && strcmp(r->str, "dead") == 0)
		log_event_warnx(
		    field(j, "ref"), field(j, "brag"), field(j, "event"),
		    "alert %s ref=%s event=%s is a DEAD LETTER after %lld "
		    "attempts: %s",
		    j->id, field(j, "ref"), field(j, "event"),
		    (long long)json_integer_value(
			json_object_get(j->alert, "attempts")) +
			1,
		    j->error);
	else if (r->type == REDIS_REPLY_STRING && strcmp(r->str, "sent") == 0)
		log_event(field(j, "ref"), field(j, "brag"), field(j, "event"),
			  "alert %s ref=%s event=%s delivered", j->id,
			  field(j, "ref"), field(j, "event"));
	job_free(j);
	look(a); /* a dead letter may wait in the outbox */
}

/* Every part answered: record the attempt in one script call. */
static void
job_finish(struct job *j)
{
	const struct mash_config *c = j->a->d->conf;
	const char *argv[6 + ALERT_MAX_PARTS];
	char now[32], next[32], max[16];
	json_int_t attempts =
	    json_integer_value(json_object_get(j->alert, "attempts"));
	int64_t wait = c->alerts.retry_first;
	int argc = 0;

	for (json_int_t i = 0; i < attempts && wait < c->alerts.retry_max; i++)
		wait *= 2;
	if (wait > c->alerts.retry_max)
		wait = c->alerts.retry_max;
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	snprintf(next, sizeof(next), "%lld",
		 (long long)(clock_now_ms() + wait * 1000));
	snprintf(max, sizeof(max), "%d", c->alerts.attempts);
	argv[argc++] = j->id;
	argv[argc++] = now;
	argv[argc++] = next;
	argv[argc++] = max;
	argv[argc++] = j->error;
	for (int i = 0; i < j->nparts; i++)
		if (j->parts[i].name[0] != '\0')
			argv[argc++] = j->parts[i].name;
	if (store_call(j->a->d->store, SCRIPT_ALERT_RESULT, argc, argv,
		       result_done, j) != 0) {
		log_warnx("alert %s: redis unreachable; it stays pending",
			  j->id);
		job_free(j);
	}
}

static void
job_start(struct alerter *a, json_t *alert)
{
	const struct mash_config *c = a->d->conf;
	struct job *j = calloc(1, sizeof(*j));
	const struct route *r;
	const char *staff[64];
	size_t nstaff = 0;
	unsigned to;
	char roles[128] = "";
	struct part *p;

	if (j == NULL) {
		json_decref(alert);
		return;
	}
	j->a = a;
	j->alert = alert;
	/* In flight until its result is recorded: a stop waits for it, so a
	 * mail sent is never sent again after a restart. */
	lifecycle_hold(a->d->life);
	snprintf(j->id, sizeof(j->id), "%s",
		 json_string_value(json_object_get(alert, "id")));
	j->next = a->jobs;
	a->jobs = j;
	r = route_of(field(j, "event"));
	to = r ? r->to : TO_SUPERVISORS;
	if ((to & TO_EDT_IF_CLOSED) && strcmp(field(j, "edt"), "1") == 0)
		to |= TO_EDT_IF_CLOSED;
	else
		to &= ~TO_EDT_IF_CLOSED;
	for (int role = 0; role < ROLE_COUNT; role++) {
		if (!(to & (TO_NAVIGATORS << role)))
			continue;
		snprintf(roles + strlen(roles), sizeof(roles) - strlen(roles),
			 "%s%s", roles[0] ? "," : "", config_role_name(role));
		for (size_t i = 0; i < c->recipients[role].n &&
				   nstaff < sizeof(staff) / sizeof(staff[0]);
		     i++)
			staff[nstaff++] = c->recipients[role].items[i];
	}
	if (to & TO_REFERRER)
		snprintf(roles + strlen(roles), sizeof(roles) - strlen(roles),
			 "%sreferrer", roles[0] ? "," : "");
	/* syslog, always: the reference, the event, the roles. */
	log_event(
	    field(j, "ref"), field(j, "brag"), field(j, "event"),
	    "alert %s ref=%s event=%s brag=%s to=%s attempt=%lld", j->id,
	    field(j, "ref"), field(j, "event"), field(j, "brag"), roles,
	    (long long)json_integer_value(json_object_get(alert, "attempts")) +
		1);
	if ((to & TO_REFERRER) && referrer(j, "email") != NULL &&
	    add_part(j, "mail:referrer") != NULL)
		j->left++;
	if (nstaff > 0 && add_part(j, "mail:staff") != NULL)
		j->left++;
	for (size_t i = 0; i < c->nwebhooks; i++) {
		const struct config_webhook *w = &c->webhooks[i];
		char name[80];

		for (size_t k = 0; k < w->events.n; k++) {
			if (strcmp(w->events.items[k], field(j, "event")) != 0)
				continue;
			snprintf(name, sizeof(name), "hook:%s", w->name);
			if ((p = add_part(j, name)) != NULL)
				j->left++;
			break;
		}
	}
	if (j->left == 0) { /* syslog carried it */
		job_finish(j);
		return;
	}
	/* Start them only now: a part may finish at once. */
	j->left++;
	for (int i = 0; i < j->nparts; i++) {
		p = &j->parts[i];
		if (strcmp(p->name, "mail:referrer") == 0) {
			const char *one[] = {referrer(j, "email")};

			start_mail(p, one, 1, true);
		} else if (strcmp(p->name, "mail:staff") == 0) {
			start_mail(p, staff, nstaff, false);
		} else {
			for (size_t k = 0; k < c->nwebhooks; k++)
				if (strcmp(p->name + 5, c->webhooks[k].name) ==
				    0)
					start_hook(p, &c->webhooks[k], to);
		}
	}
	if (--j->left == 0)
		job_finish(j);
}

/* ---- the loop -------------------------------------------------------- */

static bool
in_flight(const struct alerter *a, const char *id)
{
	for (const struct job *j = a->jobs; j != NULL; j = j->next)
		if (strcmp(j->id, id) == 0)
			return true;
	return false;
}

static void
arm(struct alerter *a, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(a->tick, &tv);
}

static void
take_done(const redisReply *r, const char *err, void *arg)
{
	struct alerter *a = arg;

	a->busy = false;
	if (err != NULL) {
		log_warnx("alerts: cannot read the outbox: %s", err);
	} else if (r->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < r->elements; i++) {
			json_t *alert = json_loads(r->element[i]->str, 0, NULL);
			const char *id =
			    json_string_value(json_object_get(alert, "id"));

			if (id == NULL || in_flight(a, id)) {
				json_decref(alert);
				continue;
			}
			job_start(a, alert);
		}
	}
	if (a->again) {
		a->again = false;
		look(a);
		return;
	}
	arm(a, ALERT_POLL_MS);
}

static void
look(struct alerter *a)
{
	const struct mash_config *c = a->d->conf;
	char now[32], count[16], idle[32];
	const char *argv[] = {a->consumer, now, count, idle};

	if (a->busy) {
		a->again = true;
		return;
	}
	evtimer_del(a->tick);
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	snprintf(count, sizeof(count), "%d", ALERT_BATCH);
	snprintf(idle, sizeof(idle), "%lld",
		 (long long)c->alerts.claim_idle * 1000);
	if (store_call(a->d->store, SCRIPT_ALERT_TAKE, 4, argv, take_done, a) !=
	    0) {
		arm(a, ALERT_POLL_MS);
		return;
	}
	a->busy = true;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	look(arg);
}

struct alerter *
alert_new(struct mashd *d)
{
	struct alerter *a = calloc(1, sizeof(*a));
	char host[128] = "localhost";

	if (a == NULL)
		fatalx("alert_new: out of memory");
	a->d = d;
	g_mime_init();
	gethostname(host, sizeof(host) - 1);
	/* Stable across restarts (so its pending alerts are its own again)
	 * and unique among live mashd: each has its own control socket. */
	snprintf(a->consumer, sizeof(a->consumer), "%s:%s", host,
		 d->conf->control.socket);
	a->tick = evtimer_new(d->base, tick, a);
	a->sigchld = evsignal_new(d->base, SIGCHLD, on_sigchld, a);
	if (a->tick == NULL || a->sigchld == NULL)
		fatalx("alert_new: out of memory");
	evsignal_add(a->sigchld, NULL);
	arm(a, 0);
	return a;
}

void
alert_kick(struct alerter *a)
{
	if (a != NULL && !lifecycle_draining(a->d->life))
		look(a);
}

void
alert_free(struct alerter *a)
{
	if (a == NULL)
		return;
	while (a->jobs != NULL) {
		struct job *j = a->jobs;

		for (int i = 0; i < j->nparts; i++) {
			if (j->parts[i].timeout != NULL)
				event_free(j->parts[i].timeout);
			if (j->parts[i].evcon != NULL)
				evhttp_connection_free(j->parts[i].evcon);
		}
		job_free(j);
	}
	event_free(a->tick);
	event_free(a->sigchld);
	g_mime_shutdown();
	free(a);
}
