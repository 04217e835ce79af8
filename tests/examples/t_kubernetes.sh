#!/usr/bin/env bash
# examples/kubernetes without a cluster: what the kubelet would do with
# pod.yaml and configmap.yaml, done by hand, with the real tend and tendctl.
#
#   lint    every YAML document parses; one Pod, one ConfigMap; the Pod's
#           command is tend with -c naming a file of the ConfigMap, where
#           the ConfigMap volume puts it; terminationGracePeriodSeconds is
#           the config's shutdown-timeout + 1 (tend --check reads the
#           config, and its worst case fits); every probe is an exec of the
#           image's tendctl `check`, startup and readiness the same command
#           on every service, liveness on critical services only; the probe
#           windows fit tend's timings; a directory for tend's socket (/run
#           or /tmp) is writable on the read-only root; shareProcessNamespace
#           is off; the image, tend:STAGE, is a stage of the Dockerfile that
#           installs the Debian packages of the services' programs and of
#           the app's modules, with a STOPSIGNAL that shuts tend down
#   run     the container as the kubelet would make it: tend as PID 1 of new
#           PID, mount and network namespaces, the command line of pod.yaml
#           as it is, the ConfigMap's files at their mount path (read-only,
#           0644, linked through ..data as the kubelet does), tmpfs for the
#           emptyDirs, a read-only root, the
#           capabilities and no_new_privs of its securityContext, the binaries
#           at the image's paths. The probes are pod.yaml's exact commands,
#           run inside the container (nsenter) with its capabilities, bounded
#           by their timeoutSeconds:
#             start     all three fail (1) until the services are ready, then
#                       pass (0); the app answers through redis
#             redis     SIGKILL to redis: readiness fails while tend restarts
#                       it, liveness (the app) passes meanwhile, then both pass
#             stop      SIGTERM to tend, as the kubelet sends it: readiness and
#                       liveness fail at once, the app still answers during
#                       drain-delay, then the app stops before redis, each
#                       with exit 0, no SIGKILL; tend exits 0 after at least
#                       drain-delay and within terminationGracePeriodSeconds
#
# Run as root from anywhere: tests/examples/t_kubernetes.sh
#   TEND=PATH     the tend binary (default: build-release/tend, built with
#                 tendctl when missing)
#   TENDCTL=PATH  tendctl (default: the one beside TEND)
# Installs what it needs (the web stack's packages: redis, gunicorn, Flask;
# python3-yaml, iproute2). Prints PASS:/FAIL: lines and "N passed, N
# failed"; exits 1 on a failure, 2 when it cannot run.
set -uo pipefail
export LC_ALL=C

# shellcheck source=tests/webstack/lib.sh
. "$(dirname "$0")/../webstack/lib.sh" # from here on, in the tree's top
webstack_test_init t_kubernetes "namespaces, mounts, users"
tend_install_packages python3-yaml iproute2 util-linux curl || exit 2
EX=examples/kubernetes

# tests/integration/lib.sh: the temp dir $T, wait_for, bg, the namespace
# helpers and a cleanup that stops every process the test started. Its
# TESTCHILD is not used here.
export TEND TESTCHILD=unused
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh
counting # ok, bad, check, summary; fail counts itself
not() { ! "$@"; }

# ------------------------------------------------------------------ lint

F=$T/facts # what the lint found, for the run: one file a fact
mkdir -p "$F/cm" || exit 2

python3 - "$EX/pod.yaml" "$EX/configmap.yaml" "$F" >"$T/lint.txt" 2>&1 <<'PY'
import os, re, shlex, sys
import yaml

pod_path, cm_path, out = sys.argv[1:4]
IMAGE_TEND, IMAGE_TENDCTL = "/usr/bin/tend", "/usr/bin/tendctl"

def res(good, what):
    print(("ok|" if good else "bad|") + what)
    return good

