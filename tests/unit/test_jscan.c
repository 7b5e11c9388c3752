/*
 * test_jscan: mashctl's check of each streamed item (mashctl_jscan.c)
 * takes and refuses what jansson's json_loadb() (JSON_DISABLE_EOF_CHECK,
 * an object) takes and refuses, and ends where it ends: on chosen texts,
 * and on 300,000 mutations (a byte changed, dropped or doubled) of the
 * items of tests/integration/t_queue_odd.json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashctl_jscan.h"

/* jansson's length of the object at p, or 0. */
static size_t
jansson_len(const char *p, size_t n)
{
	json_error_t e;
	json_t *v = json_loadb(p, n, JSON_DISABLE_EOF_CHECK, &e);
	size_t len = json_is_object(v) ? (size_t)e.position : 0;

	json_decref(v);
	return len;
}

static void
same(const char *p, size_t n)
{
	size_t a = jscan_object(p, n), b = jansson_len(p, n);

	if (a != b)
		fail_msg("jscan %zu, jansson %zu: %.*s", a, b, (int)n, p);
}

static void
test_chosen(void **state)
{
	static const char *const texts[] = {
	    "{}",
	    "{},",
	    "{\"a\":1}]",
	    " {\"a\" : [1, 2.5e3, -0, true]} ,",
	    "{\"a\":\"\\u00e9\\ud83d\\ude00\"}",
	    "{\"a\":\"\\ud83d\"}",
	    "{\"a\":\"\\ude00\"}",
	    "{\"a\":\"\\u0000\"}",
	    "{\"a\":\"\\x\"}",
	    "{\"a\":01}",
	    "{\"a\":1.}",
	    "{\"a\":.5}",
	    "{\"a\":-}",
	    "{\"a\":9223372036854775807}",
	    "{\"a\":9223372036854775808}",
	    "{\"a\":-9223372036854775808}",
	    "{\"a\":1e400}",
	    "{\"a\":1e-400}",
	    "{\"a\":tru}",
	    "{\"a\":nul}",
	    "{\"a\":1,}",
	    "{,}",
	    "{\"a\"}",
	    "{\"a\":1",
	    "[1]",
	    "\"s\"",
	    "{\"a\":\"\t\"}",
	    "{\"a\":\"\x7f\"}",
	    "{\"a\":\"\xc3\xa9\"}",
	    "{\"a\":\"\xc3\"}",
	    "{\"a\":\"\xed\xa0\x80\"}",
	    "{\"a\":\"\xf4\x90\x80\x80\"}",
	    "{\"a\":\"\xe0\x80\x80\"}",
	    "{\"a\":{\"b\":[{\"c\":null}]}}",
	    "{\"a\":[]} x",
	    "{\"\":0}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		same(texts[i], strlen(texts[i]));
}

static void
test_mutations(void **state)
{
	const char *top = getenv("MASH_TOP");
	char path[4096], *text, *m;
	FILE *f;
	long size;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/integration/t_queue_odd.json",
		 top ? top : ".");
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = malloc((size_t)size + 1);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	m = malloc((size_t)size + 2);
	srand(13);
	for (int r = 0; r < 300000; r++) {
		/* an item: from a "{" at a line's start to the line's end */
		char *at = text + rand() % size, *s = strstr(at, "\n  {");
		size_t n;
		long k;

		if (s == NULL)
			continue;
		s += 3;
		n = strcspn(s, "\n");
		memcpy(m, s, n);
		k = rand() % (long)n;
		switch (rand() % 3) {
		case 0:
			m[k] = (char)(rand() % 256);
			break;
		case 1:
			memmove(m + k, m + k + 1, n - (size_t)k - 1);
			n--;
			break;
		default:
			memmove(m + k + 1, m + k, n - (size_t)k);
			n++;
		}
		m[n] = '\0';
		same(m, n);
	}
	free(m);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chosen),
	    cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
