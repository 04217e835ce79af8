/* Where execvp would look for a program. Pure (allocates, no syscalls). */
#ifndef TEND_PATHSEARCH_H
#define TEND_PATHSEARCH_H

/*
 * The paths execve is tried on for file, as execvp would: file itself when
 * it holds a '/', else each entry of path ("" = ".") joined with file.
 * path NULL means the default search path. Returns a NULL-terminated,
 * malloc'd array (free with strv_free), or NULL on ENOMEM.
 */
char **path_search(const char *file, const char *path);

#endif
