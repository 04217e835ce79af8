#include "passwd.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"

/* passwd and group files bigger than this are refused. */
#define IDFILE_MAX (16 * 1024 * 1024)

_Static_assert(sizeof(uid_t) == sizeof(gid_t), "uid_t and gid_t differ");

struct field {
	const char *s;
	size_t len;
};

struct pwent {
	struct field name;
	uid_t uid;
	gid_t gid;
};

struct grent {
	struct field name;
	gid_t gid;
	struct field members;
};

/* What is left of a text to cut into tokens. */
struct cursor {
	const char *p, *end;
};

/*
 * The next token up to sep (or the end). A text that ends with sep (a
 * trailing newline) has no empty token after it.
 */
static bool token_next(struct cursor *c, char sep, struct field *tok)
{
	const char *s;

	if (c->p >= c->end)
		return false;
	s = memchr(c->p, sep, (size_t)(c->end - c->p));
	tok->s = c->p;
	tok->len = (size_t)((s != NULL ? s : c->end) - c->p);
	c->p = s != NULL ? s + 1 : c->end;
	return true;
}

/*
 * Splits an entry line at ':' into min to max fields, the first a name.
 * Returns how many, or -1 for a malformed line (comments and blanks too).
 */
static int entry_split(struct field line, struct field *f, int min, int max)
{
	struct cursor c = { line.s, line.s + line.len };
	struct field tok;
	int n = 0;

	while (token_next(&c, ':', &tok)) {
		if (n == max)
			return -1;
		f[n++] = tok;
	}
	return n < min || f[0].len == 0 || f[0].s[0] == '#' ? -1 : n;
}

/* A whole decimal below (uid_t)-1, which means "no id" to the kernel. */
static int parse_id(struct field f, uid_t *id)
{
	uintmax_t v = 0;
	size_t i;

	if (f.len == 0)
		return -1;
	for (i = 0; i < f.len; i++) {
		if (f.s[i] < '0' || f.s[i] > '9')
			return -1;
		v = v * 10 + (uintmax_t)(f.s[i] - '0');
		if (v >= (uid_t)-1)
			return -1;
	}
	*id = (uid_t)v;
	return 0;
}

static bool field_is(struct field f, const char *s)
{
	return strlen(s) == f.len && memcmp(f.s, s, f.len) == 0;
}

