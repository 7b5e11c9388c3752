/*
 * roles.c owns the role table of the control socket; see roles.h.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mash/config.h"

#include "log.h"
#include "roles.h"

#define ALL_ROLES                                                              \
	(CTL_ROLE(CTL_CALL_HANDLERS) | CTL_ROLE(CTL_NAVIGATORS) |              \
	 CTL_ROLE(CTL_SUPERVISORS) | CTL_ROLE(CTL_ADMINS))

/* A user the configuration names, or a member of a group it names. */
struct role_user {
	uid_t uid;
	unsigned roles;
	char name[64];
};

/* A group the configuration names, matched on the caller's groups. */
struct role_group {
	gid_t gid;
	unsigned roles;
};

struct roles {
	struct role_user *users;
	size_t nusers;
	struct role_group *groups;
	size_t ngroups;
};

static struct role_user *
table_user(struct roles *t, uid_t uid, const char *name)
{
	struct role_user *u;

	for (size_t i = 0; i < t->nusers; i++)
		if (t->users[i].uid == uid)
			return &t->users[i];
	u = realloc(t->users, (t->nusers + 1) * sizeof(*u));
	if (u == NULL)
		return NULL;
	t->users = u;
	u = &t->users[t->nusers++];
	u->uid = uid;
	u->roles = 0;
	snprintf(u->name, sizeof(u->name), "%s", name);
	return u;
}

static void
table_add_user(struct roles *t, const char *name, unsigned roles)
{
	struct passwd pw, *pwr = NULL;
	char buf[4096];
	struct role_user *u;

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &pwr) != 0 || pwr == NULL) {
		log_warnx("control: roles: no user %s", name);
		return;
	}
	if ((u = table_user(t, pw.pw_uid, pw.pw_name)) != NULL)
		u->roles |= roles;
}

static void
table_add_group(struct roles *t, const char *name, unsigned roles)
{
	struct group gr, *grr = NULL;
	char *buf = NULL, *nb;
	size_t len = 4096;
	struct role_group *g;
	int rc = -1;

	/* A large group's member list needs a large buffer. */
	do {
		if ((nb = realloc(buf, len *= 2)) == NULL)
			break;
		buf = nb;
		rc = getgrnam_r(name, &gr, buf, len, &grr);
	} while (rc == ERANGE && len < (16u << 20));
	if (nb == NULL || rc != 0 || grr == NULL) {
		log_warnx("control: roles: no group %s", name);
		free(buf);
		return;
	}
	g = realloc(t->groups, (t->ngroups + 1) * sizeof(*g));
	if (g != NULL) {
		t->groups = g;
		t->groups[t->ngroups].gid = gr.gr_gid;
		t->groups[t->ngroups++].roles = roles;
	}
	/* Members listed: their role holds whatever groups the process has. */
	for (char **m = gr.gr_mem; m != NULL && *m != NULL; m++)
		table_add_user(t, *m, roles);
	free(buf);
}

/*
 * The role table, from roles.* of the running configuration: each user
 * named, each group named with its members, and root and mashd's own
 * user, who hold every role. Called at start and on SIGHUP, never on a
 * request's path: name-service lookups may block.
 */
struct roles *
roles_load(const struct mash_config *conf)
{
	struct roles *t = calloc(1, sizeof(*t));
	uid_t self[2] = {0, geteuid()};

	if (t == NULL) {
		log_warnx("control: roles: out of memory");
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		struct passwd pw, *pwr = NULL;
		char buf[4096];
		struct role_user *u;

		if (getpwuid_r(self[i], &pw, buf, sizeof(buf), &pwr) != 0)
			pwr = NULL;
		u = table_user(t, self[i], pwr ? pw.pw_name : "");
		if (u != NULL)
			u->roles = ALL_ROLES;
	}
	for (int r = 0; r < CTL_ROLE_COUNT; r++) {
		for (size_t i = 0; i < conf->roles[r].n; i++) {
			const char *e = conf->roles[r].items[i];

			if (strncmp(e, "user:", 5) == 0)
				table_add_user(t, e + 5, CTL_ROLE(r));
			else if (strncmp(e, "group:", 6) == 0)
				table_add_group(t, e + 6, CTL_ROLE(r));
		}
	}
	log_debug("control: roles of %zu users and %zu groups", t->nusers,
		  t->ngroups);
	return t;
}

static const struct role_user *
find_user(const struct roles *t, uid_t uid)
{
	for (size_t i = 0; i < t->nusers; i++)
		if (t->users[i].uid == uid)
			return &t->users[i];
	return NULL;
}

/*
 * The caller's roles, from the table: its user's, and those of every
 * group its process holds (the kernel's list, so a primary group counts
 * as well as the members the group database lists). A uid the table does
 * not know holds none.
 */
unsigned
roles_of(const struct roles *t, uid_t uid, gid_t gid, const gid_t *gids,
	 size_t ngids)
{
	const struct role_user *u = t ? find_user(t, uid) : NULL;
	unsigned roles = u != NULL ? u->roles : 0;

	if (t == NULL)
		return 0;

	for (size_t g = 0; g < t->ngroups; g++) {
		if (t->groups[g].gid == gid)
			roles |= t->groups[g].roles;
		for (size_t i = 0; i < ngids; i++)
			if (t->groups[g].gid == gids[i])
				roles |= t->groups[g].roles;
	}
	return roles;
}

/* "navigators or supervisors": the roles of a mask, for a person. */
void
roles_words(unsigned mask, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int r = 0; r < CTL_ROLE_COUNT; r++)
		if (mask & CTL_ROLE(r))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? ", " : "", config_ctl_role_name(r));
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

const char *
roles_user_name(const struct roles *t, uid_t uid)
{
	const struct role_user *u = t ? find_user(t, uid) : NULL;

	return u != NULL && u->name[0] != '\0' ? u->name : NULL;
}

void
roles_free(struct roles *t)
{
	if (t == NULL)
		return;
	free(t->users);
	free(t->groups);
	free(t);
}
