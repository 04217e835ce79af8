#!/usr/bin/env bash
# The status round trip of each supervisor's control client, 100 services:
# `tendctl status` against `supervisorctl status` (supervisord with a
# unix_http_server socket) and `s6-svstat` (once on one service, and once
# per service, one after the other, s6 having no status command for a whole
# scan directory). Each call is a process started and waited for, as a user
# or a health check runs it: from just before posix_spawn until waitpid
# returns, its output going to /dev/null (each client's output is checked
# once beforehand). The calls are interleaved (tend, supervisord, s6, then
# again), so that a noisy moment does not fall on one client only. Also the
# request alone from inside one Python process (no client process start):
# tend's protocol on its socket, supervisord's XML-RPC
# supervisor.getAllProcessInfo on its socket. Prints a Markdown section on
# stdout (median and p99, rival / tend ratios), progress on stderr; fails
# (exit 1) when a measurement cannot be made.
#
# usage: bench/ctl.sh [--quick] [BUILD_DIR]
#   --quick: 200 calls of each instead of 1,000.
#   BUILD_DIR (default build-bench) holds tend and tendctl (brought up to
#   date with ninja when it is a meson build directory).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

CALLS=1000
if [ "${1:-}" = "--quick" ]; then
	CALLS=200
	shift
fi
BUILD=${1:-$ROOT/build-bench}
BUILD=$(cd "$BUILD" && pwd) || bench_die "no build directory $1"
TEND=$BUILD/tend
TENDCTL=$BUILD/tendctl
if [ -f "$BUILD/build.ninja" ]; then
	ninja -C "$BUILD" tend tendctl >/dev/null || bench_die "ninja -C $BUILD tend tendctl"
fi
[ -x "$TEND" ] && [ -x "$TENDCTL" ] ||
	bench_die "no $TEND or $TENDCTL: build them first (scripts/bench does)"
N=100

bench_need gcc python3 supervisord supervisorctl s6-svscan s6-supervise s6-svstat s6-svscanctl
[ "$(id -u)" = 0 ] || bench_die "run as root"
# supervisor's own Python (its module is not in every python3 on PATH).
SUP_PY=$(sed -n '1s/^#! *//p' "$(command -v supervisorctl)")
read -r SUP_PY _ <<<"$SUP_PY"
"$SUP_PY" -c 'import supervisor.xmlrpc' 2>/dev/null ||
	bench_die "cannot import supervisor.xmlrpc with $SUP_PY (supervisorctl's interpreter)"

bench_setup tend-benchctl
ulimit -n "$(ulimit -Hn)"

# launch NAME CMD...: starts CMD under a probe reaper in $WORK/NAME (its
# log there); sets SPID (the supervisor's pid).
launch() {
	local name=$1 i
	shift
	(cd "$WORK/$name" && exec "$WORK/probe" run "$WORK/$name/pid" "$@" \
		>"$WORK/$name/log" 2>&1 </dev/null) &
	REAPERS+=($!)
	for i in $(seq 500); do
		[ -s "$WORK/$name/pid" ] && break
		sleep 0.01
	done
	[ -s "$WORK/$name/pid" ] || bench_die "$name: probe did not start"
	read -r SPID _ <"$WORK/$name/pid"
	"$WORK/probe" wait "$SPID" bsvc "$N" 40 >/dev/null || {
		tail -n 20 "$WORK/$name/log" >&2
		bench_die "$name: $N services not running within 40 s"
	}
}

# ---- tend: one file, 100 services, its socket in the work dir
mkdir "$WORK/tend"
for i in $(seq "$N"); do
	echo "service s$i { command = \"$BSVC\" stop-timeout = 5 }"
done >"$WORK/tend/tend.conf"
TEND_SOCK=$WORK/tend/tend.sock
launch tend "$TEND" -S "$TEND_SOCK" -c "$WORK/tend/tend.conf"
TEND_SPID=$SPID

