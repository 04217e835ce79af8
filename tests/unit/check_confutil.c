#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "confutil.h"
#include "unit.h"
#include "unit_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *s;
	int positive;
	double want; /* -1: refused */
} durations[] = {
	{ "0", 0, 0 },		{ "0.0", 0, 0 },	 { "5", 0, 5 },
	{ "5", 1, 5 },		{ "0.5", 1, 0.5 },	 { ".25", 0, 0.25 },
	{ "2.", 0, 2 },		{ "1e3", 0, 1000 },	 { "1.5E1", 0, 15 },
	{ "10000000", 1, 1e7 }, { "0.001", 1, 0.001 },	 { "0", 1, -1 },
	{ "0.0", 1, -1 },	{ "-1", 0, -1 },	 { "-0.5", 0, -1 },
	{ "-5", 1, -1 },	{ "10000000.5", 0, -1 }, { "1e8", 0, -1 },
	{ "1e400", 0, -1 },	{ "", 0, -1 },		 { " 1", 0, -1 },
	{ "1 ", 0, -1 },	{ "1s", 0, -1 },	 { "abc", 0, -1 },
	{ "inf", 0, -1 },	{ "nan", 0, -1 },	 { "infinity", 1, -1 },
	{ "0x10", 0, -1 },	{ "1,5", 0, -1 },
};

START_TEST(test_duration)
{
	double v = -42;
	int rc = confutil_duration(durations[_i].s, durations[_i].positive, &v);

	if (durations[_i].want < 0) {
		ck_assert_msg(rc == -1, "'%s' (positive %d) accepted as %g",
			      durations[_i].s, durations[_i].positive, v);
		ck_assert_double_eq(v, -42); /* untouched */
	} else {
		ck_assert_msg(rc == 0, "'%s' refused", durations[_i].s);
		ck_assert_double_eq_tol(v, durations[_i].want, 1e-9);
	}
}
END_TEST

START_TEST(test_duration_null)
{
	double v;

	ck_assert_int_eq(confutil_duration(NULL, 0, &v), -1);
}
END_TEST

/*
 * A parser's verdict on s: want -1 means refused, with the result
 * untouched (got stays 42); else accepted as want.
 */
static void expect_parsed(const char *s, int rc, long got, long want)
{
	if (want < 0) {
		ck_assert_msg(rc == -1, "'%s' accepted as %ld", s, got);
		ck_assert_int_eq(got, 42);
	} else {
		ck_assert_msg(rc == 0, "'%s' refused", s);
		ck_assert_int_eq(got, want);
	}
}

static const struct {
	const char *s;
	int want; /* -1: refused */
} bools[] = {
	{ "true", 1 },	{ "TRUE", 1 },	 { "Yes", 1 },	  { "on", 1 },
	{ "1", 1 },	{ "false", 0 },	 { "False", 0 },  { "no", 0 },
	{ "OFF", 0 },	{ "0", 0 },	 { "", -1 },	  { "2", -1 },
	{ "y", -1 },	{ "truee", -1 }, { " true", -1 }, { "true ", -1 },
	{ "nope", -1 },
};

START_TEST(test_bool)
{
	int v = 42;
	int rc = confutil_bool(bools[_i].s, &v);

	expect_parsed(bools[_i].s, rc, v, bools[_i].want);
}
END_TEST

static const struct {
	const char *s;
	long want; /* -1: refused */
} counts[] = {
	{ "0", 0 },	      { "7", 7 },
	{ "007", 7 },	      { "1000000000", 1000000000L },
	{ "1000000001", -1 }, { "99999999999999999999999", -1 },
	{ "", -1 },	      { "-1", -1 },
	{ "+1", -1 },	      { "1.5", -1 },
	{ " 1", -1 },	      { "1 ", -1 },
	{ "1e3", -1 },	      { "x", -1 },
};

START_TEST(test_count)
{
	long v = 42;
	int rc = confutil_count(counts[_i].s, &v);

	expect_parsed(counts[_i].s, rc, v, counts[_i].want);
}
END_TEST

static const struct {
	const char *s;
	int want; /* -1: refused */
} umasks[] = {
	{ "022", 022 },	 { "0027", 027 }, { "7", 07 },	    { "0", 0 },
	{ "000", 0 },	 { "777", 0777 }, { "0777", 0777 }, { "77", 077 },
	{ "", -1 },	 { "8", -1 },	  { "0800", -1 },   { "1000", -1 },
	{ "00022", -1 }, { "-1", -1 },	  { "0o22", -1 },   { "22 ", -1 },
	{ "abc", -1 },
};

START_TEST(test_umask)
{
	mode_t v = 42;
	int rc = confutil_umask(umasks[_i].s, &v);

	expect_parsed(umasks[_i].s, rc, (long)v, umasks[_i].want);
}
END_TEST

static const struct {
	const char *s;
	int ok;
} names[] = {
	{ "a", 1 },
	{ "web", 1 },
	{ "A-Z_a.z-0.9", 1 },
	{ "1", 1 },
	{ "..", 1 },
	{ "0123456789012345678901234567890123456789012345678901234567890123",
	  1 },
	{ "01234567890123456789012345678901234567890123456789012345678901234",
	  0 },
	{ "", 0 },
	{ "a b", 0 },
	{ "a/b", 0 },
	{ "a:b", 0 },
	{ "a|b", 0 },
	{ "caf\xc3\xa9", 0 },
	{ "web\n", 0 },
};

