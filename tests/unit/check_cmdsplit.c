#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"
#include "unit.h"

#define MAXW 8

static const struct {
	const char *line;
	const char *words[MAXW]; /* NULL-terminated */
} good[] = {
	{ "a b c", { "a", "b", "c" } },
	{ "  a\t b\n c  ", { "a", "b", "c" } },
	{ "/usr/sbin/nginx -g 'daemon off;'",
	  { "/usr/sbin/nginx", "-g", "daemon off;" } },
	/* single quotes: everything literal, newlines and backslashes too */
	{ "'a b' c", { "a b", "c" } },
	{ "'a\\b' '\\'", { "a\\b", "\\" } },
	{ "'a\nb'", { "a\nb" } },
	{ "'a\"b' \"a'b\"", { "a\"b", "a'b" } },
	/* no expansion of any kind */
	{ "'$HOME' \"$HOME\" $HOME ~ * ? [a]",
	  { "$HOME", "$HOME", "$HOME", "~", "*", "?", "[a]" } },
	{ "\"`id`\" $(id)", { "`id`", "$(id)" } },
	/* double quotes: \" \\ \$ \` and backslash-newline, nothing else */
	{ "\"a\\\"b\"", { "a\"b" } },
	{ "\"a\\\\b\"", { "a\\b" } },
	{ "\"a\\$b\"", { "a$b" } },
	{ "\"a\\`b\"", { "a`b" } },
	{ "\"a\\\nb\"", { "ab" } },
	{ "\"a\\nb\\'c\\ d\"", { "a\\nb\\'c\\ d" } },
	{ "\"a b\"\t\"\tc\"", { "a b", "\tc" } },
	{ "\"a\nb\"", { "a\nb" } },
	/* backslash outside quotes */
	{ "a\\ b", { "a b" } },
	{ "\\'a\\\" \\\\", { "'a\"", "\\" } },
	{ "\\a\\b", { "ab" } },
	{ "a\\\nb", { "ab" } },
	{ "a \\\n b", { "a", "b" } },
	{ "\\\n a", { "a" } },
	{ "\\\t\\\n\\ ", { "\t " } },
	/* empty words and concatenation */
	{ "''", { "" } },
	{ "\"\"", { "" } },
	{ "x '' \"\" y", { "x", "", "", "y" } },
	{ "a''b", { "ab" } },
	{ "a'b'\"c\"d\\e", { "abcde" } },
	{ "'' ''", { "", "" } },
	/* shell operators and comments are ordinary characters */
	{ "a|b; c && d > e", { "a|b;", "c", "&&", "d", ">", "e" } },
	{ "(x)<y 2>&1 &", { "(x)<y", "2>&1", "&" } },
	{ "#x y #z", { "#x", "y", "#z" } },
	{ "a=b c", { "a=b", "c" } },
};

static const struct {
	const char *line;
	const char *err;
} bad[] = {
	{ "", "empty command" },
	{ " \t\n ", "empty command" },
	{ "\\\n", "empty command" },
	{ "a\\", "trailing backslash" },
	{ "a \\", "trailing backslash" },
	{ "'abc", "unterminated single quote" },
	{ "'a\\'b'", "unterminated single quote" }, /* no escape in '' */
	{ "\"abc", "unterminated double quote" },
	{ "\"abc\\\"", "unterminated double quote" },
	{ "\"abc\\", "unterminated double quote" },
	{ "'a'\"", "unterminated double quote" },
};

START_TEST(test_good)
{
	char **v = (char **)1, err[128];
	size_t n;

	ck_assert_msg(cmd_split(good[_i].line, &v, err, sizeof(err)) == 0,
		      "line %d: %s", _i, err);
	for (n = 0; good[_i].words[n] != NULL; n++) {
		ck_assert_ptr_nonnull(v[n]);
		ck_assert_str_eq(v[n], good[_i].words[n]);
	}
	ck_assert_ptr_null(v[n]);
	strv_free(v);
}
END_TEST

START_TEST(test_bad)
{
	char **v = (char **)1, err[128] = "";

	ck_assert_int_eq(cmd_split(bad[_i].line, &v, err, sizeof(err)), -1);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(err, bad[_i].err);
}
END_TEST

START_TEST(test_err_truncated)
{
	char **v, err[6];

	ck_assert_int_eq(cmd_split("'", &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unter");
}
END_TEST

START_TEST(test_many_words)
{
	enum {
		N = 100000
	};
	char *line = malloc(2 * N + 1), **v, err[64];
	size_t i;

	ck_assert_ptr_nonnull(line);
	for (i = 0; i < N; i++) {
		line[2 * i] = (char)('a' + i % 26);
		line[2 * i + 1] = i % 2 ? '\t' : ' ';
	}
	line[2 * N] = '\0';
	ck_assert_int_eq(cmd_split(line, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(strv_len(v), N);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(v[i][0], 'a' + i % 26);
	strv_free(v);
	free(line);
}
END_TEST

START_TEST(test_long_word)
{
	enum {
		N = 1 << 20
	};
	char *line = malloc(N + 3), **v, err[64];

	ck_assert_ptr_nonnull(line);
	line[0] = '"';
	memset(line + 1, 'x', N);
	line[N + 1] = '"';
	line[N + 2] = '\0';
	ck_assert_int_eq(cmd_split(line, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(strv_len(v), 1);
	ck_assert_uint_eq(strlen(v[0]), N);
	strv_free(v);
	line[N + 1] = 'x';
	ck_assert_int_eq(cmd_split(line, &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unterminated double quote");
	free(line);
}
END_TEST

START_TEST(test_strv_free)
{
	char **v = NULL;

	strv_free(NULL);
	ck_assert_int_eq(strv_push(&v, 0, strdup("a")), 0);
	ck_assert_int_eq(strv_push(&v, 1, strdup("b")), 0);
	strv_free(v); /* the sanitizer build checks nothing leaks */
}
END_TEST

START_TEST(test_strv_len)
{
	char *v[] = { "a", "", "c", NULL };

	ck_assert_uint_eq(strv_len(NULL), 0);
	ck_assert_uint_eq(strv_len(v + 3), 0);
	ck_assert_uint_eq(strv_len(v), 3);
}
END_TEST

START_TEST(test_strv_push)
{
	char **v = NULL, name[16];
	size_t i;

	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		ck_assert_int_eq(strv_push(&v, i, strdup(name)), 0);
		ck_assert_uint_eq(strv_len(v), i + 1);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		ck_assert_str_eq(v[i], name);
	}
	strv_free(v);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("cmdsplit");
	TCase *tc = tcase_create("cmd_split");

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_err_truncated);
	tcase_add_test(tc, test_many_words);
	tcase_add_test(tc, test_long_word);
	suite_add_tcase(s, tc);
	tc = tcase_create("strv_free");
	tcase_add_test(tc, test_strv_free);
	suite_add_tcase(s, tc);
	tc = tcase_create("strv_len");
	tcase_add_test(tc, test_strv_len);
	suite_add_tcase(s, tc);
	tc = tcase_create("strv_push");
	tcase_add_test(tc, test_strv_push);
	suite_add_tcase(s, tc);
	return s;
}
