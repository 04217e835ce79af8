/*
 * tendctl: the client of tend's control socket (SPEC §4, docs/protocol.md).
 * One request per connection; every exchange is bounded by a deadline
 * kept with poll(), so a stuck tend never hangs a script.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctlproto.h"
#include "tendctl.h"

#define DEFAULT_SOCKET	    "/run/tend.sock"
#define EXCHANGE_TIMEOUT_MS 10000
/* reload: tend reads the file first (seconds for a very large one) */
#define RELOAD_TIMEOUT_MS 60000
#define WAIT_TIMEOUT_MS	  30000
#define POLL_INTERVAL_MS  100

enum {
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,
};

static const char usage_text[] =
	"Usage: tendctl [-S SOCKET] [--json] [--timeout S] COMMAND [ARG...]\n"
	"\n"
	"Commands:\n"
	"  status [NAME...]     services: state, pid, uptime, restarts, ...\n"
	"  start NAME...        start, and wait until ready\n"
	"  stop NAME...         stop, and wait until stopped\n"
	"  restart NAME...      restart, and wait until ready again\n"
	"  signal SIG NAME...   send SIG to each service's process group\n"
	"  reload [--dry-run]   re-read the config, apply the difference\n"
	"  shutdown             shut tend down, as SIGTERM does\n"
	"  check [NAME...]      exit 0 when every service is ready and well\n"
	"  events               print state changes as JSON lines\n"
	"  metrics              Prometheus text format\n"
	"  log [-f] [-n N] NAME the last N (10) lines NAME wrote; -f follows\n"
	"\n"
	"Options (before or after the command):\n"
	"  -S, --socket PATH    tend's socket (default: $TEND_SOCKET, else\n"
	"                       /run/tend.sock, else /tmp/tend-UID/tend.sock)\n"
	"  --json               print tend's JSON reply instead of text\n"
	"  --timeout SECONDS    for a reply (default 10; reload 60); start,\n"
	"                       stop and restart: for the services (default 30)\n"
	"  --no-wait            start, stop, restart: return once asked\n"
	"  --dry-run            reload: only print what would change\n"
	"  -f, --follow         log: then print new lines until interrupted\n"
	"  -n, --lines N        log: the last N lines (default 10)\n"
	"  -h, --help           this text\n"
	"  -V, --version        tendctl's version\n"
	"\n"
	"Exit: 0 done, 1 failed or not healthy, 2 usage error or unknown\n"
	"service, 3 cannot reach tend or permission denied.\n";

#define LOG_LINES_DEFAULT 10 /* as tail(1) */

struct opts {
	const char *socket;
	int json;
	struct tc_flags fl;
	unsigned long lines; /* log */
	int64_t timeout_ms;  /* -1: the command's default */
	const char *cmd;
	char **args;
	size_t nargs;
};

/* A connection and what was read from it past the reply header. */
struct conn {
	int fd;
	const char *path;
	char *buf;
	size_t len, cap;
	enum ctl_status st;
	size_t body_len; /* SIZE_MAX: a stream */
};

