/* Small helpers shared by every module. */
#ifndef TEND_UTIL_H
#define TEND_UTIL_H

#include <stddef.h>

/* The struct that embeds member ptr (a watcher inside its owner). */
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif
