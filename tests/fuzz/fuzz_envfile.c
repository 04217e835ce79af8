/*
 * envfile_parse: the input is an env-file. What it gives must be KEY=VALUE
 * with a valid KEY, each KEY once, and written back as KEY="VALUE" lines it
 * must read the same again.
 */
#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"
#include "confutil.h"
#include "envfile.h"
#include "fuzz.h"

/* Orders "KEY=VALUE" strings by KEY. */
static int key_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
	int c = memcmp(x, y, lx < ly ? lx : ly);

	return c != 0 ? c : (lx > ly) - (lx < ly);
}

static size_t lines_of(const uint8_t *data, size_t size)
{
	size_t i, n = 1;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **vars, **again, **sorted, err[256], *text, *o;
	size_t i, n, klen;
	int line;

	err[0] = '\0';
	if (envfile_parse((const char *)data, size, &vars, &line, err,
			  sizeof(err)) < 0) {
		FUZZ_CHECK(vars == NULL && err[0] != '\0');
		FUZZ_CHECK(line >= 1 && (size_t)line <= lines_of(data, size));
		return 0;
	}
	FUZZ_CHECK(vars != NULL);
	n = strv_len(vars);
	sorted = malloc((n + 1) * sizeof(*sorted));
	if (sorted == NULL)
		abort();
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(confutil_env_entry(vars[i]) == 0);
		FUZZ_CHECK(strchr(vars[i], '\n') == NULL);
		sorted[i] = vars[i];
	}
	/* Each KEY once: no two neighbours equal once sorted by KEY. */
	qsort(sorted, n, sizeof(*sorted), key_cmp);
	for (i = 1; i < n; i++)
		FUZZ_CHECK(key_cmp(&sorted[i - 1], &sorted[i]) != 0);
	free(sorted);

	/* KEY="VALUE": only the outer quotes go, whatever VALUE holds. */
	text = malloc(size + 3 * n + 1);
	if (text == NULL)
		abort();
	for (o = text, i = 0; i < n; i++) {
		klen = (size_t)(strchr(vars[i], '=') - vars[i]);
		memcpy(o, vars[i], klen + 1);
		o += klen + 1;
		*o++ = '"';
		memcpy(o, vars[i] + klen + 1, strlen(vars[i] + klen + 1));
		o += strlen(vars[i] + klen + 1);
		memcpy(o, "\"\n", 2);
		o += 2;
	}
	FUZZ_CHECK(envfile_parse(text, (size_t)(o - text), &again, &line, err,
				 sizeof(err)) == 0);
	FUZZ_CHECK(strv_len(again) == n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(strcmp(vars[i], again[i]) == 0);
	strv_free(again);
	free(text);
	strv_free(vars);
	return 0;
}
