/*
 * main() for a harness outside libFuzzer: runs LLVMFuzzerTestOneInput once
 * for each file named, and for each file of each directory named (the
 * seed corpus, the regression inputs). Exits 0 when every input passed; a
 * failed check aborts. Used by the unit tests of every build.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/*
 * Plain stdio and readdir here: fuzz_conf wraps the loader's file reading
 * (file_read_max, scandir) at link time, for this file too.
 */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			data = realloc(data, cap);
			if (data == NULL)
				abort();
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		perror(path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the inputs run, or -1. */
static long run_path(const char *path)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL;
	size_t i, n = 0;
	long done = 0;
	int bad = 0;
	DIR *d;

	if (stat(path, &st) < 0) {
		/* A target with no regression input has no directory for it. */
		if (errno == ENOENT)
			return 0;
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path) < 0 ? -1 : 1;
	d = opendir(path);
	if (d == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (names == NULL ||
		    asprintf(&names[n++], "%s/%s", path, de->d_name) < 0)
			abort();
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (run_file(names[i]) < 0)
			bad = 1;
		else
			done++;
		free(names[i]);
	}
	free(names);
	return bad ? -1 : done;
}

int main(int argc, char **argv)
{
	long n, total = 0;
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		n = run_path(argv[i]);
		if (n < 0)
			bad = 1;
		else
			total += n;
	}
	printf("%ld inputs passed\n", total);
	return bad || total == 0;
}