static bool all_digits(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* name:pw:uid:gid[:gecos:home:shell] */
static int pw_parse(struct field line, struct pwent *pw)
{
	struct field f[7];

	if (entry_split(line, f, 4, 7) < 0 || parse_id(f[2], &pw->uid) < 0 ||
	    parse_id(f[3], &pw->gid) < 0)
		return -1;
	pw->name = f[0];
	return 0;
}

/* name:pw:gid[:member,member] */
static int gr_parse(struct field line, struct grent *gr)
{
	struct field f[4];
	int n = entry_split(line, f, 3, 4);

	if (n < 0 || parse_id(f[2], &gr->gid) < 0)
		return -1;
	gr->name = f[0];
	gr->members = n == 4 ? f[3] : (struct field){ f[0].s, 0 };
	return 0;
}

/* The first entry named name, or with uid uid when name is NULL. */
static bool pw_find(const char *text, size_t len, const char *name, uid_t uid,
		    struct pwent *pw)
{
	struct cursor c = { text, text + len };
	struct field line;

	while (token_next(&c, '\n', &line))
		if (pw_parse(line, pw) == 0 &&
		    (name != NULL ? field_is(pw->name, name) : pw->uid == uid))
			return true;
	return false;
}

static bool gr_find(const char *text, size_t len, const char *name,
		    struct grent *gr)
{
	struct cursor c = { text, text + len };
	struct field line;

	while (token_next(&c, '\n', &line))
		if (gr_parse(line, gr) == 0 && field_is(gr->name, name))
			return true;
	return false;
}

static bool is_member(struct field members, struct field user)
{
	struct cursor c = { members.s, members.s + members.len };
	struct field tok;

	while (token_next(&c, ',', &tok))
		if (tok.len == user.len && memcmp(tok.s, user.s, tok.len) == 0)
			return true;
	return false;
}

static int gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* The groups whose member list names user, but for the primary one. */
static int collect_groups(const char *text, size_t len, struct field user,
			  struct ids *out)
{
	struct cursor c = { text, text + len };
	struct field line;
	struct grent gr;
	size_t cap = 0, i, n = 0;

	while (token_next(&c, '\n', &line)) {
		if (gr_parse(line, &gr) < 0 || gr.gid == out->gid ||
		    !is_member(gr.members, user))
			continue;
		if (n == cap) {
			gid_t *g;

			cap = cap == 0 ? 8 : 2 * cap;
			g = reallocarray(out->groups, cap, sizeof(*g));
			if (g == NULL)
				return -1;
			out->groups = g;
		}
		out->groups[n++] = gr.gid;
	}
	if (n > 1)
		qsort(out->groups, n, sizeof(*out->groups), gid_cmp);
	for (i = out->ngroups = 0; i < n; i++)
		if (i == 0 || out->groups[i] != out->groups[i - 1])
			out->groups[out->ngroups++] = out->groups[i];
	return 0;
}

/* "12x" and "-1" were meant as numbers; "bob" as a name. */
static int unknown(const char *s, const char *what, const char *idname,
		   char *err, size_t errlen)
{
	if ((*s >= '0' && *s <= '9') || *s == '-' || *s == '+')
		snprintf(err, errlen, "invalid %s '%s'", idname, s);
	else
		snprintf(err, errlen, "unknown %s '%s'", what, s);
	return -1;
}

static int resolve_user(const char *ptext, size_t plen, const char *user,
			struct ids *out, struct field *name)
{
	struct pwent pw;
	uid_t uid;

	name->len = 0;
	if (all_digits(user)) {
		if (parse_id((struct field){ user, strlen(user) }, &uid) < 0)
			return -1;
		/* Docker: a uid without a passwd entry runs with gid 0. */
		out->uid = uid;
		out->gid = 0;
		if (!pw_find(ptext, plen, NULL, uid, &pw))
			return 0;
	} else if (!pw_find(ptext, plen, user, 0, &pw)) {
		return -1;
	}
	out->uid = pw.uid;
	out->gid = pw.gid;
	*name = pw.name;
	return 0;
}

static int resolve_group(const char *gtext, size_t glen, const char *group,
			 gid_t *gid)
{
	struct grent gr;

	if (all_digits(group))
		return parse_id((struct field){ group, strlen(group) }, gid);
	if (!gr_find(gtext, glen, group, &gr))
		return -1;
	*gid = gr.gid;
	return 0;
}

int ids_resolve_text(const char *passwd_text, size_t plen,
		     const char *group_text, size_t glen, const char *user,
		     const char *group, struct ids *out, char *err,
		     size_t errlen)
{
	struct field name = { user, 0 };

	*out = (struct ids){ (uid_t)-1, (gid_t)-1, NULL, 0 };
	if (*user != '\0' &&
	    resolve_user(passwd_text, plen, user, out, &name) < 0)
		return unknown(user, "user", "uid", err, errlen);
	if (*group != '\0' &&
	    resolve_group(group_text, glen, group, &out->gid) < 0) {
		ids_free(out);
		return unknown(group, "group", "gid", err, errlen);
	}
	if (name.len > 0 && collect_groups(group_text, glen, name, out) < 0) {
		ids_free(out);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (out->ngroups > NGROUPS_MAX) {
		ids_free(out);
		snprintf(err, errlen, "user '%s' is in more than %d groups",
			 user, NGROUPS_MAX);
		return -1;
	}
	return 0;
}

int idfiles_read(const char *passwd_path, const char *group_path,
		 struct idfiles *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	if ((file_read_max(passwd_path, IDFILE_MAX, &f->passwd, &f->plen, err,
			   errlen) < 0 &&
	     errno != ENOENT) ||
	    (file_read_max(group_path, IDFILE_MAX, &f->group, &f->glen, err,
			   errlen) < 0 &&
	     errno != ENOENT)) {
		idfiles_free(f);
		return -1;
	}
	if (f->passwd == NULL)
		f->passwd = strdup("");
	if (f->group == NULL)
		f->group = strdup("");
	if (f->passwd == NULL || f->group == NULL) {
		idfiles_free(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void idfiles_free(struct idfiles *f)
{
	free(f->passwd);
	free(f->group);
	memset(f, 0, sizeof(*f));
}

int ids_resolve(const char *passwd_path, const char *group_path,
		const char *user, const char *group, struct ids *out, char *err,
		size_t errlen)
{
	struct idfiles f;
	int r;

	*out = (struct ids){ (uid_t)-1, (gid_t)-1, NULL, 0 };
	if (idfiles_read(passwd_path, group_path, &f, err, errlen) < 0)
		return -1;
	r = ids_resolve_text(f.passwd, f.plen, f.group, f.glen, user, group,
			     out, err, errlen);
	idfiles_free(&f);
	return r;
}

void ids_free(struct ids *ids)
{
	free(ids->groups);
	ids->groups = NULL;
	ids->ngroups = 0;
}