/* A reply: status and body, NUL-terminated. */
struct reply {
	enum ctl_status st;
	char *body;
	size_t len;
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("tendctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(code == EXIT_USAGE ? "\nTry 'tendctl --help'.\n" : "\n", stderr);
	exit(code);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		die(EXIT_FAIL, "out of memory");
	return p;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- options ---- */

static int64_t parse_timeout(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0 ||
	    v > 86400.0 * 365)
		die(EXIT_USAGE, "invalid timeout '%s' (seconds, more than 0)",
		    s);
	return (int64_t)ceil(v * 1000);
}

static unsigned long parse_lines(const char *s)
{
	unsigned long n;

	if (ctl_log_lines_parse(s, &n) < 0)
		die(EXIT_USAGE, "invalid line count '%s' (0 to %d)", s,
		    CTL_LOG_LINES_MAX);
	return n;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		OPT_JSON = 256,
		OPT_TIMEOUT,
		OPT_NO_WAIT,
		OPT_DRY_RUN
	};
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = -1;
	o->lines = LOG_LINES_DEFAULT;
	o->args = xrealloc(NULL, (size_t)argc * sizeof(*o->args));
	opterr = 0;
	/*
	 * A leading '-' hands back words in order (as option 1) whatever
	 * POSIXLY_CORRECT says: options may come before or after the command.
	 */
	while ((c = getopt_long(argc, argv, "-:S:hVfn:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 1:
			if (o->cmd == NULL)
				o->cmd = optarg;
			else
				o->args[o->nargs++] = optarg;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_TIMEOUT:
			o->timeout_ms = parse_timeout(optarg);
			break;
		case OPT_NO_WAIT:
			o->fl.no_wait = 1;
			break;
		case OPT_DRY_RUN:
			o->fl.dry_run = 1;
			break;
		case 'f':
			o->fl.follow = 1;
			break;
		case 'n':
			o->lines = parse_lines(optarg);
			o->fl.lines = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(fflush(stdout) == 0 ? 0 : EXIT_FAIL);
		case 'V':
			printf("tendctl %s\n", TEND_VERSION);
			exit(fflush(stdout) == 0 ? 0 : EXIT_FAIL);
		case ':':
			die(EXIT_USAGE, "option '%s' needs a value",
			    argv[optind - 1]);
		default:
			if (optopt != 0)
				die(EXIT_USAGE, "unknown option '-%c'", optopt);
			die(EXIT_USAGE, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	/* Words after "--" are arguments, even when they start with '-'. */
	for (i = optind; i < argc; i++) {
		if (o->cmd == NULL)
			o->cmd = argv[i];
		else
			o->args[o->nargs++] = argv[i];
	}
}

/* ---- the socket ---- */

/*
 * The socket: -S, else $TEND_SOCKET, else the first of /run/tend.sock and
 * /tmp/tend-UID/tend.sock that exists. The fallback directory must be a
 * real directory owned by root or by us: anyone may create a name under
 * /tmp, and a socket there owned by someone else could collect our
 * requests.
 */
static const char *socket_path(const struct opts *o)
{
	static char path[64];
	const char *env = getenv("TEND_SOCKET");
	char dir[32];
	struct stat st;

	if (o->socket != NULL)
		return o->socket;
	if (env != NULL && *env != '\0')
		return env;
	if (lstat(DEFAULT_SOCKET, &st) == 0)
		return DEFAULT_SOCKET;
	snprintf(dir, sizeof(dir), "/tmp/tend-%u", (unsigned)getuid());
	snprintf(path, sizeof(path), "%s/tend.sock", dir);
	if (lstat(dir, &st) < 0)
		die(EXIT_UNREACHABLE, "cannot reach tend at %s: %s",
		    errno == ENOENT ? DEFAULT_SOCKET : path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die(EXIT_UNREACHABLE, "refusing %s: not a directory", dir);
	if (st.st_uid != 0 && st.st_uid != getuid())
		die(EXIT_UNREACHABLE,
		    "refusing %s: owned by uid %u, not by root or uid %u", dir,
		    (unsigned)st.st_uid, (unsigned)getuid());
	return path;
}

/*
 * Waits until fd is ready for events or deadline (-1: never). With the
 * stop signals blocked (events), they are let in only while waiting.
 * Returns 1 ready, 0 timed out; a stop signal ends tendctl with 0.
 */
static int wait_fd(int fd, short events, int64_t deadline,
		   const sigset_t *waitmask)
{
	struct pollfd p = { .fd = fd, .events = events };
	struct timespec ts, *tsp;
	int64_t left;
	int n;

	for (;;) {
		if (stop_signal)
			exit(0);
		tsp = NULL;
		if (deadline >= 0) {
			left = deadline - now_ms();
			if (left <= 0)
				return 0;
			ts.tv_sec = (time_t)(left / 1000);
			ts.tv_nsec = (long)(left % 1000) * 1000000;
			tsp = &ts;
		}
		n = ppoll(&p, 1, tsp, waitmask);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			die(EXIT_UNREACHABLE, "poll: %s", strerror(errno));
	}
}

/* Connects to path; -1 with errno ETIMEDOUT when deadline passed. */
static int conn_open(struct conn *c, const char *path, int64_t deadline,
		     const sigset_t *waitmask)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = path;
	if (strlen(path) >= sizeof(sa.sun_path))
		die(EXIT_UNREACHABLE, "cannot reach tend at %s: %s", path,
		    strerror(ENAMETOOLONG));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die(EXIT_UNREACHABLE, "socket: %s", strerror(errno));
	/*
	 * A unix socket whose backlog is full fails with EAGAIN instead of
	 * connecting later: try again until the deadline.
	 */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			die(EXIT_UNREACHABLE, "cannot reach tend at %s: %s",
			    path, strerror(errno));
		if (deadline >= 0 && now_ms() >= deadline) {
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		if (stop_signal)
			exit(0);
		ppoll(NULL, 0, &(struct timespec){ .tv_nsec = 10000000 },
		      waitmask);
	}
	c->fd = fd;
	return 0;
}

static int conn_send(struct conn *c, const char *buf, size_t len,
		     int64_t deadline, const sigset_t *waitmask)
{
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!wait_fd(c->fd, POLLOUT, deadline, waitmask)) {
				errno = ETIMEDOUT;
				return -1;
			}
		} else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			/*
			 * tend answered and closed before reading it (busy: too
			 * many clients): its reply is still there to read.
			 */
			return 0;
		} else {
			die(EXIT_UNREACHABLE, "cannot send to tend at %s: %s",
			    c->path, strerror(errno));
		}
	}
	return 0;
}

