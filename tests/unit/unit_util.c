#include "unit_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void setup_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/tend-unit-XXXXXX",
		 tmp != NULL && strlen(tmp) < 128 ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown_tmpdir(void)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

TCase *unit_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	suite_add_tcase(s, tc);
	return tc;
}

TCase *unit_tcase_tmpdir(Suite *s, const char *name)
{
	TCase *tc = unit_tcase(s, name);

	tcase_add_checked_fixture(tc, setup_tmpdir, teardown_tmpdir);
	return tc;
}

const char *tmp_dir(void)
{
	return dir;
}

const char *tmp_path(const char *name)
{
	static char ring[8][512];
	static unsigned next;
	char *p = ring[next++ % 8];

	snprintf(p, sizeof(ring[0]), "%s/%s", dir, name);
	return p;
}

const char *tmp_put(const char *name, const char *text)
{
	const char *path = tmp_path(name);
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_msg(fd >= 0, "cannot create %s", path);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

const char *tmp_mkdir(const char *name)
{
	const char *path = tmp_path(name);

	ck_assert_int_eq(mkdir(path, 0700), 0);
	return path;
}

void expect_strv(char *const *got, const char *const *want)
{
	size_t i;

	ck_assert_ptr_nonnull(got);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(got[i] != NULL, "missing %s", want[i]);
		ck_assert_str_eq(got[i], want[i]);
	}
	ck_assert_msg(got[i] == NULL, "extra %s", got[i]);
}

static uint32_t rnd_state;

void rnd_seed(uint32_t seed)
{
	rnd_state = seed;
}

uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}