def fact(name, value):
    with open(os.path.join(out, name), "w") as f:
        if isinstance(value, list):
            f.write("".join(str(v) + "\0" for v in value))
        else:
            f.write(str(value))

docs = []
for p in (pod_path, cm_path):
    try:
        with open(p) as f:
            got = [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        res(False, "%s parses as YAML: %s" % (p, e))
        sys.exit(0)
    for d in got:
        res(isinstance(d, dict) and d.get("apiVersion") == "v1" and
            isinstance(d.get("metadata"), dict) and "name" in d["metadata"],
            "%s: a v1 %s with a name" % (p, d.get("kind") if isinstance(d, dict) else "?"))
    docs += got
kinds = [d.get("kind") for d in docs]
if not res(sorted(kinds) == ["ConfigMap", "Pod"], "one Pod and one ConfigMap (%s)" % kinds):
    sys.exit(0)
pod = next(d for d in docs if d["kind"] == "Pod")
cm = next(d for d in docs if d["kind"] == "ConfigMap")
spec = pod["spec"]
data = cm.get("data") or {}
for k, v in data.items():
    fact("cm/" + k, v)

res(spec.get("shareProcessNamespace", False) is False and not spec.get("hostPID"),
    "shareProcessNamespace off, no hostPID: tend is its container's PID 1")
cs = spec.get("containers") or []
if not res(len(cs) == 1, "one container"):
    sys.exit(0)
c = cs[0]
argv = list(c.get("command") or []) + list(c.get("args") or [])
res(argv[:1] == [IMAGE_TEND], "the container runs %s (%s)" % (IMAGE_TEND, argv))
fact("tend_argv", argv)

# The config path: -c/--config, else tend's default.
conf = "/etc/tend.conf"
for i, a in enumerate(argv[1:], 1):
    if a in ("-c", "--config") and i + 1 < len(argv):
        conf = argv[i + 1]
    elif a.startswith("--config="):
        conf = a.split("=", 1)[1]
    if a == "--":
        break
vols = {v["name"]: v for v in spec.get("volumes") or []}
mounts = c.get("volumeMounts") or []
key = None
for m in mounts:
    v = vols.get(m["name"], {})
    if "configMap" not in v:
        continue
    res(v["configMap"].get("name") == cm["metadata"]["name"],
        "volume %s is the ConfigMap %s" % (m["name"], cm["metadata"]["name"]))
    if m.get("subPath") and m["mountPath"] == conf:
        key = m["subPath"]
    elif not m.get("subPath") and os.path.dirname(conf) == m["mountPath"].rstrip("/"):
        key = os.path.basename(conf)
        fact("cm_dir", m["mountPath"].rstrip("/"))
        res(m.get("readOnly") is True, "the ConfigMap is mounted read-only")
res(key is not None and key in data,
    "the config tend reads, %s, is the ConfigMap's key %s" % (conf, key))
if key not in data:
    sys.exit(0)
fact("conf_key", key)
fact("conf_path", conf)

# The config's keys this check needs (the example's file is simple: one
# `key = value` a line), checked against tend --check by the shell.
text = data[key]
def nocomment(line):
    q = None
    for i, ch in enumerate(line):
        if q:
            q = None if ch == q else q
        elif ch in "\"'":
            q = ch
        elif ch == "#":
            return line[:i]
    return line
glob, svcs, cur = {}, {}, None
for line in text.splitlines():
    s = nocomment(line).strip()
    m = re.match(r'service\s+"([A-Za-z0-9_.-]+)"\s*\{$', s)
    if m:
        cur = svcs.setdefault(m.group(1), {})
        continue
    if s == "}":
        cur = None
        continue
    m = re.match(r'([a-z-]+)\s*=\s*(.*)$', s)
    if m:
        v = m.group(2).strip()
        if len(v) >= 2 and v[0] == v[-1] == '"':
            v = v[1:-1]
        (glob if cur is None else cur)[m.group(1)] = v
st = float(glob.get("shutdown-timeout", "9"))
fact("shutdown_timeout", "%g" % st)
fact("drain_delay", "%g" % float(glob.get("drain-delay", "0")))
grace = spec.get("terminationGracePeriodSeconds")
res(isinstance(grace, int) and grace == st + 1,
    "terminationGracePeriodSeconds (%s) = shutdown-timeout (%g) + 1" % (grace, st))
fact("grace", grace)
critical = sorted(n for n, s in svcs.items() if s.get("critical") in ("true", "yes", "on", "1"))
ready_max = max([float(s.get("ready-timeout", "60")) for s in svcs.values()] or [0])

# The probes: exec of the image's tendctl check.
probes = {}
for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
    p = c.get(kind)
    if not res(isinstance(p, dict) and "exec" in p, "%s is an exec probe" % kind):
        continue
    cmd = p["exec"]["command"]
    probes[kind] = (cmd, p)
    res(cmd[:1] == [IMAGE_TENDCTL] and "check" in cmd,
        "%s runs %s ... check (%s)" % (kind, IMAGE_TENDCTL, cmd))
    timeout = p.get("timeoutSeconds", 1)
    fact(kind + "_argv", cmd)
    fact(kind + "_timeout", timeout)
    if "--timeout" in cmd:
        t = float(cmd[cmd.index("--timeout") + 1])
        res(t < timeout, "%s: tendctl --timeout %g < timeoutSeconds %s, so "
            "tendctl reports a silent tend itself" % (kind, t, timeout))
if len(probes) == 3:
    names = lambda k: probes[k][0][probes[k][0].index("check") + 1:]
    res(probes["startupProbe"][0] == probes["readinessProbe"][0] and
        names("readinessProbe") == [],
        "startup and readiness run the same tendctl check, on every service")
    live = names("livenessProbe")
    res(live != [] and set(live) <= set(critical),
        "liveness checks critical services only (%s; critical: %s)" % (live, critical))
    fact("liveness_names", live)
    sp = probes["startupProbe"][1]
    window = sp.get("periodSeconds", 10) * sp.get("failureThreshold", 3)
    res(window >= ready_max, "the startup window (%g s) covers the longest "
        "ready-timeout (%g s)" % (window, ready_max))
    lp = probes["livenessProbe"][1]
    lwin = lp.get("periodSeconds", 10) * lp.get("failureThreshold", 3)
    res(lwin > grace, "liveness fails only after %g s, longer than a "
        "shutdown (%s s)" % (lwin, grace))

# The container's security context, applied by the run below.
sc = c.get("securityContext") or {}
caps = sc.get("capabilities") or {}
res(caps.get("drop") == ["ALL"], "capabilities: drop ALL")
fact("caps", ",".join("+" + x.lower() for x in caps.get("add") or []))
fact("no_new_privs", 1 if sc.get("allowPrivilegeEscalation") is False else 0)
fact("read_only", 1 if sc.get("readOnlyRootFilesystem") else 0)
empty = [m["mountPath"] for m in mounts if "emptyDir" in vols.get(m["name"], {})]
fact("empty_dirs", empty)
if sc.get("readOnlyRootFilesystem") and "control-socket" not in glob:
    res("/run" in empty or "/tmp" in empty, "read-only root: /run or /tmp, where "
        "tend puts its socket, is an emptyDir")
ports = [p["containerPort"] for p in c.get("ports") or []]
res(ports != [] and all(any(re.search(r"0\.0\.0\.0:%d\b" % p, s.get("command", ""))
                            for s in svcs.values()) for p in ports),
    "every containerPort (%s) is a service's 0.0.0.0 port" % ports)
fact("port", ports[0] if ports else "")

# What the image must hold: the services' programs, the app's modules.
fact("image", c.get("image", ""))
fact("programs", sorted({shlex.split(s["command"])[0] for s in svcs.values() if s.get("command")}))
mods = set()
for k, v in data.items():
    if k.endswith(".py"):
        mods.update(re.findall(r"^(?:import|from)\s+([A-Za-z_]\w*)", v, re.M))
fact("py_modules", sorted(mods))
PY
while IFS='|' read -r r what; do
	case $r in
	ok) ok "lint: $what" ;;
	bad) bad "lint: $what" ;;
	*) bad "lint: $r${what:+|$what}" ;; # a python error
	esac
