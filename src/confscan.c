#include "confscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok {
	T_END,
	T_ERR,
	T_WORD,	  /* unquoted string */
	T_STRING, /* quoted string */
	T_LBRACE,
	T_RBRACE,
	T_LPAREN,
	T_RPAREN,
	T_EQ, /* = or += */
	T_COMMA,
};

struct lexer {
	const char *p, *end;
	int line;
	/* the last token */
	enum tok tok;
	const char *start;
	size_t len;
	char quote; /* T_STRING: '"' or '\'' */
	int env;    /* T_WORD: a "${...}" of its own */
	int tok_line;
	char *err;
	size_t errlen;
};

/*
 * As libconfuse's lexer has it (found by fuzzing): '+' and '*' end an
 * unquoted string too, and one that is not part of "+=" or a comment is
 * dropped without a word.
 */
static int is_word_char(char c)
{
	return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"' &&
	       c != '\'' && c != '{' && c != '}' && c != '(' && c != ')' &&
	       c != '=' && c != ',' && c != '#' && c != '+' && c != '*' &&
	       c != '\0';
}

/*
 * Bytes of the "${...}" at p (an environment variable libconfuse expands,
 * in a quoted string or as a token of its own), or 0. Up to the first '}',
 * whatever comes before it: quotes, braces, newlines.
 */
static size_t env_ref_len(const struct lexer *lx, const char *p)
{
	const char *close;

	if (lx->end - p < 3 || p[0] != '$' || p[1] != '{')
		return 0;
	close = memchr(p + 2, '}', (size_t)(lx->end - p - 2));
	return close != NULL ? (size_t)(close - p) + 1 : 0;
}

/* Skips n bytes, counting their newlines. */
static void advance(struct lexer *lx, size_t n)
{
	const char *end = lx->p + n;

	for (; lx->p < end; lx->p++)
		if (*lx->p == '\n')
			lx->line++;
}

static enum tok lex_error(struct lexer *lx, int line, const char *msg)
{
	lx->tok_line = line;
	snprintf(lx->err, lx->errlen, "%s", msg);
	return lx->tok = T_ERR;
}

/* Skips blanks and comments; returns 0, or -1 for an open comment. */
static int skip_space(struct lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			lx->p++;
		} else if (c == '#' || (c == '/' && lx->p + 1 < lx->end &&
					lx->p[1] == '/')) {
			while (lx->p < lx->end && *lx->p != '\n') {
				if (*lx->p == '\0') {
					lex_error(lx, lx->line,
						  "NUL byte in the file");
					return -1;
				}
				lx->p++;
			}
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			int open_line = lx->line;

			lx->p += 2;
			while (lx->p + 1 < lx->end &&
			       !(lx->p[0] == '*' && lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				if (*lx->p == '\0') {
					lex_error(lx, lx->line,
						  "NUL byte in the file");
					return -1;
				}
				lx->p++;
			}
			if (lx->p + 1 >= lx->end) {
				lex_error(lx, open_line, "comment not closed");
				return -1;
			}
			lx->p += 2;
		} else if (c == '*' || (c == '+' && !(lx->p + 1 < lx->end &&
						      lx->p[1] == '='))) {
			lx->p++; /* libconfuse drops it */
		} else {
			break;
		}
	}
	return 0;
}

static enum tok lex_string(struct lexer *lx)
{
	char q = *lx->p++;

	lx->quote = q;
	int open_line = lx->line;

	lx->start = lx->p;
	while (lx->p < lx->end && *lx->p != q) {
		size_t env = q == '"' ? env_ref_len(lx, lx->p) : 0;

		if (env > 0 && memchr(lx->p, '\0', env) == NULL) {
			advance(lx,
				env); /* a '"' in it does not end the string */
			continue;
		}
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		if (*lx->p == '\n')
			lx->line++;
		if (*lx->p == '\0')
			return lex_error(lx, lx->line, "NUL byte in the file");
		lx->p++;
	}
	if (lx->p >= lx->end)
		return lex_error(lx, open_line,
				 q == '"' ? "string not closed (missing \")"
					  : "string not closed (missing ')");
	lx->len = (size_t)(lx->p - lx->start);
	lx->p++;
	return lx->tok = T_STRING;
}

