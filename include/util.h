/* Small helpers shared by every module. */
#ifndef TEND_UTIL_H
#define TEND_UTIL_H

#include <stddef.h>

/* The struct that embeds member ptr (a watcher inside its owner). */
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/*
 * A whole decimal number from lo to hi (lo >= 0): digits only, no sign or
 * blanks. Returns it, or -1.
 */
int util_parse_int(const char *s, int lo, int hi);

#endif
