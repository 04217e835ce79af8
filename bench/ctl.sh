#!/usr/bin/env bash
# The status round trip of each supervisor's control client, 100 services:
# `tendctl status` against `supervisorctl status` (supervisord with a
# unix_http_server socket), runit's `sv status` (one call naming the 100
# service directories) and `s6-svstat` (one call per service directory, s6
# having no status command for a whole scan directory), and the same for
# one service. Each call is a process started and waited for, as a user or
# a health check runs it: from just before posix_spawn until waitpid
# returns, its output going to /dev/null (each client's output is checked
# once beforehand). The calls are interleaved, so that a noisy moment does
# not fall on one client only. Also the request alone from inside one
# Python process (no client process start): tend's protocol on its socket,
# supervisord's XML-RPC supervisor.getAllProcessInfo on its socket. Prints
# raw samples on stdout, one per line, as "METRIC<TAB>SUPERVISOR<TAB>MS"
# (bench/report.py turns them into the table), progress on stderr; fails
# (exit 1) when a measurement cannot be made.
#
# usage: bench/ctl.sh [--quick] [BUILD_DIR]
#   --quick: fewer calls (below).
#   BUILD_DIR (default build-bench) holds tend and tendctl (brought up to
#   date with ninja when it is a meson build directory).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

# Rounds; every round calls each client on one service and on all of them,
# except supervisorctl (a Python program) and the 100 s6-svstat of "all",
# which take 0.1 to 0.2 s a call: they are called every SLOW_EVERY-th round.
# Then as many in-process requests as supervisorctl calls.
ROUNDS=240
SLOW_EVERY=4
if [ "${1:-}" = "--quick" ]; then
	ROUNDS=40
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

bench_need gcc python3 supervisord supervisorctl s6-svscan s6-supervise s6-svstat s6-svscanctl runsvdir sv
[ "$(id -u)" = 0 ] || bench_die "run as root"
# supervisor's own Python (its module is not in every python3 on PATH).
SUP_PY=$(sed -n '1s/^#! *//p' "$(command -v supervisorctl)")
read -r SUP_PY _ <<<"$SUP_PY"
"$SUP_PY" -c 'import supervisor.xmlrpc' 2>/dev/null ||
	bench_die "cannot import supervisor.xmlrpc with $SUP_PY (supervisorctl's interpreter)"

bench_setup tend-benchctl
ulimit -n "$(ulimit -Hn)"

# launch NAME CMD...: starts CMD under a probe reaper in $WORK/NAME (its
# log there), returns once its N services run; sets SPID (the supervisor's
# pid).
launch() {
	local name=$1
	shift
	bench_start "$name" "$WORK/$name" "$@"
	"$WORK/probe" wait "$SPID" bsvc "$N" 40 >/dev/null || {
		tail -n 20 "$WORK/$name/log" >&2
		bench_die "$name: $N services not running within 40 s"
	}
}

# Each configured as bench/supervisors.sh does (conf_SUP, bench/lib.sh).
mkdir "$WORK/tend" "$WORK/sup" "$WORK/s6" "$WORK/runit"

# ---- tend: one file, 100 services, its socket in the work dir
conf_tend "$WORK/tend" "$N" ""
TEND_SOCK=$WORK/tend/tend.sock
launch tend "$TEND" -c "$WORK/tend/tend.conf"
TEND_SPID=$SPID

# ---- supervisord, with a control socket for supervisorctl
SUP_SOCK=$WORK/sup/supervisor.sock
conf_supervisord "$WORK/sup" "$N" "" "$SUP_SOCK"
launch sup supervisord -c "$WORK/sup/supervisord.conf"
SUP_SPID=$SPID

# ---- s6: a scan directory, a run script per service
conf_s6 "$WORK/s6" "$N" ""
launch s6 s6-svscan -c "$N" "$WORK/s6/scan"
S6_SPID=$SPID