done <"$T/lint.txt"
for f in tend_argv startupProbe_argv readinessProbe_argv livenessProbe_argv \
	conf_key cm_dir; do
	if [ ! -s "$F/$f" ]; then
		bad "lint: not enough to run the pod (no $f)"
		summary
		exit 1
	fi
done

fact() { cat "$F/$1"; }
mapfile -d '' -t TEND_ARGV <"$F/tend_argv"
mapfile -d '' -t READINESS <"$F/readinessProbe_argv"
mapfile -d '' -t LIVENESS <"$F/livenessProbe_argv"
mapfile -d '' -t STARTUP <"$F/startupProbe_argv"
mapfile -d '' -t EMPTY_DIRS <"$F/empty_dirs"
GRACE=$(fact grace)
DRAIN=$(fact drain_delay)
PORT=$(fact port)

# tend --check reads the ConfigMap's config: valid, the same
# shutdown-timeout as above, and a worst case within it.
"$TEND" --check -c "$F/cm/$(fact conf_key)" >"$T/check.out" 2>&1
check "tend --check: the ConfigMap's config is valid" \
	grep -q '^configuration OK' "$T/check.out"
check "tend --check: shutdown-timeout $(fact shutdown_timeout)s, worst case within it" \
	grep -Eq "^worst case: .*; shutdown-timeout $(fact shutdown_timeout)s$" "$T/check.out"