# ---- supervisord: bench/supervisors.sh's setup, plus the control socket
mkdir "$WORK/sup"
SUP_SOCK=$WORK/sup/supervisor.sock
{
	cat <<EOF
[unix_http_server]
file=$SUP_SOCK
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$SUP_SOCK

[supervisord]
nodaemon=true
logfile=/dev/stdout
logfile_maxbytes=0
pidfile=$WORK/sup/supervisord.pid
childlogdir=$WORK/sup
minfds=$((N * 4 + 1024))

EOF
	for i in $(seq "$N"); do
		cat <<EOF
[program:s$i]
command=$BSVC
startsecs=0
autorestart=true
stopwaitsecs=5
redirect_stderr=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0

EOF
	done
} >"$WORK/sup/supervisord.conf"
launch sup supervisord -c "$WORK/sup/supervisord.conf"
SUP_SPID=$SPID

# ---- s6: a scan directory, a run script per service
mkdir -p "$WORK/s6/scan"
for i in $(seq "$N"); do
	mkdir "$WORK/s6/scan/s$i"
	printf '#!/bin/sh\nexec %s\n' "$BSVC" >"$WORK/s6/scan/s$i/run"
	chmod 755 "$WORK/s6/scan/s$i/run"
done
launch s6 s6-svscan -c "$N" "$WORK/s6/scan"
S6_SPID=$SPID
bench_note "tend, supervisord and s6 each run $N services; $CALLS calls of each client"

# ---- check each client's answer once (all 100 up), then measure
python3 - "$TENDCTL" "$TEND_SOCK" "$WORK/sup/supervisord.conf" "$WORK/s6/scan" "$N" <<'PY' ||
import subprocess, sys, time
tendctl, sock, supconf, scan, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
deadline = time.monotonic() + 20
while True:
    t = subprocess.run([tendctl, "-S", sock, "status"], capture_output=True, text=True)
    s = subprocess.run(["supervisorctl", "-c", supconf, "status"], capture_output=True, text=True)
    v = [subprocess.run(["s6-svstat", "%s/s%d" % (scan, i)], capture_output=True, text=True)
         for i in range(1, n + 1)]
    ok_t = t.returncode == 0 and sum(l.split()[1:2] == ["running"] for l in t.stdout.splitlines()[1:]) == n
    ok_s = s.returncode == 0 and sum(" RUNNING " in l for l in s.stdout.splitlines()) == n
    ok_v = all(x.returncode == 0 and x.stdout.startswith("up ") for x in v)
    if ok_t and ok_s and ok_v:
        break
    if time.monotonic() > deadline:
        raise SystemExit("not all up after 20 s: tendctl %r %r / supervisorctl %r %r / s6-svstat %r"
                         % (t.returncode, t.stdout[-300:], s.returncode, s.stdout[-300:],
                            [x.stdout for x in v if not x.stdout.startswith("up ")][:3]))
    time.sleep(0.2)
PY
	bench_die "a client does not report $N running services"

python3 - "$TENDCTL" "$TEND_SOCK" "$WORK/sup/supervisord.conf" "$WORK/s6/scan" \
	"$N" "$CALLS" >"$WORK/times.tsv" <<'PY' || bench_die "a client call failed"
import os, shutil, sys, time
tendctl, sock, supconf, scan, n, calls = sys.argv[1:7]
n, calls = int(n), int(calls)
sup = shutil.which("supervisorctl")
svstat = shutil.which("s6-svstat")
fa = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
env = dict(os.environ)

def run(argv):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
    _, st = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    if os.waitstatus_to_exitcode(st) != 0:
        raise SystemExit("%s: exit %d" % (" ".join(argv), os.waitstatus_to_exitcode(st)))
    return t1 - t0

clients = [
    ("tendctl", [tendctl, "-S", sock, "status"]),
    ("supervisorctl", [sup, "-c", supconf, "status"]),
    ("svstat1", [svstat, scan + "/s1"]),
]
for i in range(calls):
    for name, argv in clients:
        print("%s\t%d" % (name, run(argv)))
    t = 0
    for j in range(1, n + 1):
        t += run([svstat, "%s/s%d" % (scan, j)])
    print("svstat%d\t%d" % (n, t))
PY

# The request alone, in-process: tend's protocol, supervisord's XML-RPC.
python3 - "$TEND_SOCK" "$CALLS" "$N" >>"$WORK/times.tsv" <<'PY' || bench_die "raw tend requests failed"
import json, socket, sys, time
sock, calls, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(calls):
    t0 = time.perf_counter_ns()
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(b"tend/1 status\n")
    raw = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        raw += b
    s.close()
    t1 = time.perf_counter_ns()
    head, _, body = raw.partition(b"\n")
    if not head.startswith(b"tend/1 ok ") or len(json.loads(body)["services"]) != n:
        raise SystemExit("bad reply %r" % raw[:200])
    print("tendraw\t%d" % (t1 - t0))
