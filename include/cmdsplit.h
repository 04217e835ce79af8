/* Splitting a command line into words, and NULL-terminated string vectors. Pure. */
#ifndef TEND_CMDSPLIT_H
#define TEND_CMDSPLIT_H

#include <stddef.h>

/*
 * Splits a command line into words as a POSIX shell would, without any
 * expansion (no $, no globs, no ~): blanks (space, tab, newline) separate
 * words; '...' is literal; "..." keeps everything but \" \\ \$ \` and
 * backslash-newline (POSIX rules: \" \\ \$ \` stand for the second
 * character, backslash-newline is removed, any other backslash stays); a
 * backslash outside quotes escapes the next character (backslash-newline is
 * removed); '' and "" make an empty word.
 *
 * No shell runs, so nothing else is special: operators such as | ; & && ||
 * < > ( ) and a leading # are ordinary characters of words
 * ("a|b; c" is the two words "a|b;" and "c").
 *
 * Returns 0 with a NULL-terminated malloc'd vector in *argv (free with
 * strv_free), or -1 with *argv NULL and a message in err: unterminated
 * quote, trailing backslash, empty command (no words), out of memory.
 */
int cmd_split(const char *line, char ***argv, char *err, size_t errlen);

/* Frees a NULL-terminated vector of malloc'd strings (NULL is fine). */
void strv_free(char **v);

/* Number of strings in a NULL-terminated vector. */
size_t strv_len(char *const *v);

/*
 * Appends s (malloc'd; the vector takes it) to the NULL-terminated vector
 * *v of n strings, which is NULL or was built by strv_push (it grows the
 * room by doubling). Returns 0, or -1 with errno ENOMEM, s freed and *v
 * unchanged.
 */
int strv_push(char ***v, size_t n, char *s);

#endif
