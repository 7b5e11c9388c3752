/*
 * mashctl.h: what mashctl's commands share, so each command beyond the
 * first few lives in its own file under tools/ (mashctl_show.c, mashctl_list.c,
 * ...) with one line in the table of tools/mashctl.c.
 */
#ifndef MASHCTL_H
#define MASHCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define EXIT_UNKNOWN 4	/* sent; whether it was stored is not known */
#define EXIT_TAMPERED 5 /* audit verify: the chain is broken */

struct ctx {
	const char *socket;
	const char *config;
	bool json;
};

struct mash_config;

/* The control socket: -s, else control.socket of -c's file, else the
 * default. */
const char *socket_path(struct ctx *x);
/* Send one request (taken); the answer, whatever it says, or NULL having
 * said why: *why is EXIT_UNREACHABLE (mashd cannot have read it) or
 * EXIT_UNKNOWN (sent, and no answer came: it may have been done). */
json_t *request_try(struct ctx *x, json_t *req, int *why);
/* The same; exits with *why's status when there is no answer. */
json_t *request_any(struct ctx *x, json_t *req);
/* The same; exits with EXIT_REFUSED, saying why, when mashd refused. */
json_t *request(struct ctx *x, json_t *req);
/* A request (taken) answered by many lines, pages of items
 * (mashctl_stream.c): item(text, len, arg) for each item, its text as
 * mashd wrote it (one JSON object, without its newline). Returns 0 once
 * the last page is read; when mashd refuses, answers what is no page or
 * the stream stops short, says so on stderr and returns the exit
 * status. */
typedef void stream_item_fn(const char *text, size_t len, void *arg);
int request_stream(struct ctx *x, json_t *req, stream_item_fn *item, void *arg);
void print_json(json_t *o);
/* A line of a stream that is not what it should be: say so; the exit
 * status. */
int stream_unreadable(const char *why);
/* o's string k, or "-". */
const char *str(const json_t *o, const char *k);
/* --json, the --NAME VALUE options of `names` into `values`, and up to
 * maxpos positional arguments into pos; their number. Exits on a bad one. */
int parse_opts(struct ctx *x, int argc, char **argv, const char *const *names,
	       const char **values, char **pos, int maxpos);
/* Remove a boolean --flag from the arguments; was it there? */
bool take_flag(int *argc, char **argv, const char *flag);
/* The configuration for what mashctl works out itself (the hub's zone):
 * -c, else the installed file if there is one, else every default. */
struct mash_config *offline_config(struct ctx *x);
/* An instant of mashd's (ISO 8601, UTC) as a person reads it: the hub's
 * local time with its zone, "Mon 30 Nov 2026 09:15 GMT" (the zone of
 * offline_config()); the text as it came when it is no instant, "-" when
 * none. In buf (LOCAL_TIME_LEN bytes will do). */
#define LOCAL_TIME_LEN 64
/* The columns it takes in a table, its zone's name of three letters. */
#define LOCAL_TIME_COLS 25
/* s followed by the spaces that make it `width` columns wide on the
 * user's terminal (a letter not in ASCII may take more than one byte,
 * and one column or two), in buf; printf's %-*s counts bytes. */
const char *padded(const char *s, int width, char *buf, size_t len);
const char *local_time(struct ctx *x, const char *iso, char *buf, size_t len);
/* The same in the zone of `cal`; "-" when iso is no instant. */
struct calendar;
const char *local_at(const struct calendar *cal, const char *iso, char *buf,
		     size_t len);
/* The answer to a change (taken): as JSON with --json, else a sentence.
 * Returns 0. */
int answered(struct ctx *x, json_t *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A command of the table in mashctl.c: its name, its arguments and
 * what it does, as usage and help print them. */
struct command {
	const char *name;
	const char *args;
	const char *help;
	int (*fn)(struct ctx *, int, char **);
};
const struct command *commands_table(size_t *n);
/* main() hands its table over once, first. */
void commands_use(const struct command *c, size_t n);

/* mashctl_case.c, mashctl_cal.c, mashctl_referral.c */
int cmd_status(struct ctx *x, int argc, char **argv);
int cmd_decide(struct ctx *x, int argc, char **argv);
int cmd_confirm(struct ctx *x, int argc, char **argv);
int cmd_alerts(struct ctx *x, int argc, char **argv);
int cmd_callbacks(struct ctx *x, int argc, char **argv);
int cmd_called(struct ctx *x, int argc, char **argv);
int cmd_claim(struct ctx *x, int argc, char **argv);
int cmd_release(struct ctx *x, int argc, char **argv);
int cmd_rate(struct ctx *x, int argc, char **argv);
int cmd_note(struct ctx *x, int argc, char **argv);
int cmd_history(struct ctx *x, int argc, char **argv);
int cmd_deadlines(struct ctx *x, int argc, char **argv);
int cmd_calendar(struct ctx *x, int argc, char **argv);
int cmd_referral(struct ctx *x, int argc, char **argv);

/* tools/mashctl_help.c: -h, --help, help [COMMAND], COMMAND --help: the
 * usage of every command, or of `c`, on standard output; exit 0. */
_Noreturn void help_exit(const struct command *c);
int cmd_help(struct ctx *x, int argc, char **argv);

/* tools/mashctl_screen.c */
int cmd_screen(struct ctx *x, int argc, char **argv);
int cmd_reopen(struct ctx *x, int argc, char **argv);

/* mashctl_report.c */
int cmd_report(struct ctx *x, int argc, char **argv);

/* mashctl_audit.c */
int cmd_audit(struct ctx *x, int argc, char **argv);
/* The last verification in the answer to `status`, as its line. */
void audit_status(struct ctx *x, json_t *status);
/*
 * A referral's reference from what a person typed: a whole reference in
 * any case; digits alone, this year's number ("17" is MASH-<year>-000017);
 * else any ending of one that holds its number whole ("2025-000017").
 * Asks mashd when it must; exits saying so when that names no referral,
 * or more than one (listing them). Static storage, until the next call.
 */
const char *ref_resolve(struct ctx *x, const char *typed);
/* "unknown outcome "sf47"; did you mean s47?", and the words to use. */
void did_you_mean(const char *what, const char *typed, const char *const *names,
		  size_t n);

/* mashctl_explain.c: explain ID [TIMER]; deadlines --explain prints
 * with explain_offline the steps to the due times `dl` of a referral
 * received at `received` (ms). */
struct deadlines;
int cmd_explain(struct ctx *x, int argc, char **argv);
int explain_offline(struct ctx *x, const struct mash_config *c,
		    int64_t received, const char *channel, int b,
		    const struct deadlines *dl);

/* The commands of files of their own. */
int cmd_show(struct ctx *x, int argc, char **argv);
int cmd_list(struct ctx *x, int argc, char **argv);
int cmd_child(struct ctx *x, int argc, char **argv);

#endif