static enum tok lex_next(struct lexer *lx)
{
	char c;

	if (skip_space(lx) < 0)
		return lx->tok = T_ERR;
	lx->tok_line = lx->line;
	if (lx->p >= lx->end)
		return lx->tok = T_END;
	c = *lx->p;
	lx->start = lx->p;
	lx->len = 1;
	switch (c) {
	case '"':
	case '\'':
		return lex_string(lx);
	case '{':
		lx->p++;
		return lx->tok = T_LBRACE;
	case '}':
		lx->p++;
		return lx->tok = T_RBRACE;
	case '(':
		lx->p++;
		return lx->tok = T_LPAREN;
	case ')':
		lx->p++;
		return lx->tok = T_RPAREN;
	case ',':
		lx->p++;
		return lx->tok = T_COMMA;
	case '=':
		lx->p++;
		return lx->tok = T_EQ;
	case '\0':
		return lex_error(lx, lx->line, "NUL byte in the file");
	default:
		break;
	}
	if (c == '+') { /* skip_space left only "+=" */
		lx->p += 2;
		return lx->tok = T_EQ;
	}
	lx->len = env_ref_len(lx, lx->p);
	if (lx->len > 0 && memchr(lx->p, '\0', lx->len) == NULL) {
		/* a token of its own: "${A}x" is two */
		advance(lx, lx->len);
		lx->env = 1;
		return lx->tok = T_WORD;
	}
	lx->env = 0;
	while (lx->p < lx->end && is_word_char(*lx->p))
		lx->p++;
	lx->len = (size_t)(lx->p - lx->start);
	return lx->tok = T_WORD;
}

/* A string being built; on allocation failure ok is 0 and s is freed. */
struct out {
	char *s;
	size_t len, cap;
	int ok;
};

static void put(struct out *o, const char *p, size_t n)
{
	if (!o->ok)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *s = realloc(o->s, cap);

		if (s == NULL) {
			free(o->s);
			o->s = NULL;
			o->ok = 0;
			return;
		}
		o->s = s;
		o->cap = cap;
	}
	memcpy(o->s + o->len, p, n);
	o->len += n;
	o->s[o->len] = '\0';
}

/*
 * Appends the value of "${NAME}" or "${NAME:-DEFAULT}" (ref and n: the
 * whole of it) as libconfuse has it: the variable, else the default, else
 * nothing.
 */
static void put_env(struct out *o, const char *ref, size_t n)
{
	char *name = strndup(ref + 2, n - 3), *colon;
	const char *v;

	if (name == NULL) {
		free(o->s);
		o->s = NULL;
		o->ok = 0;
		return;
	}
	colon = strchr(name, ':');
	if (colon != NULL && colon[1] == '-')
		*colon = '\0';
	else
		colon = NULL;
	v = getenv(name);
	if (v == NULL && colon != NULL)
		v = colon + 2;
	if (v != NULL)
		put(o, v, strlen(v));
	free(name);
}

