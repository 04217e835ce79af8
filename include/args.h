/* tend's command line. Pure: parses argv into a struct, prints nothing. */
#ifndef TEND_ARGS_H
#define TEND_ARGS_H

#include <stddef.h>

#define ARGS_MAX_REMAP 256

enum args_action {
	ARGS_RUN,     /* run the command */
	ARGS_HELP,    /* -h, --help */
	ARGS_VERSION, /* -V, --version */
};

struct args {
	enum args_action action;
	int verbosity; /* each -v adds one, each -q takes one away */
	int group;     /* -g: signals go to the command's process group */
	int subreaper; /* -s: tini's flag; tend is a subreaper anyway */
	int pdeathsig; /* -p: 0 when not given */
	int remap[ARGS_MAX_REMAP]; /* -e: exit codes that count as 0 */
	int nremap;
	const char *config; /* -c: NULL when not given */
	int check;	    /* --check */
	const char *socket; /* -S: NULL when not given */
	char *const *cmd;   /* the command and its arguments, inside argv */
	int ncmd; /* 0: none (config mode, or a usage error: main decides) */
};

/*
 * Parse argv. Options come first; "--" or the first word that is not an
 * option starts the command. Returns 0, or -1 for a usage error with a
 * message in err. Whether a command is needed is main's to decide.
 */
int args_parse(int argc, char *const argv[], struct args *a, char *err,
	       size_t errlen);

/* The text of --help. */
const char *args_usage(void);

#endif
