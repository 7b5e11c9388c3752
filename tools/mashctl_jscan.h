/*
 * mashctl_jscan: the end of one JSON value in a text, found without
 * building it: for `mashctl queue --all --json`, which copies each item
 * of mashd's pages as mashd wrote it, checked to be JSON first (jansson
 * read each whole: most of mashctl's CPU in a stream of 100,000).
 */
#ifndef MASHCTL_JSCAN_H
#define MASHCTL_JSCAN_H

#include <stddef.h>

/* The length of the JSON object at the start of p (of n bytes), as
 * jansson's json_loadb() reads one with JSON_DISABLE_EOF_CHECK (UTF-8
 * checked, no NUL as \u0000, no lone surrogate, integers within
 * json_int_t, no real that overflows; nesting at most 64 deep), or 0
 * when it is none. */
size_t jscan_object(const char *p, size_t n);

#endif