static size_t octal_len(const char *p, const char *end)
{
	size_t n = 0;

	while (n < 3 && p + n < end && p[n] >= '0' && p[n] <= '7')
		n++;
	return n;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A backslash escape of a "..." string at p (after the '\\', before end);
 * returns where the text goes on.
 */
static const char *dq_escape(const char *p, const char *end, struct out *o)
{
	static const char from[] = "nrbfaetv", to[] = "\n\r\b\f\a\033\t\v";
	size_t oct = octal_len(p, end), i;
	char c;

	if (oct > 0) {
		unsigned v = 0;

		for (i = 0; i < oct; i++)
			v = v * 8 + (unsigned)(p[i] - '0');
		/* libconfuse refuses it (> 0xFF, or "\8"): it reports it */
		c = (char)v;
		put(o, &c, 1);
		return p + oct;
	}
	if (*p == 'x' && p + 1 < end && hex_digit(p[1]) >= 0) {
		int v = hex_digit(p[1]), n = 2;

		if (p + 2 < end && hex_digit(p[2]) >= 0)
			v = v * 16 + hex_digit(p[n++]);
		c = (char)v;
		put(o, &c, 1);
		return p + n;
	}
	if (*p == '\n') /* a line continued */
		return p + 1;
	c = *p;
	for (i = 0; from[i] != '\0'; i++)
		if (from[i] == *p)
			c = to[i];
	put(o, &c, 1);
	return p + 1;
}

/*
 * The last token's text as libconfuse reads it: quotes taken off, escapes
 * and "${...}" done (so that two names that differ only in how they are
 * written are seen as the one libconfuse merges). A NUL from "\0" ends
 * the string, as it does for libconfuse. NULL when out of memory.
 */
static char *tokdup(const struct lexer *lx)
{
	struct out o = { NULL, 0, 0, 1 };
	const char *p = lx->start, *end = lx->start + lx->len;

	put(&o, "", 0);
	if (lx->tok == T_WORD && lx->env) {
		put_env(&o, p, lx->len);
	} else if (lx->tok != T_STRING) {
		put(&o, p, lx->len);
	} else if (lx->quote == '\'') {
		while (p < end) {
			if (*p == '\\' && p + 1 < end && p[1] == '\n') {
				p += 2;
			} else if (*p == '\\' && p + 1 < end &&
				   (p[1] == '\\' || p[1] == '\'')) {
				put(&o, p + 1, 1);
				p += 2;
			} else {
				put(&o, p++, 1);
			}
		}
	} else {
		while (p < end) {
			size_t env = env_ref_len(lx, p);

			if (env > 0 && p + env <= end) {
				put_env(&o, p, env);
				p += env;
			} else if (*p == '\\' && p + 1 < end) {
				p = dq_escape(p + 1, end, &o);
			} else {
				put(&o, p++, 1);
			}
		}
	}
	return o.s;
}

/*
 * v (of *cap items of size each, n used) with room for one more: v itself,
 * or v moved to twice the room; NULL when out of memory (v is kept).
 */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t want = *cap ? *cap * 2 : 16;

	if (n < *cap)
		return v;
	if ((v = realloc(v, want * size)) != NULL)
		*cap = want;
	return v;
}

static int add_key(struct confscan *s, const char *name, int section, int line)
{
	struct scan_key *k = grow(s->keys, &s->keys_cap, s->nkeys, sizeof(*k));

	if (k == NULL)
		return -1;
	s->keys = k;
	k[s->nkeys].name = strdup(name);
	if (k[s->nkeys].name == NULL)
		return -1;
	k[s->nkeys].section = section;
	k[s->nkeys].line = line;
	if (section >= 0) /* a section's keys come one after the other */
		s->sections[section].nkeys++;
	s->nkeys++;
	return 0;
}

static int add_section(struct confscan *s, char *kind, char *title, int line)
{
	struct scan_section *n =
		grow(s->sections, &s->sections_cap, s->nsections, sizeof(*n));

	if (n == NULL) {
		free(kind);
		free(title);
		return -1;
	}
	s->sections = n;
	n[s->nsections].kind = kind;
	n[s->nsections].title = title;
	n[s->nsections].line = line;
	n[s->nsections].first_key = s->nkeys;
	n[s->nsections].nkeys = 0;
	s->nsections++;
	return 0;
}

/* After '=': a value or a {list}. Leaves the token after it in lx. */
static enum tok skip_value(struct lexer *lx)
{
	enum tok t = lex_next(lx);

	if (t == T_LBRACE) {
		while ((t = lex_next(lx)) != T_RBRACE && t != T_END &&
		       t != T_ERR)
			;
	}
	if (t == T_END || t == T_ERR)
		return t;
	return lex_next(lx);
}