/* Reads more into c->buf: bytes read, 0 at end of stream, -1 timed out. */
static ssize_t conn_read(struct conn *c, int64_t deadline,
			 const sigset_t *waitmask)
{
	ssize_t n;

	if (c->cap - c->len < 4096) {
		c->cap = c->cap ? c->cap * 2 : 8192;
		c->buf = xrealloc(c->buf, c->cap);
	}
	for (;;) {
		n = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
		if (n >= 0) {
			c->len += (size_t)n;
			c->buf[c->len] = '\0';
			return n;
		}
		if (errno != EAGAIN && errno != EINTR)
			die(EXIT_UNREACHABLE, "cannot read from tend at %s: %s",
			    c->path, strerror(errno));
		if (!wait_fd(c->fd, POLLIN, deadline, waitmask))
			return -1;
	}
}

/*
 * Connects, sends words as one request and reads the reply header; the
 * bytes after it stay in c->buf. Returns 0, or -1 (errno ETIMEDOUT) when
 * deadline passed first.
 */
static int conn_request(struct conn *c, const char *path, char **words,
			size_t nwords, int64_t deadline,
			const sigset_t *waitmask)
{
	char line[CTL_REQUEST_MAX];
	int len = ctl_encode_request(words, nwords, line, sizeof(line));
	size_t used;
	ssize_t n;

	if (len < 0)
		die(EXIT_USAGE,
		    "cannot make a request of these arguments (a word "
		    "is empty, too long or not printable ASCII, or "
		    "there are too many)");
	if (conn_open(c, path, deadline, waitmask) < 0)
		return -1;
	if (conn_send(c, line, (size_t)len, deadline, waitmask) < 0)
		return -1;
	for (;;) {
		switch (ctl_decode_header(c->buf ? c->buf : "", c->len, &c->st,
					  &c->body_len, &used)) {
		case CTL_DECODE_OK:
			c->len -= used;
			memmove(c->buf, c->buf + used, c->len);
			return 0;
		case CTL_DECODE_ERROR:
			die(EXIT_UNREACHABLE, "malformed reply from tend at %s",
			    path);
		case CTL_DECODE_MORE:
			break;
		}
		n = conn_read(c, deadline, waitmask);
		if (n < 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (n == 0)
			die(EXIT_UNREACHABLE,
			    "tend at %s closed the connection without a reply",
			    path);
	}
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
}

/*
 * Reads the rest of a reply with a length (after conn_request) into r.
 * Returns 0, or -1 when deadline passed first.
 */
static int conn_body(struct conn *c, int64_t deadline, const sigset_t *waitmask,
		     struct reply *r)
{
	ssize_t n;

	if (c->body_len == SIZE_MAX)
		die(EXIT_UNREACHABLE, "tend at %s streamed an unexpected reply",
		    c->path);
	while (c->len < c->body_len) {
		n = conn_read(c, deadline, waitmask);
		if (n < 0)
			return -1;
		if (n == 0)
			die(EXIT_UNREACHABLE,
			    "tend at %s closed the connection in the middle "
			    "of its reply (%zu of %zu bytes)",
			    c->path, c->len, c->body_len);
	}
	r->st = c->st;
	r->len = c->body_len;
	r->body = xrealloc(c->buf, c->body_len + 1);
	r->body[r->len] = '\0';
	c->buf = NULL;
	return 0;
}

/*
 * One request and its whole reply into r. Returns 0, or -1 when deadline
 * passed first.
 */
static int request(const char *path, char **words, size_t nwords,
		   int64_t deadline, struct reply *r)
{
	struct conn c;
	int rc = -1;

	if (conn_request(&c, path, words, nwords, deadline, NULL) == 0)
		rc = conn_body(&c, deadline, NULL, r);
	conn_close(&c);
	return rc;
}

/* ---- replies ---- */

static json_t *parse_body(const struct reply *r, const char *path)
{
	json_error_t err;
	json_t *root = json_loadb(r->body, r->len, 0, &err);

	if (root == NULL)
		die(EXIT_UNREACHABLE, "malformed reply from tend at %s: %s",
		    path, err.text);
	return root;
}

/* Says why a reply is an error, with its message when it has one. */
static void print_error(const struct reply *r)
{
	json_t *root = json_loadb(r->body, r->len, 0, NULL);
	const char *msg = tc_str(root, "error");

	fflush(stdout);
	if (msg != NULL)
		fprintf(stderr, "tendctl: %s\n", msg);
	else
		fprintf(stderr, "tendctl: tend replied '%s'\n",
			ctl_status_name(r->st));
	json_decref(root);
}

/* An error reply ends tendctl with its exit code. */
static void check_reply(const struct reply *r)
{
	if (r->st == CTL_OK)
		return;
	print_error(r);
	exit(tc_exit_code(r->st));
}

/* The body as tend sent it, ending with a newline. */
static void print_body(const struct reply *r)
{
	fwrite(r->body, 1, r->len, stdout);
	if (r->len == 0 || r->body[r->len - 1] != '\n')
		putchar('\n');
}

static int finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_FAIL, "cannot write output: %s", strerror(errno));
	return code;
}

