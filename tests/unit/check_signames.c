#include <signal.h>
#include <string.h>

#include "signames.h"
#include "unit.h"

START_TEST(test_parse_forms)
{
	ck_assert_int_eq(sig_parse("TERM"), SIGTERM);
	ck_assert_int_eq(sig_parse("SIGTERM"), SIGTERM);
	ck_assert_int_eq(sig_parse("term"), SIGTERM);
	ck_assert_int_eq(sig_parse("sigusr1"), SIGUSR1);
	ck_assert_int_eq(sig_parse("15"), SIGTERM);
	ck_assert_int_eq(sig_parse("1"), SIGHUP);
	ck_assert_int_eq(sig_parse("WINCH"), SIGWINCH);
	ck_assert_int_eq(sig_parse("CLD"), SIGCHLD);
	ck_assert_int_eq(sig_parse("IOT"), SIGABRT);
}
END_TEST

START_TEST(test_parse_realtime)
{
	ck_assert_int_eq(sig_parse("RTMIN"), SIGRTMIN);
	ck_assert_int_eq(sig_parse("SIGRTMIN+3"), SIGRTMIN + 3);
	ck_assert_int_eq(sig_parse("RTMAX"), SIGRTMAX);
	ck_assert_int_eq(sig_parse("RTMAX-2"), SIGRTMAX - 2);
	ck_assert_int_eq(sig_parse("RTMIN+99"), -1);
	ck_assert_int_eq(sig_parse("RTMIN-1"), -1);
	ck_assert_int_eq(sig_parse("RTMAX+1"), -1);
	ck_assert_int_eq(sig_parse("RTMIN+"), -1);
}
END_TEST

START_TEST(test_parse_bad)
{
	const char *bad[] = {
		"",	 "0",	  "65",	 "-1",	"SIG",
		"TERMX", "BOGUS", "15x", " 15", "99999999999999999999"
	};
	size_t i;

	ck_assert_int_eq(sig_parse(NULL), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sig_parse(bad[i]) == -1, "'%s' parsed", bad[i]);
}
END_TEST

START_TEST(test_name_roundtrip)
{
	char buf[16];
	int sig;

	for (sig = 1; sig < sig_count(); sig++) {
		if (sig > SIGSYS && sig < SIGRTMIN)
			continue;
		sig_name(sig, buf, sizeof(buf));
		ck_assert_msg(sig_parse(buf) == sig, "%d -> %s", sig, buf);
	}
	ck_assert_str_eq(sig_name(SIGTERM, buf, sizeof(buf)), "TERM");
	ck_assert_str_eq(sig_name(SIGCHLD, buf, sizeof(buf)), "CHLD");
	ck_assert_str_eq(sig_name(SIGRTMIN + 1, buf, sizeof(buf)), "RTMIN+1");
	ck_assert_str_eq(sig_name(32, buf, sizeof(buf)), "32");
}
END_TEST

START_TEST(test_forwardable)
{
	const int never[] = { SIGKILL, SIGSTOP, SIGCHLD, SIGSEGV, SIGBUS,
			      SIGFPE,  SIGILL,	SIGABRT, SIGTRAP, SIGSYS,
			      SIGTTIN, SIGTTOU, SIGTSTP, 32,	  33,
			      0,       -1,	65 };
	const int always[] = { SIGHUP,	 SIGINT,       SIGQUIT,	 SIGUSR1,
			       SIGUSR2,	 SIGPIPE,      SIGALRM,	 SIGTERM,
			       SIGCONT,	 SIGURG,       SIGWINCH, SIGPWR,
			       SIGRTMIN, SIGRTMIN + 5, SIGRTMAX };
	size_t i;

	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		ck_assert_msg(!sig_forwardable(never[i]), "%d", never[i]);
	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		ck_assert_msg(sig_forwardable(always[i]), "%d", always[i]);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("signames");
	TCase *parse = tcase_create("sig_parse");
	TCase *name = tcase_create("sig_name");
	TCase *fwd = tcase_create("sig_forwardable");

	tcase_add_test(parse, test_parse_forms);
	tcase_add_test(parse, test_parse_realtime);
	tcase_add_test(parse, test_parse_bad);
	tcase_add_test(name, test_name_roundtrip);
	tcase_add_test(fwd, test_forwardable);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, name);
	suite_add_tcase(s, fwd);
	return s;
}
