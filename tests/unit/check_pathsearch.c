#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"
#include "pathsearch.h"
#include "unit.h"

START_TEST(test_with_slash)
{
	char **p = path_search("./app", "/a:/b");

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p[0], "./app");
	ck_assert_ptr_null(p[1]);
	strv_free(p);
}
END_TEST

START_TEST(test_entries)
{
	char **p = path_search("sh", "/usr/bin::/bin:");

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p[0], "/usr/bin/sh");
	ck_assert_str_eq(p[1], "./sh");
	ck_assert_str_eq(p[2], "/bin/sh");
	ck_assert_str_eq(p[3], "./sh");
	ck_assert_ptr_null(p[4]);
	strv_free(p);
}
END_TEST

START_TEST(test_default_path)
{
	char **p = path_search("ls", NULL);
	int n = 0;

	ck_assert_ptr_nonnull(p);
	while (p[n] != NULL)
		n++;
	ck_assert_int_eq(n, 6);
	ck_assert_str_eq(p[0], "/usr/local/sbin/ls");
	ck_assert_str_eq(p[5], "/bin/ls");
	strv_free(p);
}
END_TEST

START_TEST(test_empty_path_is_cwd)
{
	char **p = path_search("app", "");

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p[0], "./app");
	ck_assert_ptr_null(p[1]);
	strv_free(p);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("pathsearch");
	TCase *tc = tcase_create("path_search");

	tcase_add_test(tc, test_with_slash);
	tcase_add_test(tc, test_entries);
	tcase_add_test(tc, test_default_path);
	tcase_add_test(tc, test_empty_path_is_cwd);
	suite_add_tcase(s, tc);
	return s;
}