static void die_no_reply(const char *path, int64_t timeout_ms)
{
	die(EXIT_UNREACHABLE, "no reply from tend at %s within %gs", path,
	    (double)timeout_ms / 1000);
}

/* ---- start, stop, restart: waiting until done ---- */

/*
 * Polls "status NAME..." every POLL_INTERVAL_MS until every target is
 * done or failed, or wait_ms passed. Returns the exit code.
 */
static int wait_targets(const struct opts *o, const char *path, enum tc_want w,
			struct tc_target *t, size_t nt, int64_t xtimeout,
			int64_t wait_ms)
{
	int64_t deadline = now_ms() + wait_ms, left;
	char **words = xrealloc(NULL, (nt + 1) * sizeof(*words));
	struct reply r = { 0 };
	json_t *root = NULL;
	size_t i, pending;
	int failed = 0, shutting = 0;

	words[0] = "status";
	for (i = 0; i < nt; i++)
		words[i + 1] = (char *)t[i].name;
	for (;;) {
		if (request(path, words, nt + 1, now_ms() + xtimeout, &r) < 0)
			die_no_reply(path, xtimeout);
		check_reply(&r);
		json_decref(root);
		root = parse_body(&r, path);
		if (!o->json)
			free(r.body);
		pending = 0;
		for (i = 0; i < nt; i++) {
			json_t *svc;

			if (t[i].verdict != 0)
				continue;
			svc = tc_find_service(tc_services(root), t[i].name);
			if (svc == NULL)
				die(EXIT_UNREACHABLE,
				    "tend's status has no service '%s'",
				    t[i].name);
			json_decref(t[i].svc);
			t[i].svc = json_incref(svc);
			t[i].verdict = tc_judge(&t[i], w, svc);
			if (t[i].verdict == 0 && w != TC_WANT_DOWN &&
			    json_is_true(
				    json_object_get(root, "shutting_down")))
				t[i].verdict = shutting = -1;
			pending += t[i].verdict == 0;
			failed |= t[i].verdict < 0;
		}
		left = deadline - now_ms();
		if (pending == 0 || left <= 0)
			break;
		if (o->json)
			free(r.body);
		poll(NULL, 0,
		     (int)(left < POLL_INTERVAL_MS ? left : POLL_INTERVAL_MS));
	}
	if (o->json) {
		print_body(&r);
		free(r.body);
		fflush(stdout);
	} else {
		tc_report_targets(stdout, stderr, t, nt, wait_ms);
	}
	if (pending > 0 && o->json)
		fprintf(stderr, "tendctl: not done after %gs\n",
			(double)wait_ms / 1000);
	if (shutting)
		fputs("tendctl: tend is shutting down\n", stderr);
	for (i = 0; i < nt; i++)
		json_decref(t[i].svc);
	json_decref(root);
	free(words);
	return failed || pending > 0 ? EXIT_FAIL : 0;
}

