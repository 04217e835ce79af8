#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdsplit.h"
#include "envfile.h"
#include "unit.h"

#define MAXV 6

static const struct {
	const char *text;
	const char *vars[MAXV]; /* NULL-terminated */
} good[] = {
	{ "", { NULL } },
	{ "\n\n  \t\n", { NULL } },
	{ "A=1", { "A=1" } },
	{ "A=1\nB=2\n", { "A=1", "B=2" } },
	{ "# comment\n  # indented=comment\nA=1 # not a comment\n",
	  { "A=1 # not a comment" } },
	/* trimming around key and value, not inside quotes */
	{ "  A  =  x y  \n\tB\t=\t\n", { "A=x y", "B=" } },
	{ "A=' x '\nB=\"  \"", { "A= x ", "B=  " } },
	/* quotes are removed, nothing inside them is special */
	{ "A='$HOME \\n \"q\"'\nB=\"${X} \\\" 'q'\"",
	  { "A=$HOME \\n \"q\"", "B=${X} \\\" 'q'" } },
	{ "A=''\nB=\"\"", { "A=", "B=" } },
	{ "A=\"a\"b\"", { "A=a\"b" } },
	{ "A=a'b'\nB=x\"", { "A=a'b'", "B=x\"" } },
	{ "A=$X ${Y:-z} `id`", { "A=$X ${Y:-z} `id`" } },
	{ "A=b=c==", { "A=b=c==" } },
	/* export */
	{ "export A=1\nexport\tB = 2\nexport   C='3'",
	  { "A=1", "B=2", "C=3" } },
	{ "export=1\nexport = 2\nexported=3", { "export=2", "exported=3" } },
	/* keys */
	{ "_=1\na_B9=2\n__x=3", { "_=1", "a_B9=2", "__x=3" } },
	/* later duplicates replace the earlier value in its place */
	{ "A=1\nB=2\nA=3\nC=4\nA=5\nB=6", { "A=5", "B=6", "C=4" } },
	{ "AB=1\nA=2\nABC=3\nA=4", { "AB=1", "A=4", "ABC=3" } },
	/* CRLF, a byte order mark, no final newline */
	{ "A=1\r\nB='2'\r\n\r\n# c\r\nC=\"3\"\r\n", { "A=1", "B=2", "C=3" } },
	{ "\xef\xbb\xbf"
	  "A=1",
	  { "A=1" } },
	{ "A=1\nB=2", { "A=1", "B=2" } },
	{ "A=\xc3\xa9t\xc3\xa9", { "A=\xc3\xa9t\xc3\xa9" } },
};

static const struct {
	const char *text;
	int line;
	const char *err;
} bad[] = {
	{ "1X=a", 1, "invalid key '1X'" },
	{ "A=1\nB-C=2", 2, "invalid key 'B-C'" },
	{ "A B=1", 1, "invalid key 'A B'" },
	{ "=1", 1, "invalid key ''" },
	{ "  = x", 1, "invalid key ''" },
	{ "\xef\xbb\xbf\xef\xbb\xbf"
	  "A=1",
	  1,
	  "invalid key '\xef\xbb\xbf"
	  "A'" },
	{ "export A", 1, "missing '=' (expected KEY=VALUE)" },
	{ "A=1\n\n# x\nFOO\n", 4, "missing '=' (expected KEY=VALUE)" },
	{ "export", 1, "missing '=' (expected KEY=VALUE)" },
	{ "A='x", 1, "unterminated single quote" },
	{ "A=\"x", 1, "unterminated double quote" },
	{ "A=\"", 1, "unterminated double quote" },
	{ "A=\"x'", 1, "unterminated double quote" },
	{ "A=1\r\nB='x\r\n", 2, "unterminated single quote" },
	{ "A='x\nmore'", 1, "unterminated single quote" },
	{ "A=x\"\nB=\"y\" z", 2, "unterminated double quote" },
};

static char **vars;

static void expect(char **v, const char *const *want)
{
	size_t n;

	for (n = 0; want[n] != NULL; n++) {
		ck_assert_msg(v[n] != NULL, "missing %s", want[n]);
		ck_assert_str_eq(v[n], want[n]);
	}
	ck_assert_ptr_null(v[n]);
}

START_TEST(test_good)
{
	char err[128];
	int line = -1;

	ck_assert_msg(envfile_parse(good[_i].text, strlen(good[_i].text), &vars,
				    &line, err, sizeof(err)) == 0,
		      "case %d: %s", _i, err);
	expect(vars, good[_i].vars);
	strv_free(vars);
}
END_TEST

START_TEST(test_bad)
{
	char err[128] = "";
	int line = -1;

	vars = (char **)1;
	ck_assert_int_eq(envfile_parse(bad[_i].text, strlen(bad[_i].text),
				       &vars, &line, err, sizeof(err)),
			 -1);
	ck_assert_ptr_null(vars);
	ck_assert_int_eq(line, bad[_i].line);
	ck_assert_str_eq(err, bad[_i].err);
}
END_TEST

START_TEST(test_length_not_nul)
{
	const char text[] = "A=1\nB=2junk";
	char err[64];
	int line;

	/* Only the first 7 bytes count, and no NUL follows them. */
	ck_assert_int_eq(envfile_parse(text, 7, &vars, &line, err, sizeof(err)),
			 0);
	expect(vars, (const char *[]){ "A=1", "B=2", NULL });
	strv_free(vars);
}
END_TEST

START_TEST(test_nul_byte)
{
	const char text[] = "A=1\nB=x\0y\n";
	char err[64];
	int line;

	ck_assert_int_eq(envfile_parse(text, sizeof(text) - 1, &vars, &line,
				       err, sizeof(err)),
			 -1);
	ck_assert_int_eq(line, 2);
	ck_assert_str_eq(err, "NUL byte");
}
END_TEST

