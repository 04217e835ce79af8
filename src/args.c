#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signames.h"
#include "util.h"

static const char usage_text[] =
	"Usage: tend [OPTIONS] [--] COMMAND [ARG...]    run COMMAND, as tini does\n"
	"       tend [OPTIONS] -c FILE [-- COMMAND...]  supervise FILE's services\n"
	"\n"
	"Runs COMMAND as its child, forwards signals to it, reaps orphans and\n"
	"exits with COMMAND's exit code (128+N when a signal N killed it). With a\n"
	"config file, supervises its services (COMMAND, if given, is the main one).\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE  the config file (default: $TEND_CONFIG, else\n"
	"                 /etc/tend.conf when there is no COMMAND)\n"
	"  --check        validate the config, print the start order and the\n"
	"                 shutdown plan; start nothing\n"
	"  -S, --socket PATH  the control socket for tendctl (default: the\n"
	"                 config's control-socket, else /run/tend.sock; single\n"
	"                 mode opens one only with -S)\n"
	"  -g             send forwarded signals to COMMAND's process group\n"
	"  -e CODE        count exit code CODE of COMMAND as 0 (repeatable)\n"
	"  -p SIGNAL      signal tend gets when its parent dies (TERM, SIGTERM, 15)\n"
	"  -s             accepted for tini; tend is a subreaper whenever it is not PID 1\n"
	"  -v, --verbose  more of tend's own messages (repeatable)\n"
	"  -q, --quiet    errors only\n"
	"  -h, --help     this text\n"
	"  -V, --version  tend's version\n"
	"\n"
	"Exit: COMMAND's code; 126/127 when it cannot be executed; 2 usage error.\n";

const char *args_usage(void)
{
	return usage_text;
}

static int usage_err(char *err, size_t errlen, const char *fmt,
		     const char *what)
{
	snprintf(err, errlen, fmt, what);
	return -1;
}

/* Applies option opt with value val (NULL for flags). */
static int apply(struct args *a, char opt, const char *val, char *err,
		 size_t errlen)
{
	int v, i;

	switch (opt) {
	case 'g':
		a->group = 1;
		return 0;
	case 's':
		a->subreaper = 1;
		return 0;
	case 'v':
		a->verbosity++;
		return 0;
	case 'q':
		a->verbosity--;
		return 0;
	case 'h':
		a->action = ARGS_HELP;
		return 0;
	case 'V':
		a->action = ARGS_VERSION;
		return 0;
	case 'e':
		v = util_parse_int(val, 0, 255);
		if (v < 0)
			return usage_err(
				err, errlen,
				"invalid exit code '%s' for -e (0-255)", val);
		for (i = 0; i < a->nremap; i++)
			if (a->remap[i] == v)
				return 0;
		a->remap[a->nremap++] = v; /* at most 256 distinct codes */
		return 0;
	case 'c':
		a->config = val;
		return 0;
	case 'C':
		a->check = 1;
		return 0;
	case 'S':
		a->socket = val;
		return 0;
	case 'p':
		v = sig_parse(val);
		if (v < 0)
			return usage_err(err, errlen,
					 "invalid signal '%s' for -p", val);
		a->pdeathsig = v;
		return 0;
	default:
		return -1;
	}
}

static int takes_value(char opt)
{
	return opt == 'e' || opt == 'p' || opt == 'c' || opt == 'S';
}

static const struct {
	const char *name;
	char opt;
} long_opts[] = {
	{ "help", 'h' },   { "version", 'V' }, { "verbose", 'v' },
	{ "quiet", 'q' },  { "config", 'c' },  { "check", 'C' },
	{ "socket", 'S' },
};

/* Returns how many argv words the long option at argv[i] used, or -1. */
static int parse_long(struct args *a, int argc, char *const argv[], int i,
		      char *err, size_t errlen)
{
	const char *name = argv[i] + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name), k;

	for (k = 0; k < sizeof(long_opts) / sizeof(long_opts[0]); k++) {
		char opt = long_opts[k].opt;

		if (strlen(long_opts[k].name) != n ||
		    strncmp(name, long_opts[k].name, n) != 0)
			continue;
		if (!takes_value(opt)) {
			if (eq != NULL)
				return usage_err(err, errlen,
						 "option '%s' takes no value",
						 argv[i]);
			return apply(a, opt, NULL, err, errlen) < 0 ? -1 : 1;
		}
		if (eq != NULL)
			return apply(a, opt, eq + 1, err, errlen) < 0 ? -1 : 1;
		if (i + 1 >= argc)
			return usage_err(err, errlen,
					 "option '%s' needs a value", argv[i]);
		return apply(a, opt, argv[i + 1], err, errlen) < 0 ? -1 : 2;
	}
	return usage_err(err, errlen, "unknown option '%s'", argv[i]);
}

/* Returns how many argv words the short-option word at argv[i] used, or -1. */
static int parse_short(struct args *a, int argc, char *const argv[], int i,
		       char *err, size_t errlen)
{
	const char *p = argv[i] + 1;

	for (; *p != '\0'; p++) {
		char opt = *p;
		char optname[3] = { '-', opt, '\0' };

		if (strchr("gsvqhVepcS", opt) == NULL)
			return usage_err(err, errlen, "unknown option '%s'",
					 optname);
		if (!takes_value(opt)) {
			if (apply(a, opt, NULL, err, errlen) < 0)
				return -1;
			continue;
		}
		if (p[1] != '\0') {
			if (apply(a, opt, p + 1, err, errlen) < 0)
				return -1;
			return 1;
		}
		if (i + 1 >= argc)
			return usage_err(err, errlen,
					 "option '%s' needs a value", optname);
		if (apply(a, opt, argv[i + 1], err, errlen) < 0)
			return -1;
		return 2;
	}
	return 1;
}

int args_parse(int argc, char *const argv[], struct args *a, char *err,
	       size_t errlen)
{
	int i = 1;

	memset(a, 0, sizeof(*a));
	a->action = ARGS_RUN;
	if (errlen > 0)
		err[0] = '\0';

	while (i < argc) {
		const char *arg = argv[i];
		int used;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (arg[1] == '-')
			used = parse_long(a, argc, argv, i, err, errlen);
		else
			used = parse_short(a, argc, argv, i, err, errlen);
		if (used < 0)
			return -1;
		i += used;
	}

	a->cmd = argv + i;
	a->ncmd = argc - i;
	return 0;
}
