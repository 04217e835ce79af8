#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int util_parse_int(const char *s, int lo, int hi)
{
	char *end;
	long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	return (int)v;
}