/* After '(': skips to the matching ')' and returns the token after it. */
static enum tok skip_call(struct lexer *lx)
{
	enum tok t;

	while ((t = lex_next(lx)) != T_RPAREN && t != T_END && t != T_ERR)
		;
	return t == T_RPAREN ? lex_next(lx) : t;
}

/*
 * One statement at depth, starting at the current token (a word).
 * Returns the token after it; T_ERR stops everything.
 */
static enum tok statement(struct lexer *lx, struct confscan *s, int section)
{
	char *name = tokdup(lx);
	int line = lx->tok_line;
	enum tok t;

	if (name == NULL)
		return lex_error(lx, line, "out of memory");
	t = lex_next(lx);
	if (t == T_EQ) {
		if (add_key(s, name, section, line) < 0) {
			free(name);
			return lex_error(lx, line, "out of memory");
		}
		free(name);
		return skip_value(lx);
	}
	if (t == T_LPAREN) {
		/* A function call such as include(): libconfuse says no. */
		free(name);
		return skip_call(lx);
	}
	if (section >= 0 || (t != T_WORD && t != T_STRING && t != T_LBRACE)) {
		/* Not ours (a stray word): libconfuse reports it. */
		free(name);
		return t == T_WORD || t == T_STRING ? lex_next(lx) : t;
	}
	{
		char *title = t == T_LBRACE ? strdup("") : tokdup(lx);
		int idx = (int)s->nsections;

		if (add_section(s, name, title, line) < 0 || title == NULL)
			return lex_error(lx, line, "out of memory");
		if (t != T_LBRACE && lex_next(lx) != T_LBRACE)
			return lx->tok;
		t = lex_next(lx);
		while (t == T_WORD || t == T_STRING)
			t = statement(lx, s, idx);
		if (t == T_RBRACE)
			return lex_next(lx);
		if (t == T_END)
			/* libconfuse takes the end of the file as the '}' */
			return lex_error(lx, line,
					 "section not closed (missing })");
		return t;
	}
}

int confscan_run(const char *text, size_t len, struct confscan *out,
		 int *errline, char *err, size_t errlen)
{
	struct lexer lx;
	enum tok t;

	memset(out, 0, sizeof(*out));
	memset(&lx, 0, sizeof(lx));
	lx.p = text;
	lx.end = text + len;
	lx.line = 1;
	lx.err = err;
	lx.errlen = errlen;

	t = lex_next(&lx);
	while (t != T_END && t != T_ERR) {
		if (t == T_WORD || t == T_STRING)
			t = statement(&lx, out, -1);
		else
			t = lex_next(&lx);
	}
	if (t == T_ERR) {
		*errline = lx.tok_line;
		confscan_free(out);
		return -1;
	}
	return 0;
}

int confscan_key_line(const struct confscan *s, int section, const char *key)
{
	size_t i = 0, end = s->nkeys;

	if (section >= (int)s->nsections)
		return 0;
	if (section >= 0) {
		i = s->sections[section].first_key;
		end = i + s->sections[section].nkeys;
	}
	for (; i < end; i++)
		if (s->keys[i].section == section &&
		    strcmp(s->keys[i].name, key) == 0)
			return s->keys[i].line;
	return 0;
}

int confscan_nth_section(const struct confscan *s, const char *kind, size_t n)
{
	size_t i;

	for (i = 0; i < s->nsections; i++)
		if (strcmp(s->sections[i].kind, kind) == 0 && n-- == 0)
			return (int)i;
	return -1;
}

void confscan_free(struct confscan *s)
{
	size_t i;

	for (i = 0; i < s->nsections; i++) {
		free(s->sections[i].kind);
		free(s->sections[i].title);
	}
	for (i = 0; i < s->nkeys; i++)
		free(s->keys[i].name);
	free(s->sections);
	free(s->keys);
	memset(s, 0, sizeof(*s));
}