PY
"$SUP_PY" - "$SUP_SOCK" "$CALLS" "$N" >>"$WORK/times.tsv" <<'PY' || bench_die "raw supervisord requests failed"
import sys, time, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
sock, calls, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(calls):
    t0 = time.perf_counter_ns()
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1",
        transport=SupervisorTransport(None, None, "unix://" + sock))
    info = proxy.supervisor.getAllProcessInfo()
    t1 = time.perf_counter_ns()
    if len(info) != n or any(p["statename"] != "RUNNING" for p in info):
        raise SystemExit("bad reply")
    print("supraw\t%d" % (t1 - t0))
PY

for p in "$TEND_SPID" "$SUP_SPID" "$S6_SPID"; do
	[ "$("$WORK/probe" count "$p" bsvc)" = "$N" ] || bench_die "services restarted or died during the measurement"
done
bench_cleanup

versions=""
for p in supervisor s6; do
	v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) || v="not from a Debian package"
	versions+=", $p $v"
done
echo "$("$TEND" -V 2>&1 | head -n 1) (meson buildtype $(bench_buildtype "$BUILD" 2>/dev/null || echo '?')) against${versions#,} (Debian packages); $N services each, $CALLS calls of each client."
echo
python3 - "$WORK/times.tsv" "$N" "$CALLS" <<'PY'
import statistics, sys
from collections import defaultdict
path, n, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
v = defaultdict(list)
for line in open(path):
    k, ns = line.split("\t")
    v[k].append(int(ns) / 1e6)
def p99(x):
    x = sorted(x)
    return x[min(len(x) - 1, int(round(0.99 * (len(x) - 1))))]
def ms(x):
    return f"{x:.2f} ms" if x < 10 else (f"{x:.1f} ms" if x < 100 else f"{x:,.0f} ms")
def ratio(r, t):
    x = r / t
    return f"×{x:.2f}" if x < 10 else f"×{x:,.0f}"
for k in ("tendctl", "supervisorctl", "svstat1", "svstat%d" % n, "tendraw", "supraw"):
    if len(v[k]) != calls:
        raise SystemExit(f"bench: FAILED: {len(v[k])} values for {k}, expected {calls}")
tm, tp = statistics.median(v["tendctl"]), p99(v["tendctl"])
rows = [
    ("`tendctl status` (tend)", "tendctl"),
    ("`supervisorctl status` (supervisord)", "supervisorctl"),
    ("`s6-svstat` on one service (s6)", "svstat1"),
    (f"`s6-svstat` on each of the {n} services, one after the other (s6)", "svstat%d" % n),
]
print("| client, a process per call | median | p99 | median / tendctl's | p99 / tendctl's |")
print("|---|---|---|---|---|")
for label, k in rows:
    m, p = statistics.median(v[k]), p99(v[k])
    print(f"| {label} | {ms(m)} | {ms(p)} | {ratio(m, tm)} | {ratio(p, tp)} |")
print()
rm, rp = statistics.median(v["tendraw"]), p99(v["tendraw"])
print("| the request alone, from one Python process | median | p99 | median / tend's | p99 / tend's |")
print("|---|---|---|---|---|")
print(f"| tend: `tend/1 status` on its socket | {ms(rm)} | {ms(rp)} | ×1.00 | ×1.00 |")
sm, sp = statistics.median(v["supraw"]), p99(v["supraw"])
print(f"| supervisord: XML-RPC `supervisor.getAllProcessInfo` on its socket | {ms(sm)} | {ms(sp)} | {ratio(sm, rm)} | {ratio(sp, rp)} |")
print()
print(f"{calls} calls of each, interleaved; time from just before posix_spawn "
      "until waitpid returned (the client's start included: supervisorctl is "
      "a Python program), output to /dev/null. s6 has no status command for "
      f"a whole scan directory: the {n}-service row is {n} `s6-svstat` runs "
      "in turn, the equivalent of one `tendctl status`. The second table "
      "leaves out the client process: a connection, the request and the "
      "whole reply (all services), timed inside one Python process.")
PY
