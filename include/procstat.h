/* Parsing of /proc/PID/stat lines. Pure. */
#ifndef TEND_PROCSTAT_H
#define TEND_PROCSTAT_H

#include <stddef.h>
#include <sys/types.h>

struct procstat {
	pid_t pid;
	char comm[64]; /* the name between the parentheses, cut to fit */
	char state;    /* R, S, D, Z, T, ... */
	pid_t ppid;
	pid_t pgrp;
};

/*
 * Parse the text of /proc/PID/stat (len bytes, not NUL-terminated). The
 * name may hold spaces and parentheses: it ends at the last ')'.
 * Returns 0, or -1 when the text is not a stat line.
 */
int procstat_parse(const char *buf, size_t len, struct procstat *ps);

#endif
