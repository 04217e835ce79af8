#include "exitcode.h"

#include <errno.h>
#include <sys/wait.h>

int exitcode_from_wait(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	/* Stopped or continued: not an end; callers ask only about ends. */
	return 255;
}

int exitcode_from_exec_errno(int err)
{
	return err == ENOENT ? 127 : 126;
}

int exitcode_remap(int code, const int *remap, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (remap[i] == code)
			return 0;
	return code;
}
