/*
 * A lexical pass over a config text, before libconfuse parses it: where
 * each section and key is (libconfuse keeps no line per option, and the
 * line it reports from a validation callback is the line of the token after
 * the value), and the lexical errors libconfuse lets through (a string or
 * comment left open at the end of the file is taken as the end). Pure.
 */
#ifndef TEND_CONFSCAN_H
#define TEND_CONFSCAN_H

#include <stddef.h>

/*
 * Names and titles are as libconfuse reads them: quotes taken off, escapes
 * ("\x41", "\101", "\n") and "${VAR}" / "${VAR:-default}" done.
 */
struct scan_section {
	char *title;		 /* "" when the section has none */
	char *kind;		 /* the section's keyword: "service" */
	int line;		 /* of the keyword */
	size_t first_key, nkeys; /* its keys: keys[first_key..+nkeys) */
};

struct scan_key {
	char *name;
	int section; /* index in sections, -1 at the top level */
	int line;
};

struct confscan {
	struct scan_section *sections;
	size_t nsections, sections_cap;
	struct scan_key *keys;
	size_t nkeys, keys_cap;
};

/*
 * Scan text (len bytes). Returns 0, or -1 with *errline and err set for an
 * unterminated string or comment or a NUL byte. Structure it does not
 * understand is skipped, not reported: libconfuse reports it.
 */
int confscan_run(const char *text, size_t len, struct confscan *out,
		 int *errline, char *err, size_t errlen);

/*
 * Line of the first key named key in section (-1: top level); 0 if none.
 * In a section, it looks at that section's keys only.
 */
int confscan_key_line(const struct confscan *s, int section, const char *key);

/* Index of the n-th (0-based) section of kind, or -1. */
int confscan_nth_section(const struct confscan *s, const char *kind, size_t n);

void confscan_free(struct confscan *s);

#endif
