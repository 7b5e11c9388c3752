/*
 * roles: who may do what on the control socket (SPEC section 9). The
 * role table resolves roles.* of the configuration (user:NAME,
 * group:NAME) into uids and gids, with root and mashd's own user holding
 * every role. It is made at start and on SIGHUP, never on a request's
 * path: name-service lookups (sssd, LDAP) may block the event loop.
 */
#ifndef MASHD_ROLES_H
#define MASHD_ROLES_H

#include <stddef.h>
#include <sys/types.h>

#include "mash/config.h"

/* The bit of a role (enum ctl_role, mash/config.h) in a mask of roles. */
#define CTL_ROLE(r) (1u << (r))

struct roles;

/* The table of conf's roles; NULL (no roles for anyone) when out of
 * memory, said in the log. */
struct roles *roles_load(const struct mash_config *conf);
void roles_free(struct roles *t);
/*
 * The caller's roles (CTL_ROLE() bits): its user's, and those of every
 * group its process holds, gid and gids as the kernel gave them.
 */
unsigned roles_of(const struct roles *t, uid_t uid, gid_t gid,
		  const gid_t *gids, size_t ngids);
/* The user name the table knows for uid, or NULL. */
const char *roles_user_name(const struct roles *t, uid_t uid);
/* "navigators, supervisors": the roles of a mask, for a person; "none". */
void roles_words(unsigned mask, char *buf, size_t len);

#endif
