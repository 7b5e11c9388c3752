/*
 * store_keys.c makes the KEYS a script call declares, from the script's
 * "KEYS:" template (lib.lua says how) and the call's arguments.
 */
#include <stdlib.h>
#include <string.h>

#include "store_keys.h"

/*
 * One key of a script's KEYS: line: the prefix, then `tmpl` with each
 * $name made the argument `name` of the one JSON argument (`a`), or $N
 * the N-th argument. NULL when an argument it names is absent or empty
 * (written_confirmation_of, say): nothing to declare then.
 */
static char *
key_expand(const char *prefix, const char *tmpl, size_t len, const json_t *a,
	   int argc, const char *const *argv)
{
	char buf[512], num[32];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", prefix);

	for (size_t i = 0; i < len && n < sizeof(buf);) {
		const char *v = NULL;
		size_t vlen, name = 0;
		char var[32];

		if (tmpl[i] != '$') {
			buf[n++] = tmpl[i++];
			continue;
		}
		while (
		    i + 1 + name < len && name + 1 < sizeof(var) &&
		    (tmpl[i + 1 + name] == '_' ||
		     (tmpl[i + 1 + name] >= 'a' && tmpl[i + 1 + name] <= 'z') ||
		     (tmpl[i + 1 + name] >= '0' &&
		      tmpl[i + 1 + name] <= '9'))) {
			var[name] = tmpl[i + 1 + name];
			name++;
		}
		var[name] = '\0';
		i += 1 + name;
		if (var[0] >= '1' && var[0] <= '9') {
			int k = atoi(var);

			v = k <= argc ? argv[k - 1] : NULL;
		} else if (json_is_integer(json_object_get(a, var))) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(a, var)));
			v = num;
		} else {
			v = json_string_value(json_object_get(a, var));
		}
		if (v == NULL || (vlen = strlen(v)) == 0 ||
		    n + vlen >= sizeof(buf))
			return NULL;
		memcpy(buf + n, v, vlen);
		n += vlen;
	}
	if (n >= sizeof(buf))
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* k (owned) added; -1 when out of memory or past ks->max. */
static int
keys_add(struct store_keys *ks, char *k)
{
	char **more;

	if (ks->n == ks->max)
		goto fail;
	if (ks->n == ks->cap) {
		int cap = ks->cap > 0 ? 2 * ks->cap : 32;

		if ((more = realloc(ks->k, (size_t)cap * sizeof(*more))) ==
		    NULL)
			goto fail;
		ks->k = more;
		ks->cap = cap;
	}
	ks->k[ks->n++] = k;
	return 0;
fail:
	free(k);
	return -1;
}

int
store_keys_make(struct store_keys *ks, const char *t, const char *prefix,
		int argc, const char *const *argv, const json_t *args)
{
	json_t *a = NULL;
	int rc = 0;

	if (args == NULL && strchr(t, '$') != NULL && argc == 1 &&
	    argv[0] != NULL)
		a = json_loads(argv[0], 0, NULL);
	else if (args != NULL)
		a = json_incref((json_t *)args);
	ks->max = STORE_MAX_KEYS;
	while (*t != '\0' && rc == 0) {
		size_t len = strcspn(t, " ");
		char *k;

		if (len > 0 &&
		    (k = key_expand(prefix, t, len, a, argc, argv)) != NULL)
			rc = keys_add(ks, k);
		t += len;
		t += strspn(t, " ");
	}
	json_decref(a);
	return rc;
}

void
store_keys_clear(struct store_keys *ks)
{
	for (int i = 0; i < ks->n; i++)
		free(ks->k[i]);
	free(ks->k);
	ks->k = NULL;
	ks->n = ks->cap = 0;
}
