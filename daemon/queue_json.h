/*
 * queue_json: a stored field's JSON read with jansson (queue_json.c), for
 * the stream's items that mashd reads itself.
 */
#ifndef MASHD_QUEUE_JSON_H
#define MASHD_QUEUE_JSON_H

#include <stddef.h>

#include <jansson.h>

/* text (n bytes) as jansson reads it (queue_json.c: as cjson does, for
 * strict JSON); NULL when it refuses it, or memory ran out. */
json_t *queue_json_load(const char *text, size_t n);
/* The strings of a list, in a new array (an object, as Lua's ipairs over
 * cjson's table, has none); NULL out of memory. */
json_t *queue_json_strings(const json_t *list);
/* queue.lua's repeat_of() of a stored repeat (text, len bytes): the count
 * of the child's referrals as integer text into buf (string.format('%d',
 * n), whose cast of a double out of range gives LLONG_MIN here), or
 * NULL. */
const char *queue_json_repeat(const char *text, size_t len, char *buf,
			      size_t sz);

#endif