check "tend --check: no warning" not grep -q '^warning' "$T/check.out"

# The image: pod.yaml names tend:STAGE, a stage of the Dockerfile, which
# must hold what the container runs: tend and tendctl in /usr/bin, the
# Debian packages of the services' programs and of the app's modules (as
# this machine's dpkg knows them), and a stop signal tend shuts down on.
image_stage() {
	local image=$1 stage
	case $image in
	tend:?*) stage=${image#tend:} ;;
	*) return 1 ;;
	esac
	awk -v s="$stage" '
		/^FROM / { on = (tolower($NF) == tolower(s) && tolower($(NF-1)) == "as") }
		on' Dockerfile
}
STAGE_TEXT=$(image_stage "$(fact image)")
check "image: $(fact image) is a stage of the Dockerfile" [ -n "$STAGE_TEXT" ]
# has_word WORD: WORD is one of the stage's words (an empty one is not).
has_word() { [ -n "$1" ] && tr -s "[:space:]\\\\" '\n' <<<"$STAGE_TEXT" | grep -qxF -- "$1"; }
has_binaries() {
	grep -q "/usr/bin/tend[[:space:]]" <<<"$STAGE_TEXT" &&
		grep -q "/usr/bin/tendctl" <<<"$STAGE_TEXT"
}
check "image: tend and tendctl in /usr/bin" has_binaries
mapfile -d '' -t PROGRAMS <"$F/programs"
mapfile -d '' -t MODULES <"$F/py_modules"
needed=()
for p in "${PROGRAMS[@]}"; do
	needed+=("$(dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1)")
