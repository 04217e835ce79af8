# shellcheck shell=bash
# Helpers for the web-stack example (examples/web-stack). Sourced, not run.
#
#   webstack_install            install the stack's Debian packages when one
#                               is missing, with no daemon started by them
#   WEBSTACK_PACKAGES           the packages (array)
#
# Debian's install scripts start nginx, redis-server, rsyslog and the node
# exporter through their init scripts; that daemon would then hold its port
# and keep running outside any supervisor. A /usr/sbin/policy-rc.d that
# exits 101 is Debian's way to say "start nothing": it is put in place for
# the install and removed afterwards when it was not there before.

# shellcheck source=scripts/lib/deps.sh
. "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

WEBSTACK_PACKAGES=(
	redis-server redis-tools
	nginx
	gunicorn python3-flask python3-redis
	prometheus-node-exporter
	rsyslog
	curl util-linux bsdutils procps python3
)

webstack_install() {
	local policy=/usr/sbin/policy-rc.d ours=0 rc=0 p need=0
	for p in "${WEBSTACK_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || { need=1; break; }
	done
	[ "$need" = 0 ] && return 0
	if [ ! -e "$policy" ] && [ "$(id -u)" = 0 ]; then
		printf '#!/bin/sh\n# webstack_install: start no daemon while installing\nexit 101\n' \
			>"$policy" && chmod 755 "$policy" && ours=1
	fi
	tend_install_packages "${WEBSTACK_PACKAGES[@]}" || rc=$?
	[ "$ours" = 1 ] && rm -f "$policy"
	[ "$rc" = 0 ] || echo "webstack: error: cannot install ${WEBSTACK_PACKAGES[*]}" >&2
	return "$rc"
}

# webstack_conf_dump CONF DIR: reads a tend config the way tend does, for
# the keys this example uses, and writes what it found under DIR:
#   DIR/order                 simple and oneshot services, dependencies first
#   DIR/svc/NAME/KEY          one file a key, defaults filled in; list keys
#                             (depends, env) and `command` (the argv, split
#                             like a shell would split words, with python's
#                             shlex) hold NUL-terminated items
#   DIR/global/KEY            the global keys
#   DIR/worst-case            drain-delay + the longest chain of stop-timeouts
#                             along the stop order + straggler-timeout
# Strings: libconfuse's rules: "..." with backslash escapes and ${VAR} /
# ${VAR:-default} taken from the environment, '...' literal, bare words.
# Only the keys of SPEC §2 this project has so far are accepted (an unknown
# key is an error, as in tend). Exit 1 with FILE:LINE: message on an error.
webstack_conf_dump() {
	python3 -c "$_WEBSTACK_CONF_PY" "$@"
}

# shellcheck disable=SC2016
_WEBSTACK_CONF_PY='
import os, re, shlex, sys

SERVICE_KEYS = {
    "command": "", "type": "simple", "main": "false", "critical": "false",
    "restart": "", "restart-delay": "0.5", "restart-delay-max": "30",
    "restart-limit": "0", "stable-after": "10", "depends": [], "user": "",
    "group": "", "workdir": "", "umask": "022", "env": [], "env-file": "",
    "stop-signal": "TERM", "stop-timeout": "5", "disabled": "false",
    "ready": "", "ready-timeout": "60", "health-check": "",
    "health-interval": "30", "health-timeout": "10", "health-retries": "3",
}
GLOBAL_KEYS = {
    "shutdown-timeout": "9", "drain-delay": "0", "straggler-timeout": "2",
    "include-dir": "", "forward-signals": ["USR1", "USR2"],
}

path, out = sys.argv[1], sys.argv[2]
text = open(path).read()

def die(line, msg):
    sys.stderr.write("%s:%d: %s\n" % (path, line, msg))
    sys.exit(1)

