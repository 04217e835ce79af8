#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "unit.h"

#define ARGV(...) ((char *const[]){ "tend", __VA_ARGS__, NULL })

static struct args a;
static char err[256];

static int parse(int argc, char *const argv[])
{
	return args_parse(argc, argv, &a, err, sizeof(err));
}

START_TEST(test_command_after_dashdash)
{
	char *const *v = ARGV("--", "app", "-x", "y");

	ck_assert_int_eq(parse(5, v), 0);
	ck_assert_int_eq(a.action, ARGS_RUN);
	ck_assert_int_eq(a.ncmd, 3);
	ck_assert_str_eq(a.cmd[0], "app");
	ck_assert_str_eq(a.cmd[1], "-x");
	ck_assert_int_eq(a.group, 0);
	ck_assert_int_eq(a.pdeathsig, 0);
	ck_assert_int_eq(a.nremap, 0);
}
END_TEST

START_TEST(test_command_without_dashdash)
{
	char *const *v = ARGV("-g", "app", "-v");

	ck_assert_int_eq(parse(4, v), 0);
	ck_assert_int_eq(a.group, 1);
	ck_assert_int_eq(a.verbosity, 0); /* -v belongs to app */
	ck_assert_int_eq(a.ncmd, 2);
	ck_assert_str_eq(a.cmd[0], "app");
}
END_TEST

START_TEST(test_bundled_flags)
{
	char *const *v = ARGV("-sgvv", "--", "app");

	ck_assert_int_eq(parse(4, v), 0);
	ck_assert_int_eq(a.subreaper, 1);
	ck_assert_int_eq(a.group, 1);
	ck_assert_int_eq(a.verbosity, 2);
}
END_TEST

START_TEST(test_quiet)
{
	char *const *v = ARGV("-q", "--quiet", "--verbose", "app");

	ck_assert_int_eq(parse(5, v), 0);
	ck_assert_int_eq(a.verbosity, -1);
}
END_TEST

START_TEST(test_remap_forms)
{
	char *const *v = ARGV("-e", "3", "-e143", "-e", "3", "-ge", "0", "app");

	ck_assert_int_eq(parse(9, v), 0);
	ck_assert_int_eq(a.nremap, 3); /* the second 3 is a duplicate */
	ck_assert_int_eq(a.remap[0], 3);
	ck_assert_int_eq(a.remap[1], 143);
	ck_assert_int_eq(a.remap[2], 0);
	ck_assert_int_eq(a.group, 1);
}
END_TEST

START_TEST(test_remap_all_codes)
{
	static char opt[256][8];
	char *argv[256 + 3];
	int i;

	/* tend -e0 -e1 ... -e255 app */
	argv[0] = "tend";
	for (i = 0; i < 256; i++) {
		snprintf(opt[i], sizeof(opt[i]), "-e%d", i);
		argv[1 + i] = opt[i];
	}
	argv[257] = "app";
	argv[258] = NULL;
	ck_assert_int_eq(parse(258, argv), 0);
	ck_assert_int_eq(a.nremap, 256);
	ck_assert_int_eq(a.remap[255], 255);
}
END_TEST

START_TEST(test_bad_remap)
{
	const char *bad[] = { "256", "-1", "x", "", "3x", "99999999999999999" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "tend", "-e", (char *)bad[i], "app", NULL };

		ck_assert_int_eq(parse(4, argv), -1);
		ck_assert_ptr_nonnull(strstr(err, "-e"));
	}
}
END_TEST

START_TEST(test_missing_value)
{
	char *const *v = ARGV("-e");

	ck_assert_int_eq(parse(2, v), -1);
	ck_assert_str_eq(err, "option '-e' needs a value");
}
END_TEST

START_TEST(test_pdeathsig)
{
	char *const *v1 = ARGV("-p", "SIGTERM", "app");
	char *const *v2 = ARGV("-pKILL", "app");
	char *const *v3 = ARGV("-p", "10", "app");
	char *const *v4 = ARGV("-p", "BOGUS", "app");

	ck_assert_int_eq(parse(4, v1), 0);
	ck_assert_int_eq(a.pdeathsig, 15);
	ck_assert_int_eq(parse(3, v2), 0);
	ck_assert_int_eq(a.pdeathsig, 9);
	ck_assert_int_eq(parse(4, v3), 0);
	ck_assert_int_eq(a.pdeathsig, 10);
	ck_assert_int_eq(parse(4, v4), -1);
	ck_assert_str_eq(err, "invalid signal 'BOGUS' for -p");
}
END_TEST