static int cmd_act(const struct opts *o, const char *path, int64_t xtimeout)
{
	enum tc_want w = strcmp(o->cmd, "stop") == 0	  ? TC_WANT_DOWN
			 : strcmp(o->cmd, "restart") == 0 ? TC_WANT_RESTARTED
							  : TC_WANT_UP;
	int64_t wait_ms = o->timeout_ms >= 0 ? o->timeout_ms : WAIT_TIMEOUT_MS;
	char **words = xrealloc(NULL, (o->nargs + 1) * sizeof(*words));
	struct tc_target *t = xrealloc(NULL, o->nargs * sizeof(*t));
	size_t i, j, nt = 0;
	struct reply r;
	json_t *root, *svc;
	int rc;

	words[0] = (char *)o->cmd;
	memcpy(words + 1, o->args, o->nargs * sizeof(*words));
	if (request(path, words, o->nargs + 1, now_ms() + xtimeout, &r) < 0)
		die_no_reply(path, xtimeout);
	free(words);
	check_reply(&r);
	root = parse_body(&r, path);
	if (o->fl.no_wait) {
		if (o->json)
			print_body(&r);
		else
			json_array_foreach(tc_services(root), i, svc)
				tc_print_service(stdout, svc);
		json_decref(root);
		free(r.body);
		free(t);
		return finish(0);
	}
	for (i = 0; i < o->nargs; i++) {
		for (j = 0; j < nt && strcmp(t[j].name, o->args[i]) != 0; j++)
			;
		if (j < nt)
			continue; /* named twice */
		memset(&t[nt], 0, sizeof(t[nt]));
		t[nt].name = o->args[i];
		svc = tc_find_service(tc_services(root), o->args[i]);
		t[nt].base_starts =
			json_integer_value(json_object_get(svc, "starts"));
		t[nt].old_run = tc_state_is(svc, "stopping");
		nt++;
	}
	json_decref(root);
	free(r.body);
	rc = wait_targets(o, path, w, t, nt, xtimeout, wait_ms);
	free(t);
	return finish(rc);
}

/* ---- the other commands ---- */

static int cmd_simple(const struct opts *o, const char *path, int64_t xtimeout)
{
	char **words = xrealloc(NULL, (o->nargs + 2) * sizeof(*words));
	size_t n = 0;
	struct reply r;
	json_t *root;
	int rc = 0;

	words[n++] = (char *)o->cmd;
	memcpy(words + n, o->args, o->nargs * sizeof(*words));
	n += o->nargs;
	if (o->fl.dry_run)
		words[n++] = "dry-run";
	if (request(path, words, n, now_ms() + xtimeout, &r) < 0)
		die_no_reply(path, xtimeout);
	free(words);

	if (strcmp(o->cmd, "reload") == 0 && r.st == CTL_FAILED) {
		size_t i;
		json_t *e;

		if (o->json) {
			print_body(&r);
			free(r.body);
			return finish(EXIT_FAIL);
		}
		print_error(&r);
		root = json_loadb(r.body, r.len, 0, NULL);
		json_array_foreach(json_object_get(root, "errors"), i,
				   e) if (json_is_string(e))
			fprintf(stderr, "%s\n", json_string_value(e));
		json_decref(root);
		free(r.body);
		return EXIT_FAIL;
	}
	check_reply(&r);

	if (strcmp(o->cmd, "metrics") == 0) {
		fwrite(r.body, 1, r.len, stdout);
	} else if (strcmp(o->cmd, "check") == 0) {
		root = parse_body(&r, path);
		rc = tc_print_check(o->json ? NULL : stdout, root);
		if (o->json)
			print_body(&r);
		if (rc < 0)
			die(EXIT_UNREACHABLE, "malformed reply from tend at %s",
			    path);
		rc = rc ? 0 : EXIT_FAIL;
		json_decref(root);
	} else if (o->json) {
		print_body(&r);
	} else if (strcmp(o->cmd, "status") == 0 ||
		   strcmp(o->cmd, "reload") == 0) {
		root = parse_body(&r, path);
		if ((o->cmd[0] == 's' ? tc_print_status(stdout, root)
				      : tc_print_reload(stdout, root)) < 0)
			die(EXIT_UNREACHABLE, "malformed reply from tend at %s",
			    path);
		json_decref(root);
	}
	/* signal and shutdown: quiet when done, as kill(1) is. */
	free(r.body);
	return finish(rc);
}