def expand(s, line):
    def var(m):
        name, dflt = m.group(1), m.group(3)
        if dflt is not None:
            return os.environ.get(name, dflt)
        return os.environ.get(name, "")
    r = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}", var, s)
    if "${" in r:
        die(line, "unsupported ${...} in %r" % s)
    return r

DQ_ESC = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "b": "\b"}

def tokens():
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1; i += 1
        elif c in " \t\r;":
            i += 1
        elif c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                die(line, "unterminated comment")
            line += text.count("\n", i, j); i = j + 2
        elif c in "{}=,()":
            yield line, c, None; i += 1
        elif c == "\"":
            i += 1; buf = []; start = line
            while True:
                if i >= n:
                    die(start, "unterminated string")
                c = text[i]
                if c == "\"":
                    i += 1; break
                if c == "\\" and i + 1 < n:
                    buf.append(DQ_ESC.get(text[i + 1], text[i + 1])); i += 2; continue
                if c == "\n":
                    line += 1
                buf.append(c); i += 1
            yield start, "str", expand("".join(buf), start)
        elif c == "\x27":
            j = text.find("\x27", i + 1)
            if j < 0:
                die(line, "unterminated string")
            s = text[i + 1:j]
            if "\\" in s:
                die(line, "backslash in a single-quoted string: not supported here")
            line += s.count("\n"); i = j + 1
            yield line, "str", s
        else:
            m = re.compile(r"[A-Za-z0-9_.+\-/:@%]+").match(text, i)
            if not m:
                die(line, "unexpected character %r" % c)
            yield line, "str", m.group(0); i = m.end()

toks = list(tokens())
pos = 0

def peek():
    return toks[pos] if pos < len(toks) else (toks[-1][0] if toks else 1, "eof", None)

def take(kind=None):
    global pos
    t = peek()
    if kind is not None and t[1] != kind:
        die(t[0], "expected %r, found %r" % (kind, t[2] if t[1] == "str" else t[1]))
    pos += 1
    return t

def value():
    t = peek()
    if t[1] == "{":
        take("{"); items = []
        while peek()[1] != "}":
            items.append(take("str")[2])
            if peek()[1] == ",":
                take(",")
        take("}")
        return items
    return take("str")[2]

def block(keys, top):
    got = {}
    while True:
        line, kind, val = peek()
        if kind == "eof" and top or kind == "}" and not top:
            return got
        name = take("str")[2]
        if top and name == "service":
            title = take("str")[2]
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", title) or title == "tend":
                die(line, "bad service name %r" % title)
            if title in services:
                die(line, "service %r defined twice" % title)
            take("{")
            services[title] = block(SERVICE_KEYS, False)
            services[title]["__line"] = line
            take("}")
            continue
        if name not in keys:
            die(line, "unknown key %r" % name)
        take("=")
        got[name] = value()

services = {}
glob = block(GLOBAL_KEYS, True)

order, done, visiting = [], set(), set()
def visit(name, line):
    if name in done:
        return
    if name in visiting:
        die(line, "cyclic depends through %r" % name)
    if name not in services:
        die(line, "unknown service %r in depends" % name)
    visiting.add(name)
    for d in services[name].get("depends", []):
        visit(d, services[name]["__line"])
    visiting.discard(name); done.add(name); order.append(name)
for name in services:
    visit(name, services[name]["__line"])

def write(p, v):
    with open(p, "w") as f:
        if isinstance(v, list):
            f.write("".join(x + "\0" for x in v))
        else:
            f.write(v)

os.makedirs(os.path.join(out, "global"), exist_ok=True)
for k, d in GLOBAL_KEYS.items():
    write(os.path.join(out, "global", k), glob.get(k, d))
for name, s in services.items():
    d = os.path.join(out, "svc", name)
    os.makedirs(d, exist_ok=True)
    for k, dflt in SERVICE_KEYS.items():
        v = s.get(k, dflt)
        if k == "command":
            v = shlex.split(v)
            if not v:
                die(s["__line"], "service %r: no command" % name)
        write(os.path.join(d, k), v)
