#include "cmdsplit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

int strv_push(char ***v, size_t n, char *s)
{
	char **nv;

	/* Double the room at powers of two: n pushes cost O(n) copies. */
	if (*v == NULL || ((n + 1) & n) == 0) {
		size_t cap = n == 0 ? 2 : 2 * (n + 1);

		nv = cap > n + 1 ? reallocarray(*v, cap, sizeof(*nv)) : NULL;
		if (nv == NULL) {
			free(s);
			errno = ENOMEM;
			return -1;
		}
		*v = nv;
	}
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* The characters a backslash escapes inside double quotes (POSIX). */
static bool dquote_escapable(char c)
{
	return c == '"' || c == '\\' || c == '$' || c == '`' || c == '\n';
}

/*
 * Copies the quoted text that starts after the opening quote *p into word,
 * moving *p past the closing quote. Returns -1 when it never closes.
 */
static int copy_quoted(const char **p, char quote, char *word, size_t *wlen)
{
	const char *s = *p;

	for (;;) {
		char c = *s++;

		if (c == '\0')
			return -1;
		if (c == quote)
			break;
		if (quote == '"' && c == '\\' && dquote_escapable(*s)) {
			c = *s++;
			if (c == '\n')
				continue;
		}
		word[(*wlen)++] = c;
	}
	*p = s;
	return 0;
}

int cmd_split(const char *line, char ***argv, char *err, size_t errlen)
{
	char **v = NULL, *word;
	const char *p = line, *msg = NULL;
	size_t n = 0, wlen = 0;
	bool inword = false;

	*argv = NULL;
	/* No word is longer than the line: one buffer holds any of them. */
	word = malloc(strlen(line) + 1);
	if (word == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		char c = *p++;

		if (c == '\0' || is_blank(c)) {
			if (inword) {
				char *w = strndup(word, wlen);

				if (w == NULL || strv_push(&v, n, w) < 0) {
					msg = "out of memory";
					break;
				}
				n++;
				inword = false;
				wlen = 0;
			}
			if (c == '\0')
				break;
			continue;
		}
		if (c == '\\') {
			c = *p++;
			if (c == '\0') {
				msg = "trailing backslash";
				break;
			}
			if (c == '\n')
				continue; /* a line continuation starts no word */
			word[wlen++] = c;
		} else if (c == '\'' || c == '"') {
			if (copy_quoted(&p, c, word, &wlen) < 0) {
				msg = c == '\'' ? "unterminated single quote"
						: "unterminated double quote";
				break;
			}
		} else {
			word[wlen++] = c;
		}
		inword = true;
	}
	free(word);
	if (msg == NULL && n == 0)
		msg = "empty command";
	if (msg != NULL) {
		strv_free(v);
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	*argv = v;
	return 0;
}
