#include "signames.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	int num;
	const char *name;
} sig_table[] = {
	{ SIGHUP, "HUP" },
	{ SIGINT, "INT" },
	{ SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" },
	{ SIGTRAP, "TRAP" },
	{ SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" },
	{ SIGFPE, "FPE" },
	{ SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" },
	{ SIGSEGV, "SEGV" },
	{ SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" },
	{ SIGALRM, "ALRM" },
	{ SIGTERM, "TERM" },
	{ SIGSTKFLT, "STKFLT" },
	{ SIGCHLD, "CHLD" },
	{ SIGCONT, "CONT" },
	{ SIGSTOP, "STOP" },
	{ SIGTSTP, "TSTP" },
	{ SIGTTIN, "TTIN" },
	{ SIGTTOU, "TTOU" },
	{ SIGURG, "URG" },
	{ SIGXCPU, "XCPU" },
	{ SIGXFSZ, "XFSZ" },
	{ SIGVTALRM, "VTALRM" },
	{ SIGPROF, "PROF" },
	{ SIGWINCH, "WINCH" },
	{ SIGIO, "IO" },
	{ SIGPWR, "PWR" },
	{ SIGSYS, "SYS" },
	/* Aliases, accepted when parsing; names print as above. */
	{ SIGIOT, "IOT" },
	{ SIGCHLD, "CLD" },
	{ SIGPOLL, "POLL" },
};

#define SIG_TABLE_LEN (sizeof(sig_table) / sizeof(sig_table[0]))

int sig_count(void)
{
	return NSIG;
}

static int parse_rt(const char *s)
{
	int min = SIGRTMIN, max = SIGRTMAX, off;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		s += 5;
		if (*s == '\0')
			return min;
		if (*s != '+')
			return -1;
		off = util_parse_int(s + 1, 0, max - min);
		return off < 0 ? -1 : min + off;
	}
	if (strncasecmp(s, "RTMAX", 5) == 0) {
		s += 5;
		if (*s == '\0')
			return max;
		if (*s != '-')
			return -1;
		off = util_parse_int(s + 1, 0, max - min);
		return off < 0 ? -1 : max - off;
	}
	return -1;
}

int sig_parse(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return -1;
	if (isdigit((unsigned char)*s))
		return util_parse_int(s, 1, NSIG - 1);
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < SIG_TABLE_LEN; i++)
		if (strcasecmp(s, sig_table[i].name) == 0)
			return sig_table[i].num;
	return parse_rt(s);
}

const char *sig_name(int sig, char *buf, size_t len)
{
	size_t i;
	int min = SIGRTMIN, max = SIGRTMAX;

	if (len == 0)
		return buf;
	for (i = 0; i < SIG_TABLE_LEN; i++) {
		if (sig_table[i].num == sig) {
			snprintf(buf, len, "%s", sig_table[i].name);
			return buf;
		}
	}
	if (sig == min)
		snprintf(buf, len, "RTMIN");
	else if (sig == max)
		snprintf(buf, len, "RTMAX");
	else if (sig > min && sig < max)
		snprintf(buf, len, "RTMIN+%d", sig - min);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

int sig_forwardable(int sig)
{
	if (sig <= 0 || sig >= NSIG)
		return 0;
	switch (sig) {
	case SIGKILL:
	case SIGSTOP:
	case SIGCHLD:
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGABRT:
	case SIGTRAP:
	case SIGSYS:
	case SIGTTIN:
	case SIGTTOU:
	case SIGTSTP:
		return 0;
	default:
		break;
	}
	/* 32 and 33 sit below SIGRTMIN: glibc's own (thread cancel, setxid). */
	if (sig > SIGSYS && sig < SIGRTMIN)
		return 0;
	return 1;
}