/*
 * For a stream: SIGINT and SIGTERM end tendctl with 0 (in wait_fd), and
 * waitmask lets them in. They are caught even when ignored (a background
 * job of a script): stopping the stream is what they are for here; and
 * blocked but while waiting in ppoll, so none slips in between a check
 * and the wait.
 */
static void catch_stop_signals(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
}

/*
 * Sends a request whose success is a stream and reads up to the stream's
 * first byte; an error reply ends tendctl with its exit code.
 */
static void stream_request(struct conn *c, const char *path, char **words,
			   size_t nwords, int64_t xtimeout,
			   const sigset_t *waitmask)
{
	struct reply r;

	if (conn_request(c, path, words, nwords, now_ms() + xtimeout,
			 waitmask) < 0)
		die_no_reply(path, xtimeout);
	if (c->body_len != SIZE_MAX) {
		if (conn_body(c, now_ms() + xtimeout, waitmask, &r) < 0)
			die_no_reply(path, xtimeout);
		check_reply(&r);
		die(EXIT_UNREACHABLE, "tend at %s did not stream its reply",
		    path);
	}
}

/*
 * Prints each line of the event stream as it comes, until tend closes the
 * connection or SIGINT/SIGTERM, both a normal end (exit 0).
 */
static int cmd_events(const char *path, int64_t xtimeout)
{
	sigset_t waitmask;
	char *words[] = { "events" };
	struct conn c;
	char *nl;

	catch_stop_signals(&waitmask);
	stream_request(&c, path, words, 1, xtimeout, &waitmask);
	for (;;) {
		while ((nl = memchr(c.buf, '\n', c.len)) != NULL) {
			size_t n = (size_t)(nl - c.buf) + 1;

			fwrite(c.buf, 1, n, stdout);
			if (fflush(stdout) != 0)
				die(EXIT_FAIL, "cannot write output: %s",
				    strerror(errno));
			c.len -= n;
			memmove(c.buf, c.buf + n, c.len);
		}
		if (conn_read(&c, -1, &waitmask) == 0)
			break;
	}
	if (c.len > 0) { /* a last line without its newline */
		fwrite(c.buf, 1, c.len, stdout);
		putchar('\n');
	}
	conn_close(&c);
	return finish(0);
}

/* ---- log ---- */

/*
 * One object of a log reply: with --json as JSON on a line of its own,
 * else the line as the service wrote it.
 */
static void log_obj(const struct opts *o, json_t *obj, int *open_line,
		    const char *path)
{
	if (!json_is_string(json_object_get(obj, "msg")))
		die(EXIT_UNREACHABLE, "malformed log line from tend at %s",
		    path);
	if (o->json) {
		/* Re-encoded: one line, the same in both modes. */
		json_dumpf(obj, stdout, 0);
		putchar('\n');
	} else {
		tc_print_log(stdout, obj, open_line);
	}
}

