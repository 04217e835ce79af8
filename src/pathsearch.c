#include "pathsearch.h"

#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"

#define DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char **path_search(const char *file, const char *path)
{
	size_t n = 1, i = 0, flen = strlen(file);
	const char *p, *start;
	char **out;

	if (strchr(file, '/') != NULL || flen == 0) {
		out = calloc(2, sizeof(*out));
		if (out == NULL || (out[0] = strdup(file)) == NULL) {
			free(out);
			return NULL;
		}
		return out;
	}
	if (path == NULL)
		path = DEFAULT_PATH;
	for (p = path; *p != '\0'; p++)
		if (*p == ':')
			n++;
	out = calloc(n + 1, sizeof(*out));
	if (out == NULL)
		return NULL;
	start = path;
	for (;;) {
		const char *colon = strchr(start, ':');
		size_t dlen = colon ? (size_t)(colon - start) : strlen(start);
		const char *dir = dlen ? start : ".";
		char *s;

		if (dlen == 0)
			dlen = 1;
		s = malloc(dlen + 1 + flen + 1);
		if (s == NULL) {
			strv_free(out);
			return NULL;
		}
		memcpy(s, dir, dlen);
		s[dlen] = '/';
		memcpy(s + dlen + 1, file, flen + 1);
		out[i++] = s;
		if (colon == NULL)
			break;
		start = colon + 1;
	}
	return out;
}