done
for m in "${MODULES[@]}"; do
	# the interpreter of Debian's gunicorn; the standard library needs nothing
	f=$(/usr/bin/python3 -c 'import importlib.util, sys
s = importlib.util.find_spec(sys.argv[1])
print(s.origin if s and s.origin else "")' "$m" 2>/dev/null)
	case $f in
	*/dist-packages/*) needed+=("$(dpkg -S "$f" 2>/dev/null | head -n 1 | cut -d: -f1)") ;;
	esac
done
for p in "${needed[@]}"; do
	check "image: installs ${p:-(a package dpkg does not know)}" has_word "$p"
done
stopsig=$(awk '/^STOPSIGNAL/ { print $2 }' <<<"$STAGE_TEXT" | tail -n 1)
shuts_down() { case $1 in SIGTERM | TERM | 15 | SIGINT | INT | 2) true ;; *) false ;; esac; }
check "image: STOPSIGNAL ${stopsig:-(none: TERM)} starts tend's shutdown" shuts_down "${stopsig:-TERM}"

# ------------------------------------------------------------------- run

# The container, made inside the new namespaces by PID 1 before it becomes
# tend: loopback up; the image's binaries and the ConfigMap's files put in
# place by read-only overlays; tmpfs for each emptyDir (mode 0777, as
# Kubernetes makes them); the root read-only (a bind remount: this mount
# namespace only); then exec of the command line, with the capabilities
# and no_new_privs of the securityContext.
# shellcheck disable=SC2016
NS_SETUP='
set -e
stage=$1 cmdir=$2 caps=$3 nnp=$4 ro=$5 empties=$6
shift 6
ip link set lo up
mount -t tmpfs -o mode=0755 tmpfs "$stage/layer"
mkdir -p "$stage/layer/bin" "$stage/layer/cm/..2000_01_01_00_00_00.0"
cp "$stage/tend" "$stage/tendctl" "$stage/layer/bin/"
# the kubelet'"'"'s layout: each key a symbolic link through ..data, which it
# swaps to update the files all at once
cp "$stage/cm/"* "$stage/layer/cm/..2000_01_01_00_00_00.0/"
chmod 0644 "$stage/layer/cm/..2000_01_01_00_00_00.0/"*
ln -s ..2000_01_01_00_00_00.0 "$stage/layer/cm/..data"
for f in "$stage/cm/"*; do
	ln -s "..data/${f##*/}" "$stage/layer/cm/${f##*/}"
done
mount -t overlay overlay -o ro,lowerdir="$stage/layer/bin:/usr/bin" /usr/bin
if [ -d "$cmdir" ]; then
	mount --bind "$stage/layer/cm" "$cmdir"
	mount -o remount,bind,ro "$cmdir"
else
	# a directory the image does not have: made by an overlay of its parent
	mkdir -p "$stage/layer/up"
	cp -a "$stage/layer/cm" "$stage/layer/up/${cmdir##*/}"
	mount -t overlay overlay -o ro,lowerdir="$stage/layer/up:${cmdir%/*}" "${cmdir%/*}"
fi
for d in $empties; do
	mount -t tmpfs -o mode=0777 tmpfs "$d"
done
[ "$ro" = 1 ] && mount -o remount,bind,ro /
cd /
set -- --bounding-set=-all${caps:+,$caps} -- "$@"
[ "$nnp" = 1 ] && set -- --no-new-privs "$@"
exec setpriv "$@"
'

STAGE=$T/stage
mkdir -p "$STAGE/layer" "$STAGE/cm" || fail "mkdir $STAGE"
if ! cp "$TEND" "$STAGE/tend" || ! cp "$TENDCTL" "$STAGE/tendctl" ||
	! cp "$F/cm/"* "$STAGE/cm/"; then
	fail "cannot stage the binaries and the ConfigMap"
fi
CAPS=$(fact caps)
NNP=$(fact no_new_privs)

# Where the probes run: inside the container (its mount, network and PID
# namespaces, its working directory), with its capabilities, bounded by
# the probe's timeoutSeconds as the kubelet bounds them.
# probe KIND: runs that probe's command; sets PROBE_RC.
probe() {
	local kind=$1 t
	local -a argv
	case $kind in
	startup) argv=("${STARTUP[@]}") ;;
	readiness) argv=("${READINESS[@]}") ;;
	liveness) argv=("${LIVENESS[@]}") ;;
	esac
	t=$(fact "${kind}Probe_timeout")
	local -a sp=(--bounding-set="-all${CAPS:+,$CAPS}")
	[ "$NNP" = 1 ] && sp=(--no-new-privs "${sp[@]}")
	timeout -k 1 "$t" nsenter -t "$TEND_PID" -m -n -p -w -- \
		setpriv "${sp[@]}" -- "${argv[@]}" >"$T/probe.out" 2>&1 </dev/null
	PROBE_RC=$?
	return 0
}
probe_is() { probe "$1"; [ "$PROBE_RC" = "$2" ]; }

