/*
 * mashctl_queue.h: the queue's pages as mashctl_queue.c reads and draws
 * them, shared with --watch (mashctl_watch.c).
 */
#ifndef MASHCTL_QUEUE_H
#define MASHCTL_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "mashctl.h"

struct calendar;

/* The command's options. */
struct queue_opts {
	const char *brag;  /* --brag R */
	const char *after; /* --after CURSOR */
	int limit;	   /* --limit N: a page */
	bool mine, unclaimed, overdue, all;
	bool paged; /* --limit or --after: one page */
};

/* One page of mashd's answer. */
struct queue_page {
	json_t *answer;	      /* the whole answer (owned) */
	json_t *items;	      /* its items */
	const char *next;     /* the next page's cursor, or NULL: no more */
	char now_iso[40];     /* mashd's now */
	int64_t now;	      /* the same, UTC ms */
	struct calendar *cal; /* the hub's zone, for local times */
	char error[512];      /* why not, when queue_fetch fails */
};

/* queue [options] (mashctl_watch.c: --watch, else queue_show()). */
int cmd_queue(struct ctx *x, int argc, char **argv);
/* The command's options into q, and whether --watch; -1 (said why) on a
 * bad one. */
int queue_parse(struct ctx *x, int argc, char **argv, struct queue_opts *q,
		bool *watch);
/* The queue once: a table, one JSON page or every page as JSON. */
int queue_show(struct ctx *x, const struct queue_opts *q);

/* Fetch a page after `after` (NULL: the first) of `limit` items, with
 * the counts per rating when `counts`; 0, or -1 with pg->error set. With
 * `must`, a refusal or an unreachable mashd exits instead. */
int queue_fetch(struct ctx *x, const struct queue_opts *q,
		struct queue_page *pg, const char *after, int limit,
		bool counts, bool must);
void queue_counts(FILE *out, const struct queue_page *pg);
void queue_header(FILE *out);
/* One referral's line; `mark`: it changed since the last drawing. */
void queue_row(FILE *out, const struct queue_page *pg, const json_t *it,
	       bool mark);

#endif