START_TEST(test_name)
{
	ck_assert_msg(confutil_name(names[_i].s) == (names[_i].ok ? 0 : -1),
		      "'%s': want %s", names[_i].s,
		      names[_i].ok ? "valid" : "invalid");
}
END_TEST

static const struct {
	const char *s;
	int ok;
} env_entries[] = {
	{ "A=1", 1 },
	{ "_=x", 1 },
	{ "a_B9=", 1 },
	{ "K==v", 1 },
	{ "PATH=/bin:/usr/bin", 1 },
	{ "=1", 0 },
	{ "1A=1", 0 },
	{ "A", 0 },
	{ "A B=1", 0 },
	{ "A-B=1", 0 },
	{ "", 0 },
	{ " A=1", 0 },
	{ "A =1", 0 },
	{ "\xc3\xa9=1", 0 },
};

START_TEST(test_env_entry)
{
	ck_assert_msg(confutil_env_entry(env_entries[_i].s) ==
			      (env_entries[_i].ok ? 0 : -1),
		      "'%s': want %s", env_entries[_i].s,
		      env_entries[_i].ok ? "valid" : "invalid");
}
END_TEST

START_TEST(test_blank)
{
	ck_assert_int_eq(confutil_blank(""), 1);
	ck_assert_int_eq(confutil_blank(" \t\n\r "), 1);
	ck_assert_int_eq(confutil_blank(" a "), 0);
	ck_assert_int_eq(confutil_blank("x"), 0);
}
END_TEST

START_TEST(test_env_merge_order)
{
	char *own[] = { "PATH=/bin", "A=tend", "HOME=/root", NULL };
	char *file[] = { "B=file", "A=file", NULL };
	char *conf[] = { "A=conf", "C=conf", "B=conf", NULL };
	char *const *layers[] = { own, NULL, file, conf };
	char **env = env_merge(layers, N(layers));

	/* A later layer wins; a replaced KEY keeps its first position. */
	expect_strv(env, (const char *[]){ "PATH=/bin", "A=conf", "HOME=/root",
					   "B=conf", "C=conf", NULL });
	/* Pointers into the layers, not copies. */
	ck_assert_ptr_eq(env[0], own[0]);
	ck_assert_ptr_eq(env[1], conf[0]);
	ck_assert_ptr_eq(env[3], conf[2]);
	free(env);
}
END_TEST

START_TEST(test_env_merge_keys)
{
	/* A key is everything before the first '=': no prefix matches. */
	char *one[] = { "AB=1", "A=2", "ABC=3", "X=a=b", NULL };
	char *two[] = { "A=4", "X=c", "A=5", NULL };
	char *const *layers[] = { one, two };
	char **env = env_merge(layers, N(layers));

	expect_strv(env,
		    (const char *[]){ "AB=1", "A=5", "ABC=3", "X=c", NULL });
	free(env);
}
END_TEST

START_TEST(test_env_merge_empty)
{
	char *none[] = { NULL };
	char *const *layers[] = { NULL, none };
	char **env = env_merge(layers, N(layers));

	expect_strv(env, (const char *[]){ NULL });
	free(env);
	env = env_merge(NULL, 0);
	expect_strv(env, (const char *[]){ NULL });
	free(env);
}
END_TEST

START_TEST(test_conf_error)
{
	struct conf_errors errs = { NULL, 0 };
	char long_msg[2000];

	ck_assert_int_eq(conf_error(&errs, "a.conf", 3, "bad %s %d", "x", 7),
			 -1);
	ck_assert_int_eq(conf_error(&errs, "/etc/b.conf", 0, "no line"), -1);
	memset(long_msg, 'm', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	ck_assert_int_eq(conf_error(&errs, "c", 12, "%s", long_msg), -1);
	ck_assert_uint_eq(errs.n, 3);
	ck_assert_str_eq(errs.msgs[0], "a.conf:3: bad x 7");
	ck_assert_str_eq(errs.msgs[1], "/etc/b.conf: no line");
	/* Cut, not overflowed. */
	ck_assert_int_eq(strncmp(errs.msgs[2], "c:12: mmm", 9), 0);
	ck_assert_uint_lt(strlen(errs.msgs[2]), sizeof(long_msg));
	conf_errors_free(&errs);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_ptr_null(errs.msgs);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("confutil");
	TCase *tc;

	tc = unit_tcase(s, "confutil_duration");
	tcase_add_loop_test(tc, test_duration, 0, N(durations));
	tcase_add_test(tc, test_duration_null);
	tc = unit_tcase(s, "confutil_bool");
	tcase_add_loop_test(tc, test_bool, 0, N(bools));
	tc = unit_tcase(s, "confutil_count");
	tcase_add_loop_test(tc, test_count, 0, N(counts));
	tc = unit_tcase(s, "confutil_umask");
	tcase_add_loop_test(tc, test_umask, 0, N(umasks));
	tc = unit_tcase(s, "confutil_name");
	tcase_add_loop_test(tc, test_name, 0, N(names));
	tc = unit_tcase(s, "confutil_env_entry");
	tcase_add_loop_test(tc, test_env_entry, 0, N(env_entries));
	tc = unit_tcase(s, "confutil_blank");
	tcase_add_test(tc, test_blank);
	tc = unit_tcase(s, "env_merge");
	tcase_add_test(tc, test_env_merge_order);
	tcase_add_test(tc, test_env_merge_keys);
	tcase_add_test(tc, test_env_merge_empty);
	tc = unit_tcase(s, "conf_error");
	tcase_add_test(tc, test_conf_error);
	return s;
}
