/*
 * config_tls.c reads the keys of mashd.conf about TLS: http.tls_cert and
 * http.tls_key (the intake listener's certificate and private key), and
 * each webhook's url scheme, insecure and ca_file. Only what can be
 * checked without reading a secret is checked here (mashctl reads the
 * configuration too): the paths, and the key file's owner and mode, as
 * sshd checks a host key's. The daemon's tls.c loads the files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_schema.h"

/* An absolute path to a regular file. */
static int
file_ok(struct mash_config *c, const char *key, const char *path,
	struct stat *st, char *err, size_t errlen)
{
	config_setting_t *s = config_lookup(&c->cfg, key);

	if (path[0] != '/')
		return config_fail(err, errlen, c->path, s,
				   "must be an absolute path");
	if (stat(path, st) != 0)
		return config_fail(err, errlen, c->path, s, "%s: %s", path,
				   strerror(errno));
	if (!S_ISREG(st->st_mode))
		return config_fail(err, errlen, c->path, s,
				   "%s: not a regular file", path);
	return 0;
}

/*
 * The private key is refused unless it belongs to root or to mashd's own
 * user and neither its group nor others may read or write it.
 */
static int
key_mode_ok(struct mash_config *c, const struct stat *st, char *err,
	    size_t errlen)
{
	config_setting_t *s = config_lookup(&c->cfg, "http.tls_key");
	unsigned mode = (unsigned)st->st_mode & 07777;

	if (st->st_uid != 0 && st->st_uid != geteuid())
		return config_fail(err, errlen, c->path, s,
				   "%s: owned by uid %u: a private key must "
				   "belong to root or to uid %u (chown root)",
				   c->http.tls_key, (unsigned)st->st_uid,
				   (unsigned)geteuid());
	if (mode & (S_IRWXG | S_IRWXO))
		return config_fail(
		    err, errlen, c->path, s,
		    "%s: mode %04o: a private key must not be "
		    "readable or writable by its group or others "
		    "(chmod 600)",
		    c->http.tls_key, mode);
	return 0;
}

int
config_load_tls(struct mash_config *c, char *err, size_t errlen)
{
	struct stat st;

	c->http.tls_cert = config_get_str(&c->cfg, "http.tls_cert", NULL);
	c->http.tls_key = config_get_str(&c->cfg, "http.tls_key", NULL);
	if (c->http.tls_cert == NULL && c->http.tls_key == NULL)
		return 0;
	if (c->http.tls_cert == NULL || c->http.tls_key == NULL)
		return config_fail(
		    err, errlen, c->path,
		    config_lookup(&c->cfg, c->http.tls_cert ? "http.tls_cert"
							    : "http.tls_key"),
		    "http.tls_cert and http.tls_key go together");
	if (file_ok(c, "http.tls_cert", c->http.tls_cert, &st, err, errlen) ||
	    file_ok(c, "http.tls_key", c->http.tls_key, &st, err, errlen))
		return -1;
	return key_mode_ok(c, &st, err, errlen);
}

int
config_webhook_tls(struct mash_config *c, config_setting_t *g,
		   struct config_webhook *w, char *err, size_t errlen)
{
	config_setting_t *s = config_setting_lookup(g, "url");
	struct stat st;
	int b = 0;

	config_setting_lookup_bool(g, "insecure", &b);
	w->insecure = b != 0;
	if (!config_setting_lookup_string(g, "ca_file", &w->ca_file))
		w->ca_file = NULL;
	if (!config_setting_lookup_string(g, "url", &w->url))
		return config_fail(err, errlen, c->path, g,
				   "webhook \"%s\" needs an https:// url",
				   w->name);
	if (strncmp(w->url, "http://", 7) == 0 && !w->insecure)
		return config_fail(err, errlen, c->path, s,
				   "webhook \"%s\": %s is plain http, which "
				   "anyone on the way may read or change: use "
				   "https://, or say insecure = true",
				   w->name, w->url);
	if (strncmp(w->url, "https://", 8) != 0 &&
	    strncmp(w->url, "http://", 7) != 0)
		return config_fail(err, errlen, c->path, s,
				   "webhook \"%s\" needs an https:// url",
				   w->name);
	if (w->ca_file == NULL)
		return 0;
	s = config_setting_lookup(g, "ca_file");
	if (w->ca_file[0] != '/')
		return config_fail(err, errlen, c->path, s,
				   "must be an absolute path");
	if (stat(w->ca_file, &st) != 0 || !S_ISREG(st.st_mode))
		return config_fail(err, errlen, c->path, s,
				   "%s: not a file mashd can read", w->ca_file);
	return 0;
}