write(os.path.join(out, "order"), "".join(n + "\n" for n in order))

# Stop order is the reverse of the start order: a service stops after all
# its dependents. Worst chain of stop-timeouts (oneshots are done already).
chain = {}
for name in order:
    s = services[name]
    own = 0.0 if s.get("type", "simple") == "oneshot" else float(s.get("stop-timeout", "5"))
    chain[name] = own
longest = {}
for name in reversed(order):  # dependents come later in order: walk back
    dependents = [m for m in order if name in services[m].get("depends", [])]
    longest[name] = chain[name] + max([longest[m] for m in dependents], default=0.0)
worst = float(glob.get("drain-delay", "0")) + max(longest.values(), default=0.0) \
    + float(glob.get("straggler-timeout", "2"))
write(os.path.join(out, "worst-case"), "%g" % worst)
'

# Reading a dump of webstack_conf_dump in the directory $C:
# cfg_list ARRAY SERVICE KEY: a list key (or a command's words) into ARRAY.
cfg_list() { mapfile -d '' -t "$1" <"$C/svc/$2/$3"; }

# arg SERVICE FLAG: the value after FLAG (or in FLAG=value) in its command.
arg() {
	local -a a
	local i
	cfg_list a "$1" command
	for ((i = 0; i < ${#a[@]}; i++)); do
		case ${a[i]} in
		"$2") printf '%s\n' "${a[i + 1]}" && return 0 ;;
		"$2"=*) printf '%s\n' "${a[i]#*=}" && return 0 ;;
		esac
	done
	return 1
}

# webstack_exec USER GROUP UMASK WORKDIR ENVFILE ARGVFILE: becomes the
# service the way tend starts one (SPEC §3): a new session and process
# group, every signal at its default disposition and none blocked, no fd
# beyond 0-2, the config's env (ENVFILE: NUL-terminated KEY=VALUE items) on
# top of the caller's, then the user (its primary group unless GROUP is
# given, and its supplementary groups), the workdir and the umask; then
# exec of ARGVFILE's NUL-terminated argv (PATH searched in the caller's
# environment, as tend does before it forks). It replaces the shell it runs
# in: run it in the background, `webstack_exec ... &`, and $! is the
# service's pid.
webstack_exec() {
	exec python3 -c "$_WEBSTACK_EXEC_PY" "$@"
}

_WEBSTACK_EXEC_PY='
import grp, os, pwd, shutil, signal, sys

user, group, umask, workdir, envfile, argvfile = sys.argv[1:7]
def items(p):
    with open(p) as f:
        return [x for x in f.read().split("\0") if x]
env, argv = items(envfile), items(argvfile)
prog = argv[0] if "/" in argv[0] else shutil.which(argv[0])
if prog is None:
    sys.exit("webstack_exec: %s: not found" % argv[0])
newenv = dict(os.environ)
for kv in env:
    k, _, v = kv.partition("=")
    newenv[k] = v
for s in signal.valid_signals():
    if s not in (signal.SIGKILL, signal.SIGSTOP):
        try:
            signal.signal(s, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.setsid()
os.closerange(3, os.sysconf("SC_OPEN_MAX"))
if user:
    pw = pwd.getpwnam(user) if not user.isdigit() else pwd.getpwuid(int(user))
    gid = pw.pw_gid
    if group:
        gid = grp.getgrnam(group).gr_gid if not group.isdigit() else int(group)
    os.initgroups(pw.pw_name, gid)
    os.setgid(gid)
    os.setuid(pw.pw_uid)
elif group:
    gid = grp.getgrnam(group).gr_gid if not group.isdigit() else int(group)
    os.setgroups([])
    os.setgid(gid)
if workdir:
    os.chdir(workdir)
os.umask(int(umask, 8))
os.execve(prog, argv, newenv)
'