# ---- runit: the same, under runsvdir
conf_runit "$WORK/runit" "$N" ""
launch runit runsvdir -P "$WORK/runit/service"
RUNIT_SPID=$SPID
bench_note "tend, supervisord, s6 and runit each run $N services; $ROUNDS rounds of calls"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- check each client's answer once (all 100 up), then measure
cat >"$WORK/clients.py" <<'PY'
import os, shutil, sys
tendctl, sock, supconf, scan, svdir, n = sys.argv[1:7]
n = int(n)
sup, svstat, sv = shutil.which("supervisorctl"), shutil.which("s6-svstat"), shutil.which("sv")
# (who, what, argv list): "all" is one status of the N services, in as
# many calls as the client needs.
CLIENTS = [
    ("tend", "one", [[tendctl, "-S", sock, "status", "s1"]]),
    ("tend", "all", [[tendctl, "-S", sock, "status"]]),
    ("supervisord", "one", [[sup, "-c", supconf, "status", "s1"]]),
    ("supervisord", "all", [[sup, "-c", supconf, "status"]]),
    ("runit", "one", [[sv, "status", svdir + "/s1"]]),
    ("runit", "all", [[sv, "status"] + ["%s/s%d" % (svdir, i) for i in range(1, n + 1)]]),
    ("s6", "one", [[svstat, scan + "/s1"]]),
    ("s6", "all", [[svstat, "%s/s%d" % (scan, i)] for i in range(1, n + 1)]),
]
PY
python3 - "$TENDCTL" "$TEND_SOCK" "$WORK/sup/supervisord.conf" "$WORK/s6/scan" \
	"$WORK/runit/service" "$N" "$WORK/clients.py" <<'PY' ||
import subprocess, sys, time
exec(open(sys.argv[7]).read())
def up(who, out):
    lines = out.splitlines()
    if who == "tend":
        return sum(l.split()[1:2] == ["running"] for l in lines[1:])
    if who == "supervisord":
        return sum(" RUNNING " in l for l in lines)
    if who == "runit":
        return sum(l.startswith("run: ") for l in lines)
    return sum(l.startswith("up ") for l in lines)
deadline = time.monotonic() + 20
while True:
    bad = []
    for who, what, calls in CLIENTS:
        out = ""
        for argv in calls:
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode != 0:
                bad.append((who, what, r.returncode, r.stdout[-200:], r.stderr[-200:]))
            out += r.stdout
        if up(who, out) != (1 if what == "one" else n):
            bad.append((who, what, "not all up", out[-300:]))
    if not bad:
        break
    if time.monotonic() > deadline:
        raise SystemExit("not all up after 20 s: %r" % bad[:3])
    time.sleep(0.2)
PY
	bench_die "a client does not report $N running services"

python3 - "$TENDCTL" "$TEND_SOCK" "$WORK/sup/supervisord.conf" "$WORK/s6/scan" \
	"$WORK/runit/service" "$N" "$WORK/clients.py" "$ROUNDS" "$SLOW_EVERY" \
	>"$WORK/times.tsv" <<'PY' || bench_die "a client call failed"
import os, sys, time
exec(open(sys.argv[7]).read())
rounds, slow_every = int(sys.argv[8]), int(sys.argv[9])
fa = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
env = dict(os.environ)

def run(argv):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
    _, st = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    if os.waitstatus_to_exitcode(st) != 0:
        raise SystemExit("%s: exit %d" % (" ".join(argv[:4]), os.waitstatus_to_exitcode(st)))
    return t1 - t0

for r in range(rounds):
    for who, what, calls in CLIENTS:
        slow = who == "supervisord" or (who == "s6" and what == "all")
        if slow and r % slow_every:
            continue
        t = sum(run(argv) for argv in calls)
        print("ctl.%s_ms\t%s\t%.4f" % (what, who, t / 1e6))
PY

# The request alone, in-process: tend's protocol, supervisord's XML-RPC;
# as many as supervisorctl's calls.
RAW_N=$(((ROUNDS + SLOW_EVERY - 1) / SLOW_EVERY))
python3 - "$TEND_SOCK" "$RAW_N" "$N" >>"$WORK/times.tsv" <<'PY' || bench_die "raw tend requests failed"
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
    print("ctl.raw_ms\ttend\t%.4f" % ((t1 - t0) / 1e6))
PY
"$SUP_PY" - "$SUP_SOCK" "$RAW_N" "$N" >>"$WORK/times.tsv" <<'PY' || bench_die "raw supervisord requests failed"
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
    print("ctl.raw_ms\tsupervisord\t%.4f" % ((t1 - t0) / 1e6))
PY

for p in "$TEND_SPID" "$SUP_SPID" "$S6_SPID" "$RUNIT_SPID"; do
	[ "$("$WORK/probe" count "$p" bsvc)" = "$N" ] || bench_die "services restarted or died during the measurement"
done
bench_cleanup

cat "$WORK/times.tsv"
printf 'info\tctl.load\tbefore: %s; after: %s\n' "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'info\tctl.n\t%s\n' "$N"
printf 'info\tctl.rounds\t%s calls of each fast client, %s of supervisorctl and of the 100 s6-svstat, %s in-process requests\n' \
	"$ROUNDS" "$RAW_N" "$RAW_N"