START_TEST(test_many_keys)
{
	enum {
		N = 50000
	};
	char *text = malloc(2 * N * 16), *p = text, err[64];
	size_t i;
	int line;

	ck_assert_ptr_nonnull(text);
	/* N distinct keys, then each of them again: order kept, last wins. */
	for (i = 0; i < 2 * N; i++)
		p += sprintf(p, "K%zu=%zu\n", i % N, i);
	ck_assert_int_eq(envfile_parse(text, (size_t)(p - text), &vars, &line,
				       err, sizeof(err)),
			 0);
	ck_assert_uint_eq(strv_len(vars), N);
	for (i = 0; i < N; i++) {
		char want[32];

		snprintf(want, sizeof(want), "K%zu=%zu", i, i + N);
		ck_assert_str_eq(vars[i], want);
	}
	strv_free(vars);
	free(text);
}
END_TEST

START_TEST(test_long_value)
{
	enum {
		N = 512 * 1024
	};
	char *text = malloc(N + 8), err[64];
	int line;

	ck_assert_ptr_nonnull(text);
	memcpy(text, "LONG=\"", 6);
	memset(text + 6, 'v', N);
	text[N + 6] = '"';
	ck_assert_int_eq(
		envfile_parse(text, N + 7, &vars, &line, err, sizeof(err)), 0);
	ck_assert_uint_eq(strv_len(vars), 1);
	ck_assert_uint_eq(strlen(vars[0]), N + 5);
	strv_free(vars);
	free(text);
}
END_TEST

/* A fresh directory for one test's files (Check forks each test). */
static char dir[64];

static void setup_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/check-envfile-XXXXXX",
		 tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *put(const char *name, const char *data, size_t len)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(test_read_ok)
{
	const char *text = "# db\nexport DB_HOST=db\nDB_PORT='5432'\r\n";
	const char *path = put("env", text, strlen(text));
	char err[256] = "";

	ck_assert_int_eq(envfile_read(path, &vars, err, sizeof(err)), 0);
	expect(vars, (const char *[]){ "DB_HOST=db", "DB_PORT=5432", NULL });
	strv_free(vars);
}
END_TEST

START_TEST(test_read_bad_line)
{
	const char *text = "A=1\nB=2\n1X=3\n";
	const char *path = put("env", text, strlen(text));
	char err[256], want[256];

	ck_assert_int_eq(envfile_read(path, &vars, err, sizeof(err)), -1);
	ck_assert_ptr_null(vars);
	snprintf(want, sizeof(want), "%s:3: invalid key '1X'", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_read_missing)
{
	char err[256], want[256], path[128];

	snprintf(path, sizeof(path), "%s/none", dir);
	ck_assert_int_eq(envfile_read(path, &vars, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_read_limit)
{
	char *big = malloc(ENVFILE_MAX + 1), err[256], want[256];
	const char *path;

	ck_assert_ptr_nonnull(big);
	/* Exactly the limit is fine; one byte more is refused. */
	memset(big, '\n', ENVFILE_MAX + 1);
	memcpy(big, "A=1", 3);
	path = put("big", big, ENVFILE_MAX);
	ck_assert_int_eq(envfile_read(path, &vars, err, sizeof(err)), 0);
	expect(vars, (const char *[]){ "A=1", NULL });
	strv_free(vars);
	path = put("big", big, ENVFILE_MAX + 1);
	ck_assert_int_eq(envfile_read(path, &vars, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than %d bytes", path,
		 ENVFILE_MAX);
	ck_assert_str_eq(err, want);
	free(big);
}
END_TEST

START_TEST(test_read_not_regular)
{
	char err[256], want[256], path[128];

	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(envfile_read(path, &vars, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(envfile_read(dir, &vars, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: Is a directory", dir);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_file_read_max)
{
	const char *path = put("f", "hello", 5);
	char *data, err[256];
	size_t len;

	ck_assert_int_eq(file_read_max(path, 5, &data, &len, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(data, "hello"); /* NUL-terminated too */
	free(data);
	errno = 0;
	ck_assert_int_eq(file_read_max(path, 4, &data, &len, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_ptr_null(data);
	path = put("empty", "", 0);
	ck_assert_int_eq(file_read_max(path, 0, &data, &len, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	free(data);
	ck_assert_int_eq(file_read_max("/proc/self/status", 1 << 20, &data,
				       &len, err, sizeof(err)),
			 0); /* st_size 0, yet it has content */
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_eq(strlen(data), len);
	free(data);
	ck_assert_int_eq(file_read_max(dir, 10, &data, &len, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(errno, EISDIR);
}
END_TEST

/* A TCase whose tests each get a fresh directory. */
static TCase *tcase_with_dir(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	return tc;
}

Suite *unit_suite(void)
{
	Suite *s = suite_create("envfile");
	TCase *tc = tcase_create("envfile_parse");

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_length_not_nul);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_many_keys);
	tcase_add_test(tc, test_long_value);
	suite_add_tcase(s, tc);
	tc = tcase_with_dir("envfile_read");
	tcase_add_test(tc, test_read_ok);
	tcase_add_test(tc, test_read_bad_line);
	tcase_add_test(tc, test_read_missing);
	tcase_add_test(tc, test_read_limit);
	tcase_add_test(tc, test_read_not_regular);
	suite_add_tcase(s, tc);
	tc = tcase_with_dir("file_read_max");
	tcase_add_test(tc, test_file_read_max);
	suite_add_tcase(s, tc);
	return s;
}
