#include "envfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdsplit.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

static bool key_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'A' && c <= 'Z') ||
		      (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/*
 * Parses one line [s, e) without its newline. Returns 1 with *var a
 * malloc'd "KEY=VALUE", 0 for a blank or comment line, -1 with a message,
 * -2 when out of memory.
 */
static int parse_line(const char *s, const char *e, char **var, char *err,
		      size_t errlen)
{
	const char *eq, *ke, *vs;
	size_t klen, vlen;

	trim(&s, &e);
	if (s == e || *s == '#')
		return 0;
	if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
		snprintf(err, errlen, "NUL byte");
		return -1;
	}
	if (e - s > 6 && memcmp(s, "export", 6) == 0 && is_space(s[6])) {
		const char *k = s + 6;

		while (k < e && is_space(*k))
			k++;
		if (k < e && *k != '=') /* "export = x" sets export */
			s = k;
	}
	eq = memchr(s, '=', (size_t)(e - s));
	if (eq == NULL) {
		snprintf(err, errlen, "missing '=' (expected KEY=VALUE)");
		return -1;
	}
	ke = eq;
	vs = eq + 1;
	trim(&s, &ke);
	trim(&vs, &e);
	klen = (size_t)(ke - s);
	if (!key_valid(s, klen)) {
		snprintf(err, errlen, "invalid key '%.*s'", (int)klen, s);
		return -1;
	}
	vlen = (size_t)(e - vs);
	if (vlen > 0 && (*vs == '\'' || *vs == '"')) {
		if (vlen < 2 || e[-1] != *vs) {
			snprintf(err, errlen, "unterminated %s quote",
				 *vs == '"' ? "double" : "single");
			return -1;
		}
		vs++;
		vlen -= 2;
	}
	*var = malloc(klen + 1 + vlen + 1);
	if (*var == NULL)
		return -2;
	memcpy(*var, s, klen);
	(*var)[klen] = '=';
	memcpy(*var + klen + 1, vs, vlen);
	(*var)[klen + 1 + vlen] = '\0';
	return 1;
}

struct entry {
	const char *var;
	size_t pos;
};

static size_t key_len(const char *var)
{
	return (size_t)(strchr(var, '=') - var);
}

static int key_cmp(const char *a, const char *b)
{
	size_t la = key_len(a), lb = key_len(b);
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c == 0 && la != lb)
		c = la < lb ? -1 : 1;
	return c;
}

/* Orders by key, then by position. */
static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = key_cmp(x->var, y->var);

	if (c == 0)
		c = x->pos < y->pos ? -1 : x->pos > y->pos;
	return c;
}

/*
 * Makes the last value of each key replace the first, in the first's
 * place, and drops the others. Sorting keeps this O(n log n) for files
 * with many keys. Returns -1 when out of memory.
 */
static int dedup(char **v, size_t n)
{
	struct entry *ent;
	size_t i, j, out;

	if (n < 2)
		return 0;
	ent = malloc(n * sizeof(*ent));
	if (ent == NULL)
		return -1;
	for (i = 0; i < n; i++)
		ent[i] = (struct entry){ v[i], i };
	qsort(ent, n, sizeof(*ent), entry_cmp);
	for (i = 0; i < n; i = j) {
		size_t first = ent[i].pos;

		for (j = i + 1; j < n && key_cmp(ent[j].var, v[first]) == 0;
		     j++) {
			free(v[first]);
			v[first] = v[ent[j].pos];
			v[ent[j].pos] = NULL;
		}
	}
	free(ent);
	for (i = out = 0; i < n; i++)
		if (v[i] != NULL)
			v[out++] = v[i];
	v[out] = NULL;
	return 0;
}

int envfile_parse(const char *text, size_t len, char ***vars, int *errline,
		  char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	char **v = NULL;
	size_t n = 0;
	int line = 0, r;

	*vars = NULL;
	*errline = 0;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;
		char *var;

		line++;
		r = parse_line(p, eol, &var, err, errlen);
		if (r > 0 && strv_push(&v, n, var) < 0)
			r = -2;
		if (r < 0)
			goto fail;
		n += (size_t)r;
		p = eol + (nl != NULL);
	}
	if (v == NULL)
		v = calloc(1, sizeof(*v));
	if (v == NULL || dedup(v, n) < 0) {
		r = -2;
		goto fail;
	}
	*vars = v;
	return 0;
fail:
	if (r == -2)
		snprintf(err, errlen, "out of memory");
	*errline = r == -2 ? 0 : line;
	strv_free(v);
	return -1;
}

int envfile_read(const char *path, char ***vars, char *err, size_t errlen)
{
	char *text, msg[256];
	size_t len;
	int line, r;

	*vars = NULL;
	if (file_read_max(path, ENVFILE_MAX, &text, &len, err, errlen) < 0)
		return -1;
	r = envfile_parse(text, len, vars, &line, msg, sizeof(msg));
	free(text);
	if (r < 0) {
		if (line > 0)
			snprintf(err, errlen, "%s:%d: %s", path, line, msg);
		else
			snprintf(err, errlen, "%s: %s", path, msg);
	}
	return r;
}

static int read_fail(const char *path, int e, const char *why, char *err,
		     size_t errlen)
{
	snprintf(err, errlen, "%s: %s", path, why != NULL ? why : strerror(e));
	errno = e;
	return -1;
}

int file_read_max(const char *path, size_t max, char **data, size_t *len,
		  char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap;
	int fd, e;

	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return read_fail(path, errno, NULL, err, errlen);
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return read_fail(path, e, NULL, err, errlen);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return read_fail(path, S_ISDIR(st.st_mode) ? EISDIR : EINVAL,
				 S_ISDIR(st.st_mode) ? NULL
						     : "not a regular file",
				 err, errlen);
	}
	/* The size may change under us: read until EOF, never past max + 1. */
	cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max)
				break;
			cap = cap > max / 2 ? max + 1 : 2 * cap;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				e = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		if (buf == NULL && (buf = malloc(cap + 1)) == NULL) {
			e = ENOMEM;
			goto fail;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		char why[48];

		free(buf);
		snprintf(why, sizeof(why), "larger than %zu bytes", max);
		return read_fail(path, EFBIG, why, err, errlen);
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	close(fd);
	return read_fail(path, e, NULL, err, errlen);
}