# http PATH: a request to the pod's port from inside the pod's network.
http() {
	nsenter -t "$TEND_PID" -n -- curl -sS --max-time 5 "http://127.0.0.1:$PORT$1" 2>&1
}

# tend's socket: /run/tend.sock, or /tmp/tend-0/tend.sock when /run is
# read-only; tendctl tries both.
socket_up() {
	[ -S "/proc/$TEND_PID/root/run/tend.sock" ] ||
		[ -S "/proc/$TEND_PID/root/tmp/tend-0/tend.sock" ]
}

# The container's PID 1 is tend once the setup exec'd it.
is_tend() { [ "$(tr '\0' ' ' <"/proc/$TEND_PID/cmdline" 2>/dev/null)" = "${TEND_ARGV[*]} " ]; }

RUN=pod _start_redirected unshare --pid --fork --mount-proc \
	unshare --net sh -c "$NS_SETUP" ns-setup "$STAGE" "$(fact cm_dir)" \
	"$CAPS" "$NNP" "$(fact read_only)" "${EMPTY_DIRS[*]}" "${TEND_ARGV[@]}"
NS_PID=$BG_PID
JOB_PID=$NS_PID
WAIT_WHY="the container's PID 1" wait_for 10 _find_tend_in_ns
[ -n "$TEND_PID" ] || fail "tend exited at once: $(cat "$T/pod.err")"
WAIT_WHY="PID 1 to become tend" wait_for 10 is_tend
WAIT_WHY="tend's control socket" wait_for 10 socket_up

# start: the three probes fail until every service is ready.
for k in startup readiness liveness; do
	probe "$k"
	check "start: $k probe fails while the services start (exit $PROBE_RC, expected 1)" \
		[ "$PROBE_RC" = 1 ]
done
WAIT_WHY="the startup probe to pass" wait_for 60 probe_is startup 0
ok "start: startup probe passes once every service is ready"
probe readiness
check "start: readiness probe passes (exit $PROBE_RC)" [ "$PROBE_RC" = 0 ]
probe liveness
check "start: liveness probe passes (exit $PROBE_RC)" [ "$PROBE_RC" = 0 ]
check "start: the app answers through redis" [ "$(http /)" = "hits: 1" ]
check "start: ... and counts" [ "$(http /)" = "hits: 2" ]

# The processes are what the pod asks for.
cap_mask() { # cap_mask +a,+b: the hex mask of those capabilities
	python3 -c 'import sys
bits = {"chown": 0, "dac_override": 1, "fowner": 3, "kill": 5, "setgid": 6,
        "setuid": 7, "net_bind_service": 10}
m = 0
for c in filter(None, sys.argv[1].split(",")):
    m |= 1 << bits[c.lstrip("+")]
print("%016x" % m)' "$1"
}
check "tend runs with the capabilities of securityContext ($CAPS)" \
	[ "$(status_field "$TEND_PID" CapEff)" = "$(cap_mask "$CAPS")" ]
if [ "$NNP" = 1 ]; then
	check "tend runs with no_new_privs (allowPrivilegeEscalation: false)" \
		[ "$(status_field "$TEND_PID" NoNewPrivs)" = 1 ]
