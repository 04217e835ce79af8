#include "confutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int confutil_duration(const char *s, int positive, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 ||
	    v > CONFUTIL_DURATION_MAX || (positive && v <= 0))
		return -1;
	/* strtod takes "0x1p3", "inf", "nan": durations are decimal only. */
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s) && *s != '.' && *s != 'e' &&
		    *s != 'E' && *s != '+' && *s != '-')
			return -1;
	*out = v;
	return 0;
}

int confutil_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int confutil_count(const char *s, long *out)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > CONFUTIL_COUNT_MAX)
			return -1;
	}
	*out = v;
	return 0;
}

int confutil_umask(const char *s, mode_t *out)
{
	unsigned v = 0;
	size_t n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++, n++) {
		if (*s < '0' || *s > '7' || n >= 4)
			return -1;
		v = v * 8 + (unsigned)(*s - '0');
	}
	if (v > 0777)
		return -1;
	*out = (mode_t)v;
	return 0;
}

int confutil_name(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return -1;
	return n >= 1 && n <= CONF_NAME_MAX ? 0 : -1;
}

int confutil_env_entry(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return -1;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	return *p == '=' ? 0 : -1;
}

int confutil_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

int conf_error(struct conf_errors *errs, const char *file, int line,
	       const char *fmt, ...)
{
	char msg[1024], *full = NULL, **n;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		r = asprintf(&full, "%s:%d: %s", file, line, msg);
	else
		r = asprintf(&full, "%s: %s", file, msg);
	if (r < 0)
		return -1;
	n = realloc(errs->msgs, (errs->n + 1) * sizeof(*n));
	if (n == NULL) {
		free(full);
		return -1;
	}
	errs->msgs = n;
	errs->msgs[errs->n++] = full;
	return -1;
}

/* Length of the KEY part of "KEY=VALUE" (the whole string without '='). */
static size_t env_key_len(const char *e)
{
	const char *eq = strchr(e, '=');

	return eq ? (size_t)(eq - e) : strlen(e);
}

char **env_merge(char *const *const *layers, size_t nlayers)
{
	size_t i, j, k, n = 0, total = 0;
	char **out;

	for (i = 0; i < nlayers; i++)
		for (j = 0; layers[i] != NULL && layers[i][j] != NULL; j++)
			total++;
	out = calloc(total + 1, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (i = 0; i < nlayers; i++) {
		for (j = 0; layers[i] != NULL && layers[i][j] != NULL; j++) {
			char *e = layers[i][j];
			size_t kl = env_key_len(e);

			for (k = 0; k < n; k++)
				if (env_key_len(out[k]) == kl &&
				    strncmp(out[k], e, kl) == 0)
					break;
			out[k] = e;
			if (k == n)
				n++;
		}
	}
	out[n] = NULL;
	return out;
}
