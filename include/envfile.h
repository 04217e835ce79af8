/* env-file parsing (SPEC §5), and reading small files whole. */
#ifndef TEND_ENVFILE_H
#define TEND_ENVFILE_H

#include <stddef.h>

/* The largest env-file envfile_read accepts. */
#define ENVFILE_MAX (1024 * 1024)

/*
 * Parses env-file text (len bytes, need not be NUL-terminated; a NUL byte
 * is an error). Lines are KEY=VALUE, with an optional leading "export ",
 * optional single or double quotes around the whole value (removed; nothing
 * is expanded and there are no escapes inside them), '#' comment lines and
 * blank lines. Whitespace around key and value is trimmed; there are no
 * inline comments. KEY matches [A-Za-z_][A-Za-z0-9_]*. "\r\n" ends a line
 * like "\n"; a UTF-8 byte order mark at the start is skipped.
 *
 * Returns 0 and a NULL-terminated malloc'd vector of "KEY=VALUE" strings
 * (free with strv_free; a later duplicate of a KEY replaces the earlier
 * entry, keeping its position), or -1 with *errline set to the 1-based line
 * and a message in err (without the line); out of memory: *errline 0.
 */
int envfile_parse(const char *text, size_t len, char ***vars, int *errline,
		  char *err, size_t errlen);

/*
 * Reads and parses the file at path (refuses files over ENVFILE_MAX and
 * anything but a regular file). On error returns -1 with err like
 * "PATH:3: invalid key '1X'" or "PATH: No such file or directory".
 */
int envfile_read(const char *path, char ***vars, char *err, size_t errlen);

/*
 * Reads the regular file at path whole, refusing one over max bytes
 * (without blocking on a FIFO or a device). Returns 0 with a malloc'd
 * buffer of *len bytes (plus a NUL after them), or -1 with errno set
 * (EFBIG: too large; EINVAL: not a regular file) and err "PATH: reason".
 */
int file_read_max(const char *path, size_t max, char **data, size_t *len,
		  char *err, size_t errlen);

#endif