fi
user_of() { # user_of COMM: the users of tend's descendants running COMM
	local p
	ps_scan
	descendants "$TEND_PID"
	for p in "${DESC[@]}"; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] &&
			stat -c %U "/proc/$p"
	done | sort -u | tr '\n' ' '
}
check "redis runs as redis" [ "$(user_of redis-server)" = "redis " ]
check "the app runs as www-data" [ "$(user_of gunicorn)" = "www-data " ]

# redis: a crash of the cache takes the pod out of the endpoints while
# tend restarts it, and does not make the kubelet restart the container.
redis_pid() {
	local p
	ps_scan
	descendants "$TEND_PID"
	for p in "${DESC[@]}"; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = redis-server ] && echo "$p" && return 0
	done
	return 1
}
old=$(redis_pid) || fail "no redis-server under tend"
kill -KILL "$old"
WAIT_WHY="readiness to fail while redis restarts" wait_for 5 probe_is readiness 1
probe liveness
check "redis: readiness fails while tend restarts it; liveness passes (exit $PROBE_RC)" \
	[ "$PROBE_RC" = 0 ]
WAIT_WHY="readiness to pass again" wait_for 30 probe_is readiness 0
new=$(redis_pid)
check "redis: restarted by tend (pid $old, now ${new:-none}), readiness passes again" \
	[ -n "$new" -a "$new" != "$old" ]
check "redis: the app answers again" [ "$(http /)" = "hits: 1" ]

# stop: SIGTERM to the container's PID 1, as the kubelet has the runtime send.
now_ms
t0=$NOW_MS
kill -TERM "$TEND_PID"
WAIT_WHY="readiness to fail after the SIGTERM" wait_for 1 probe_is readiness 1
r=$PROBE_RC
probe liveness
check "stop: readiness ($r) and liveness ($PROBE_RC) fail from the SIGTERM on" \
	[ "$r" = 1 -a "$PROBE_RC" = 1 ]
check "stop: the app still answers during drain-delay" [ "$(http /)" = "hits: 2" ]
wait_exit "$NS_PID" $((GRACE + 5))
now_ms
ms=$((NOW_MS - t0))
check "stop: tend exits 0 after a requested shutdown (exit $EXIT_CODE)" [ "$EXIT_CODE" = 0 ]
check "stop: in ${ms} ms, within terminationGracePeriodSeconds (${GRACE} s)" \
	[ "$ms" -le $((GRACE * 1000)) ]
drain_ms=$(python3 -c 'import sys; print(int(float(sys.argv[1]) * 1000))' "$DRAIN")
check "stop: not before drain-delay (${DRAIN} s) passed" [ "$ms" -ge "$drain_ms" ]
# tend's log from the stop request on.
sed -n '/^tend: shutting down/,$p' "$T/pod.err" >"$T/stop.log"
line_no() { grep -n -F -- "$1" "$T/stop.log" | head -n 1 | cut -d: -f1; }
a=$(line_no "service app: running -> stopping")
b=$(line_no "service app: pid ")
c=$(line_no "service redis: running -> stopping")
in_order() { [ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ "$a" -lt "$c" ] && [ "$b" -lt "$c" ]; }
check "stop: the app stops, then redis (tend's log)" in_order
check "stop: both exit 0 on their stop signal" \
	[ "$(grep -c -E 'service (app|redis): pid [0-9]+ exited with 0$' "$T/stop.log")" = 2 ]
check "stop: nothing needed SIGKILL" not grep -q SIGKILL "$T/stop.log"
logs_named() { grep -q '^redis | ' "$T/pod.out" && grep -q '^app | .*"GET / HTTP' "$T/pod.out"; }
check "logs: redis and the app's access log reach tend's stdout as NAME | line" logs_named

if [ "$failed" != 0 ]; then
	_dump
fi
summary
[ "$failed" = 0 ]