/* The n bytes at s, one line of a log stream (its newline excluded). */
static void log_stream_line(const struct opts *o, const char *s, size_t n,
			    int *open_line, const char *path)
{
	json_error_t err;
	json_t *obj = json_loadb(s, n, JSON_ALLOW_NUL, &err);

	if (obj == NULL)
		die(EXIT_UNREACHABLE, "malformed log line from tend at %s: %s",
		    path, err.text);
	log_obj(o, obj, open_line, path);
	json_decref(obj);
}

static void flush_stdout(void)
{
	if (fflush(stdout) != 0)
		die(EXIT_FAIL, "cannot write output: %s", strerror(errno));
}

/*
 * The last N lines of a service's output, oldest first; with -f, then
 * each new line as it comes (through restarts), until tend closes the
 * connection or SIGINT/SIGTERM, both a normal end (exit 0).
 */
static int cmd_log(const struct opts *o, const char *path, int64_t xtimeout)
{
	char num[24];
	char *words[] = { "log", o->args[0], num, "follow" };
	json_error_t err;
	sigset_t waitmask;
	struct conn c;
	struct reply r;
	json_t *root, *obj;
	size_t i;
	char *nl;
	int open_line = 0;

	snprintf(num, sizeof(num), "%lu", o->lines);
	if (!o->fl.follow) {
		if (request(path, words, 3, now_ms() + xtimeout, &r) < 0)
			die_no_reply(path, xtimeout);
		check_reply(&r);
		root = json_loadb(r.body, r.len, JSON_ALLOW_NUL, &err);
		if (root == NULL)
			die(EXIT_UNREACHABLE,
			    "malformed reply from tend at %s: %s", path,
			    err.text);
		if (!json_is_array(json_object_get(root, "lines")))
			die(EXIT_UNREACHABLE, "malformed reply from tend at %s",
			    path);
		json_array_foreach(json_object_get(root, "lines"), i, obj)
			log_obj(o, obj, &open_line, path);
		tc_print_log_end(stdout, &open_line);
		json_decref(root);
		free(r.body);
		return finish(0);
	}

	catch_stop_signals(&waitmask);
	stream_request(&c, path, words, 4, xtimeout, &waitmask);
	for (;;) {
		while ((nl = memchr(c.buf, '\n', c.len)) != NULL) {
			size_t n = (size_t)(nl - c.buf);

			log_stream_line(o, c.buf, n, &open_line, path);
			c.len -= n + 1;
			memmove(c.buf, c.buf + n + 1, c.len);
		}
		/* Before each wait: a pipe reader sees every line at once. */
		flush_stdout();
		if (conn_read(&c, -1, &waitmask) == 0)
			break;
	}
	if (c.len > 0) /* a last line without its newline */
		log_stream_line(o, c.buf, c.len, &open_line, path);
	tc_print_log_end(stdout, &open_line);
	conn_close(&c);
	return finish(0);
}

/* ---- main ---- */

/* Everything that can be refused without asking tend: exit 2. */
static void validate(const struct opts *o)
{
	char err[128];

	if (o->cmd == NULL)
		die(EXIT_USAGE, "no command given");
	if (tc_check_args(o->cmd, o->args, o->nargs, &o->fl, err, sizeof(err)) <
	    0)
		die(EXIT_USAGE, "%s", err);
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *path;
	int64_t xtimeout;
	int rc;

	parse_opts(argc, argv, &o);
	validate(&o);
	path = socket_path(&o);
	/* Waiting commands: --timeout is for the wait, each reply <= 10 s. */
	xtimeout = o.timeout_ms >= 0		  ? o.timeout_ms
		   : strcmp(o.cmd, "reload") == 0 ? RELOAD_TIMEOUT_MS
						  : EXCHANGE_TIMEOUT_MS;
	if (tc_cmd_waits(o.cmd) && !o.fl.no_wait &&
	    xtimeout > EXCHANGE_TIMEOUT_MS)
		xtimeout = EXCHANGE_TIMEOUT_MS;

	if (strcmp(o.cmd, "events") == 0)
		rc = cmd_events(path, xtimeout);
	else if (strcmp(o.cmd, "log") == 0)
		rc = cmd_log(&o, path, xtimeout);
	else if (tc_cmd_waits(o.cmd))
		rc = cmd_act(&o, path, xtimeout);
	else
		rc = cmd_simple(&o, path, xtimeout);
	free(o.args);
	return rc;
}
