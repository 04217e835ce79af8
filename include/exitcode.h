/* Wait statuses to exit codes. Pure. */
#ifndef TEND_EXITCODE_H
#define TEND_EXITCODE_H

/* Exit code of a wait(2) status: its code, or 128+N for a death by signal N. */
int exitcode_from_wait(int wstatus);

/* Exit code for an execve(2) failure: 127 for ENOENT, as shells do; else 126. */
int exitcode_from_exec_errno(int err);

/* code, or 0 when code is one of the n codes of remap (tini's -e). */
int exitcode_remap(int code, const int *remap, int n);

#endif