START_TEST(test_unknown_options)
{
	char *const *v1 = ARGV("-x", "app");
	char *const *v2 = ARGV("--bogus", "app");
	char *const *v3 = ARGV("-Z", "x");

	ck_assert_int_eq(parse(3, v1), -1);
	ck_assert_str_eq(err, "unknown option '-x'");
	ck_assert_int_eq(parse(3, v2), -1);
	ck_assert_str_eq(err, "unknown option '--bogus'");
	ck_assert_int_eq(parse(3, v3), -1);
}
END_TEST

START_TEST(test_no_command)
{
	char *const v1[] = { "tend", NULL };
	char *const *v2 = ARGV("-g", "--");

	/* Parsed; main decides whether a config makes up for it. */
	ck_assert_int_eq(parse(1, v1), 0);
	ck_assert_int_eq(a.ncmd, 0);
	ck_assert_ptr_null(a.config);
	ck_assert_int_eq(parse(3, v2), 0);
	ck_assert_int_eq(a.ncmd, 0);
}
END_TEST

START_TEST(test_config_options)
{
	char *const *v1 = ARGV("-c", "/etc/x.conf", "--check");
	char *const *v2 = ARGV("--config=a.conf", "--", "app");
	char *const *v3 = ARGV("--config", "b.conf", "-vcc.conf");
	char *const *v4 = ARGV("--config");
	char *const *v5 = ARGV("--check=yes");

	ck_assert_int_eq(parse(4, v1), 0);
	ck_assert_str_eq(a.config, "/etc/x.conf");
	ck_assert_int_eq(a.check, 1);
	ck_assert_int_eq(a.ncmd, 0);
	ck_assert_int_eq(parse(4, v2), 0);
	ck_assert_str_eq(a.config, "a.conf");
	ck_assert_int_eq(a.ncmd, 1);
	ck_assert_int_eq(a.check, 0);
	ck_assert_int_eq(parse(4, v3), 0);
	ck_assert_str_eq(a.config, "c.conf"); /* the last one wins */
	ck_assert_int_eq(a.verbosity, 1);
	ck_assert_int_eq(parse(2, v4), -1);
	ck_assert_str_eq(err, "option '--config' needs a value");
	ck_assert_int_eq(parse(2, v5), -1);
	ck_assert_str_eq(err, "option '--check=yes' takes no value");
	{
		char *const *v6 =
			ARGV("-S", "/run/x.sock", "--socket=/y", "app");
		char *const *v7 = ARGV("-S/z", "--", "app");

		ck_assert_int_eq(parse(5, v6), 0);
		ck_assert_str_eq(a.socket, "/y");
		ck_assert_int_eq(parse(4, v7), 0);
		ck_assert_str_eq(a.socket, "/z");
	}
}
END_TEST

START_TEST(test_help_version)
{
	char *const *v1 = ARGV("--help");
	char *const *v2 = ARGV("-V");
	char *const *v3 = ARGV("-h", "app");

	ck_assert_int_eq(parse(2, v1), 0);
	ck_assert_int_eq(a.action, ARGS_HELP);
	ck_assert_int_eq(parse(2, v2), 0);
	ck_assert_int_eq(a.action, ARGS_VERSION);
	ck_assert_int_eq(parse(3, v3), 0);
	ck_assert_int_eq(a.action, ARGS_HELP);
	ck_assert_ptr_nonnull(strstr(args_usage(), "-g"));
}
END_TEST

START_TEST(test_lone_dash_is_command)
{
	char *const *v = ARGV("-");

	ck_assert_int_eq(parse(2, v), 0);
	ck_assert_str_eq(a.cmd[0], "-");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("args");
	TCase *tc = tcase_create("args_parse");

	tcase_add_test(tc, test_command_after_dashdash);
	tcase_add_test(tc, test_command_without_dashdash);
	tcase_add_test(tc, test_bundled_flags);
	tcase_add_test(tc, test_quiet);
	tcase_add_test(tc, test_remap_forms);
	tcase_add_test(tc, test_remap_all_codes);
	tcase_add_test(tc, test_bad_remap);
	tcase_add_test(tc, test_missing_value);
	tcase_add_test(tc, test_pdeathsig);
	tcase_add_test(tc, test_unknown_options);
	tcase_add_test(tc, test_no_command);
	tcase_add_test(tc, test_config_options);
	tcase_add_test(tc, test_help_version);
	tcase_add_test(tc, test_lone_dash_is_command);
	suite_add_tcase(s, tc);
	return s;
}
