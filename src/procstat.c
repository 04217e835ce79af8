#include "procstat.h"

#include <ctype.h>
#include <string.h>

/* Reads a decimal (possibly negative) number at *p, moving *p past it. */
static int read_num(const char **p, const char *end, long *out)
{
	const char *s = *p;
	long v = 0;
	int neg = 0, digits = 0;

	if (s < end && *s == '-') {
		neg = 1;
		s++;
	}
	while (s < end && isdigit((unsigned char)*s)) {
		if (v > 100000000L)
			return -1;
		v = v * 10 + (*s - '0');
		s++;
		digits++;
	}
	if (digits == 0)
		return -1;
	*out = neg ? -v : v;
	*p = s;
	return 0;
}

int procstat_parse(const char *buf, size_t len, struct procstat *ps)
{
	const char *end = buf + len, *p = buf, *open, *close = NULL, *q;
	long v;
	size_t n;

	memset(ps, 0, sizeof(*ps));
	if (read_num(&p, end, &v) < 0 || v <= 0)
		return -1;
	ps->pid = (pid_t)v;
	if (end - p < 2 || p[0] != ' ' || p[1] != '(')
		return -1;
	open = p + 2;
	for (q = open; q < end; q++)
		if (*q == ')')
			close = q;
	if (close == NULL)
		return -1;
	n = (size_t)(close - open);
	if (n >= sizeof(ps->comm))
		n = sizeof(ps->comm) - 1;
	memcpy(ps->comm, open, n);
	ps->comm[n] = '\0';

	p = close + 1;
	if (end - p < 3 || p[0] != ' ' || p[2] != ' ')
		return -1;
	ps->state = p[1];
	p += 3;
	if (read_num(&p, end, &v) < 0)
		return -1;
	ps->ppid = (pid_t)v;
	if (p >= end || *p != ' ')
		return -1;
	p++;
	if (read_num(&p, end, &v) < 0)
		return -1;
	ps->pgrp = (pid_t)v;
	return 0;
}
