/*
 * cmd_split: a command line (the input up to its first NUL byte, as the
 * config gives one). Its words, each put back in single quotes, must split
 * into the same words again: nothing lost, nothing added.
 */
#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"
#include "fuzz.h"

/* The words of v single-quoted ('\'' for a quote), joined by spaces. */
static char *requote(char *const *v)
{
	size_t i, j, n = 1;
	char *out, *o;

	for (i = 0; v[i] != NULL; i++)
		n += 4 * strlen(v[i]) + 3;
	out = malloc(n);
	if (out == NULL)
		abort();
	o = out;
	for (i = 0; v[i] != NULL; i++) {
		if (i > 0)
			*o++ = ' ';
		*o++ = '\'';
		for (j = 0; v[i][j] != '\0'; j++) {
			if (v[i][j] == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else {
				*o++ = v[i][j];
			}
		}
		*o++ = '\'';
	}
	*o = '\0';
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	char *line = fuzz_part(&p, data + size, NULL), *again;
	char **argv, **argv2, err[256];
	size_t i;

	err[0] = '\0';
	if (cmd_split(line, &argv, err, sizeof(err)) < 0) {
		FUZZ_CHECK(argv == NULL && err[0] != '\0');
		free(line);
		return 0;
	}
	FUZZ_CHECK(argv != NULL && argv[0] != NULL);
	again = requote(argv);
	FUZZ_CHECK(cmd_split(again, &argv2, err, sizeof(err)) == 0);
	FUZZ_CHECK(strv_len(argv) == strv_len(argv2));
	for (i = 0; argv[i] != NULL; i++)
		FUZZ_CHECK(strcmp(argv[i], argv2[i]) == 0);
	strv_free(argv2);
	strv_free(argv);
	free(again);
	free(line);
	return 0;
}
