/*
 * Users and groups for a service's user/group keys, read from /etc/passwd
 * and /etc/group directly (as container runtimes do; no NSS), so a static
 * tend works in any image. Pure, but for the file-reading ids_resolve.
 */
#ifndef TEND_PASSWD_H
#define TEND_PASSWD_H

#include <stddef.h>
#include <sys/types.h>

struct ids {
	uid_t uid;	/* what to setuid to; (uid_t)-1: don't change */
	gid_t gid;	/* what to setgid to; (gid_t)-1: don't change */
	gid_t *groups;	/* supplementary groups (malloc'd; NULL when none) */
	size_t ngroups; /* meaningful only when uid is set */
};

/*
 * Resolves user (name or number, "" = keep tend's: uid 0 / don't change)
 * and group (name or number, "" = the user's primary group) the way Docker
 * resolves --user:
 * - a user name must exist in passwd_text; a string of digits is always a
 *   uid (looked up in passwd_text for its primary group and name);
 * - a numeric uid not in passwd_text gets gid 0 unless group is given;
 * - a named group must exist in group_text; a numeric gid need not;
 * - supplementary groups are the gids of every group in group_text whose
 *   member list names the user (by name; only when the user has a name),
 *   without duplicates and excluding the primary gid.
 * With user "" and group "", uid/gid are (uid_t)-1/(gid_t)-1 ("don't
 * change"); with user "" and a group, only gid is set.
 * Numbers are whole decimals below (uid_t)-1. Comment (#), blank and
 * malformed lines are skipped and never match.
 * Returns 0, or -1 with *out empty and err like "unknown user 'bob'",
 * "unknown group 'staff'", "invalid uid '12x'" or "out of memory".
 */
int ids_resolve_text(const char *passwd_text, size_t plen,
		     const char *group_text, size_t glen, const char *user,
		     const char *group, struct ids *out, char *err,
		     size_t errlen);

/*
 * Same, reading the two files (paths given so tests can point elsewhere;
 * a missing file counts as empty, an unreadable one is an error
 * "PATH: reason").
 */
int ids_resolve(const char *passwd_path, const char *group_path,
		const char *user, const char *group, struct ids *out, char *err,
		size_t errlen);

/*
 * The two files' texts, read once for many ids_resolve_text calls (a
 * config of thousands of services with a user each). A missing file is
 * empty; an unreadable one makes idfiles_read return -1 with err set.
 */
struct idfiles {
	char *passwd, *group; /* never NULL after a successful read */
	size_t plen, glen;
};

int idfiles_read(const char *passwd_path, const char *group_path,
		 struct idfiles *f, char *err, size_t errlen);
void idfiles_free(struct idfiles *f);

/* Frees the groups and empties *ids (NULL-safe inside; ids itself not freed). */
void ids_free(struct ids *ids);

#endif
