#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "exitcode.h"
#include "unit.h"

/* Wait statuses built as the kernel encodes them. */
#define EXITED(code)	 (((code)&0xff) << 8)
#define KILLED(sig)	 ((sig)&0x7f)
#define KILLED_CORE(sig) (((sig)&0x7f) | 0x80)

START_TEST(test_from_wait)
{
	ck_assert_int_eq(exitcode_from_wait(EXITED(0)), 0);
	ck_assert_int_eq(exitcode_from_wait(EXITED(3)), 3);
	ck_assert_int_eq(exitcode_from_wait(EXITED(255)), 255);
	ck_assert_int_eq(exitcode_from_wait(KILLED(SIGKILL)), 137);
	ck_assert_int_eq(exitcode_from_wait(KILLED(SIGTERM)), 143);
	ck_assert_int_eq(exitcode_from_wait(KILLED_CORE(SIGSEGV)), 139);
	ck_assert_int_eq(exitcode_from_wait(KILLED(SIGRTMIN + 1)),
			 128 + SIGRTMIN + 1);
}
END_TEST

START_TEST(test_from_exec_errno)
{
	ck_assert_int_eq(exitcode_from_exec_errno(ENOENT), 127);
	ck_assert_int_eq(exitcode_from_exec_errno(EACCES), 126);
	ck_assert_int_eq(exitcode_from_exec_errno(ENOEXEC), 126);
	ck_assert_int_eq(exitcode_from_exec_errno(ENOTDIR), 126);
	ck_assert_int_eq(exitcode_from_exec_errno(E2BIG), 126);
}
END_TEST

START_TEST(test_remap)
{
	const int codes[] = { 3, 143 };

	ck_assert_int_eq(exitcode_remap(3, codes, 2), 0);
	ck_assert_int_eq(exitcode_remap(143, codes, 2), 0);
	ck_assert_int_eq(exitcode_remap(4, codes, 2), 4);
	ck_assert_int_eq(exitcode_remap(3, codes, 0), 3);
	ck_assert_int_eq(exitcode_remap(0, codes, 2), 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("exitcode");
	TCase *w = tcase_create("exitcode_from_wait");
	TCase *e = tcase_create("exitcode_from_exec_errno");
	TCase *r = tcase_create("exitcode_remap");

	tcase_add_test(w, test_from_wait);
	tcase_add_test(e, test_from_exec_errno);
	tcase_add_test(r, test_remap);
	suite_add_tcase(s, w);
	suite_add_tcase(s, e);
	suite_add_tcase(s, r);
	return s;
}
