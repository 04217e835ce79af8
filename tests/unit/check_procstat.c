#include <stdio.h>
#include <string.h>

#include "procstat.h"
#include "unit.h"

static int parse(const char *line, struct procstat *ps)
{
	return procstat_parse(line, strlen(line), ps);
}

START_TEST(test_plain)
{
	struct procstat ps;

	ck_assert_int_eq(parse("42 (sleep) S 1 42 42 0 -1 4194560 96 0", &ps),
			 0);
	ck_assert_int_eq(ps.pid, 42);
	ck_assert_str_eq(ps.comm, "sleep");
	ck_assert_int_eq(ps.state, 'S');
	ck_assert_int_eq(ps.ppid, 1);
	ck_assert_int_eq(ps.pgrp, 42);
}
END_TEST

START_TEST(test_tricky_names)
{
	struct procstat ps;

	ck_assert_int_eq(parse("7 (a) b) Z 3 9 9", &ps), 0);
	ck_assert_str_eq(ps.comm, "a) b");
	ck_assert_int_eq(ps.state, 'Z');
	ck_assert_int_eq(ps.ppid, 3);
	ck_assert_int_eq(ps.pgrp, 9);
	ck_assert_int_eq(parse("8 ( x (y) ) D 0 0 0", &ps), 0);
	ck_assert_str_eq(ps.comm, " x (y) ");
	ck_assert_int_eq(ps.ppid, 0);
}
END_TEST

START_TEST(test_long_name_cut)
{
	struct procstat ps;
	char line[200];

	snprintf(line, sizeof(line), "5 (%0100d) R 2 5 5", 0);
	ck_assert_int_eq(parse(line, &ps), 0);
	ck_assert_uint_eq(strlen(ps.comm), sizeof(ps.comm) - 1);
	ck_assert_int_eq(ps.ppid, 2);
}
END_TEST

START_TEST(test_not_nul_terminated)
{
	struct procstat ps;
	const char buf[] = { '9', ' ', '(', 'x', ')', ' ', 'S',
			     ' ', '4', ' ', '9', '9', '9' };

	/* Only the first 11 bytes count: the pgrp is "9", not "999". */
	ck_assert_int_eq(procstat_parse(buf, 11, &ps), 0);
	ck_assert_int_eq(ps.pgrp, 9);
}
END_TEST

START_TEST(test_bad)
{
	struct procstat ps;
	const char *bad[] = {
		"",	      "x (a) S 1 1", "0 (a) S 1 1", "1 a S 1 1",
		"1 (a S 1 1", "1 (a) S",     "1 (a) S x 1", "1 (a)S 1 1",
		"1 (a) S 1",  "-3 (a) S 1 1"
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &ps) == -1, "'%s' parsed", bad[i]);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("procstat");
	TCase *tc = tcase_create("procstat_parse");

	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_tricky_names);
	tcase_add_test(tc, test_long_name_cut);
	tcase_add_test(tc, test_not_nul_terminated);
	tcase_add_test(tc, test_bad);
	suite_add_tcase(s, tc);
	return s;
}
