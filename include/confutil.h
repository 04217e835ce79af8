/* Value parsers and error collection for the config loader. Pure. */
#ifndef TEND_CONFUTIL_H
#define TEND_CONFUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

/* Longest duration accepted, in seconds (about 115 days). */
#define CONFUTIL_DURATION_MAX 1e7

/* Seconds, fractional allowed: >= 0 (> 0 when positive), finite, bounded. */
int confutil_duration(const char *s, int positive, double *out);
/* true/false, yes/no, on/off, 1/0, any case. */
int confutil_bool(const char *s, int *out);
/* A whole number from 0 to CONFUTIL_COUNT_MAX. */
#define CONFUTIL_COUNT_MAX 1000000000L
int confutil_count(const char *s, long *out);
/* Octal, 0 to 0777: "022", "0027", "7". */
int confutil_umask(const char *s, mode_t *out);
/* [A-Za-z0-9_.-]{1,64} */
int confutil_name(const char *s);
/* KEY=VALUE with KEY matching [A-Za-z_][A-Za-z0-9_]* */
int confutil_env_entry(const char *s);
/* 1 when s is empty or only blanks. */
int confutil_blank(const char *s);

/*
 * The environment of a service: the KEY=VALUE vectors of layers, in
 * order, a later KEY replacing an earlier one in place. Returns a
 * NULL-terminated vector of pointers into the layers (free the vector
 * only), or NULL on ENOMEM. NULL layers are skipped.
 */
char **env_merge(char *const *const *layers, size_t nlayers);

/* Appends "FILE:LINE: message" (or "FILE: message" when line is 0). Returns -1. */
int conf_error(struct conf_errors *errs, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
