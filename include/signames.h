/* Signal names and numbers, and which signals tend forwards. Pure. */
#ifndef TEND_SIGNAMES_H
#define TEND_SIGNAMES_H

#include <stddef.h>

/*
 * Parse "TERM", "SIGTERM", "term", "15", "RTMIN", "RTMIN+3", "SIGRTMAX-1".
 * Returns the signal number, or -1 when s names no signal.
 */
int sig_parse(const char *s);

/*
 * The short name of sig ("TERM", "RTMIN+3") written into buf; a number
 * when the signal has no name. Returns buf.
 */
const char *sig_name(int sig, char *buf, size_t len);

/*
 * 1 when tend forwards sig: every catchable signal but CHLD, the
 * synchronous ones (SEGV, BUS, FPE, ILL, ABRT, TRAP, SYS) and the terminal
 * job-control ones (TTIN, TTOU, TSTP); real-time signals included, except
 * the ones the C library keeps for itself.
 */
int sig_forwardable(int sig);

/* Largest signal number plus one, as the C library sees it. */
int sig_count(void);

#endif
