#!/usr/bin/env bash
# tend side by side with runit, s6 and supervisord (all from Debian), in one
# run: start time of 100 and 1,000 services, the supervision tree's memory,
# the shutdown of 20 services that take 300 ms to stop, and idle wakeups and
# CPU over 10 s (--quick: 5 s) with 100 services. Prints a Markdown section on stdout,
# progress on stderr. Each measurement is repeated (3 times, --quick: once)
# and the median is reported. Fails (exit 1) when a measurement cannot be
# made. How each rival is set up and why: bench/README.md.
#
# usage: bench/supervisors.sh [--quick] [TEND_BINARY]
#   TEND_BINARY defaults to build-bench/tend (built by scripts/bench).
#   BENCH_ONLY="tend runit" limits the supervisors (for debugging).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

QUICK=0
if [ "${1:-}" = "--quick" ]; then
	QUICK=1
	shift
fi
TEND=${1:-$ROOT/build-bench/tend}
[ -x "$TEND" ] || bench_die "no $TEND: build it first (scripts/bench does)"
TEND=$(cd "$(dirname "$TEND")" && pwd)/$(basename "$TEND")
TEND_BUILD=$(bench_buildtype "$(dirname "$TEND")" 2>/dev/null) || TEND_BUILD="?"
TEND_BUILD="meson buildtype $TEND_BUILD"

if [ $QUICK = 1 ]; then
	REPS=1
	IDLE_S=5
else
	REPS=3
	IDLE_S=10
fi
SIZES=(100 1000)
IDLE_N=100
SHUT_N=20
SHUT_MS=300
read -ra SUPS <<<"${BENCH_ONLY:-tend runit s6 supervisord}"

bench_need gcc python3 runsvdir runsv s6-svscan s6-supervise s6-svscanctl supervisord
[ "$(id -u)" = 0 ] || bench_die "run as root (1,000 services, rlimits)"

bench_setup tend-bench
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# Supervision trees of 1,000 services need more than 1,024 descriptors
# (supervisord: three pipes per program); every supervisor gets the same.
ulimit -n "$(ulimit -Hn)"

# ---- configurations: conf_SUP DIR N ARGS ----------------------------------

conf_tend() {
	local dir=$1 n=$2 args=$3 i
	{
		for i in $(seq "$n"); do
			echo "service s$i { command = \"$BSVC$args\" stop-timeout = 5 }"
		done
	} >"$dir/tend.conf"
}

# One service directory per service, a run script that execs the command.
conf_runit() {
	local dir=$1 n=$2 args=$3 i
	mkdir "$dir/service"
	for i in $(seq "$n"); do
		mkdir "$dir/service/s$i"
		printf '#!/bin/sh\nexec %s%s\n' "$BSVC" "$args" >"$dir/service/s$i/run"
		chmod 755 "$dir/service/s$i/run"
	done
	# runsvdir does not scan a directory changed within the current second
	# (it waits for the next one); a real service directory is older.
	touch -d '-1 min' "$dir/service"
}

conf_s6() {
	local dir=$1 n=$2 args=$3 i
	mkdir "$dir/scan"
	for i in $(seq "$n"); do
		mkdir "$dir/scan/s$i"
		printf '#!/bin/sh\nexec %s%s\n' "$BSVC" "$args" >"$dir/scan/s$i/run"
		chmod 755 "$dir/scan/s$i/run"
	done
}

conf_supervisord() {
	local dir=$1 n=$2 args=$3 i
	{
		cat <<EOF
[supervisord]
nodaemon=true
logfile=/dev/stdout
logfile_maxbytes=0
pidfile=$dir/supervisord.pid
childlogdir=$dir
minfds=$((n * 4 + 1024))

EOF
		for i in $(seq "$n"); do
			cat <<EOF
[program:s$i]
command=$BSVC$args
startsecs=0
autorestart=true
stopwaitsecs=5
redirect_stderr=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0

EOF
		done
	} >"$dir/supervisord.conf"
}

# ---- how each is started and stopped ---------------------------------------

# cmd_SUP DIR N: sets CMD to the supervisor's command line.
cmd_tend() { CMD=("$TEND" -c "$1/tend.conf"); }
# runsvdir -P (each runsv in its own session), as runit's stage 2 runs it.
cmd_runit() { CMD=(runsvdir -P "$1/service"); }
# s6-svscan(8): -c max, "maintain services for up to max service
# directories", default 500: raised to the number of services.
cmd_s6() { CMD=(s6-svscan -c "$2" "$1/scan"); }
cmd_supervisord() { CMD=(supervisord -c "$1/supervisord.conf"); }

# stop_SUP DIR PID: the documented request to stop everything.
stop_tend() { kill -TERM "$2"; }
# runsvdir(8): HUP sends TERM to every runsv (each then stops its service
# and exits) and runsvdir exits; TERM would leave everything running.
stop_runit() { kill -HUP "$2"; }
# s6-svscanctl(8): -t, as SIGTERM to s6-svscan: bring every service down,
# wait for the s6-supervise processes, exit.
stop_s6() { s6-svscanctl -t "$1/scan"; }
stop_supervisord() { kill -TERM "$2"; }

# ---- one supervisor run ----------------------------------------------------

# launch SUP N ARGS: writes the config, starts the supervisor under a probe
# reaper; sets DIR, REAPER, SPID (the supervisor) and T0 (its start).
launch() {
	local sup=$1 n=$2 args=$3 i
	DIR=$(mktemp -d "$WORK/$sup.XXXX")
	"conf_$sup" "$DIR" "$n" "$args"
	"cmd_$sup" "$DIR" "$n"
	(cd "$DIR" && exec "$WORK/probe" run "$DIR/pid" "${CMD[@]}" \
		>"$DIR/log" 2>&1 </dev/null) &
	REAPER=$!
	REAPERS+=("$REAPER")
	for i in $(seq 500); do
		[ -s "$DIR/pid" ] && break
		sleep 0.01
	done
	[ -s "$DIR/pid" ] || bench_die "$sup: probe did not start"
	read -r SPID T0 <"$DIR/pid"
}

# finish: stops what launch started (SIGKILL to the whole tree).
finish() {
	bench_cleanup
}

fail_run() {
	echo "--- last lines of $1's log:" >&2
	tail -n 20 "$DIR/log" >&2 || true
	bench_die "$1: $2"
}

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }

# waitrun SUP N DEADLINE: seconds from launch until N services run.
waitrun() {
	local t
	t=$("$WORK/probe" wait "$SPID" bsvc "$2" "$3") || fail_run "$1" "$2 services not running within $3 s"
	python3 -c "print(f'{$t - $T0:.6f}')"
}

# Start time and memory for N services; with N = IDLE_N also idle cost.
run_start() {
	local sup=$1 n=$2 s mem a b c deadline
	deadline=$((n / 10 + 30))
	launch "$sup" "$n" ""
	s=$(waitrun "$sup" "$n" "$deadline")
	record "$sup" "start_$n" "$s"
	sleep 1
	mem=$("$WORK/probe" mem "$SPID" bsvc) || fail_run "$sup" "memory"
	read -r a b c <<<"$mem"
	record "$sup" "nproc_$n" "$a"
	record "$sup" "pss_$n" "$b"
	record "$sup" "rss_$n" "$c"
	[ "$("$WORK/probe" count "$SPID" bsvc)" = "$n" ] || fail_run "$sup" "services restarted or died"
	if [ "$n" = "$IDLE_N" ]; then
		a=$("$WORK/probe" cpu "$SPID" bsvc) || fail_run "$sup" "cpu"
		sleep "$IDLE_S"
		b=$("$WORK/probe" cpu "$SPID" bsvc) || fail_run "$sup" "cpu"
		python3 - "$sup" "$a" "$b" >>"$RESULTS" <<'PY'
import os, sys
sup, a, b = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
a = [int(x) for x in a]; b = [int(x) for x in b]
tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
d = [y - x for x, y in zip(a, b)]
for key, v in (("idle_cpu_ms", d[0] / 1e6), ("idle_wakeups", d[1]),
               ("idle_ctxt", d[2]), ("idle_ticks_ms", d[3] * tick_ms),
               ("idle_helpers", b[4]), ("idle_h_cpu_ms", d[5] / 1e6),
               ("idle_h_wakeups", d[6]), ("idle_h_ctxt", d[7]),
               ("idle_h_ticks_ms", d[8] * tick_ms)):
    print(f"{sup}\t{key}\t{v}")
PY
		[ "$("$WORK/probe" count "$SPID" bsvc)" = "$n" ] || fail_run "$sup" "services restarted or died while idle"
	fi
	finish
	bench_note "$sup: $n services started in $(printf '%.3f' "$s") s, tree $(echo "$mem" | awk '{print $1 " processes, PSS " $2 " kB"}')"
}

# Shutdown of SHUT_N services that exit SHUT_MS after TERM: from the stop
# request until the supervisor exited and every process under it is gone
# (the probe reaper's exit).
run_shutdown() {
	local sup=$1 t_stop t_end i s
	launch "$sup" "$SHUT_N" " $SHUT_MS"
	waitrun "$sup" "$SHUT_N" 30 >/dev/null
	# runsv waits a second after a service that ran for less than a second
	# exits, even on the way down: stop services that have been up a while.
	sleep 2
	t_stop=$EPOCHREALTIME
	"stop_$sup" "$DIR" "$SPID"
	for i in $(seq 1500); do
		kill -0 "$REAPER" 2>/dev/null || break
		[ -s "$DIR/pid.end" ] && break
		sleep 0.02
	done
	[ -s "$DIR/pid.end" ] || fail_run "$sup" "not stopped 30 s after the stop request"
	wait "$REAPER" || true
	read -r t_end <"$DIR/pid.end"
	s=$(python3 -c "print(f'{$t_end - $t_stop:.6f}')")
	record "$sup" "shutdown_$SHUT_N" "$s"
	finish
	bench_note "$sup: $SHUT_N services stopped in $(printf '%.3f' "$s") s"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq "$REPS"); do
	for sup in "${SUPS[@]}"; do
		bench_note "round $rep/$REPS: $sup"
		for n in "${SIZES[@]}"; do
			run_start "$sup" "$n"
		done
		run_shutdown "$sup"
	done
done

# ---- the report --------------------------------------------------------------

versions=""
for p in runit s6 supervisor; do
	v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) || v="not from a Debian package"
	versions+=", $p $v"
done
echo "$("$TEND" -V 2>&1 | head -n 1) ($TEND_BUILD) against${versions#,} (Debian packages)."
echo "Load average (1, 5, 15 min) before: $LOAD0; after: $(cut -d' ' -f1-3 /proc/loadavg)."
echo

python3 - "$RESULTS" "$REPS" "$IDLE_S" "${SUPS[@]}" <<'PY'
import statistics, sys
from collections import defaultdict

path, reps, idle, sups = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
vals = defaultdict(list)
for line in open(path):
    sup, key, v = line.rstrip("\n").split("\t")
    vals[(sup, key)].append(float(v))

def med(sup, key):
    v = vals.get((sup, key))
    if not v:
        raise SystemExit(f"bench: FAILED: no value for {sup} {key}")
    return statistics.median(v)

def num(v, unit):
    if unit == "s":
        return f"{v * 1000:,.0f} ms" if v < 10 else f"{v:,.1f} s"
    if unit == "kB":
        return f"{v / 1024:,.1f} MiB" if v >= 10240 else f"{v:,.0f} KiB"
    if unit == "ms":
        return f"{v:,.1f} ms" if v < 100 else f"{v:,.0f} ms"
    return f"{v:,.0f}"

def ratio(r, t):
    if t == 0:
        return "" if r == 0 else " (tend: 0)"
    x = r / t
    return f" (×{x:.2f})" if x < 10 else f" (×{x:,.0f})"

rows = [
    ("start 100 services, until all run", "start_100", "s"),
    ("start 1,000 services, until all run", "start_1000", "s"),
    ("tree PSS, 100 services", "pss_100", "kB"),
    ("tree PSS, 1,000 services", "pss_1000", "kB"),
    ("tree RSS sum, 1,000 services", "rss_1000", "kB"),
    ("processes in the tree, 1,000 services", "nproc_1000", ""),
    ("shutdown of 20 services that exit 300 ms after TERM", "shutdown_20", "s"),
    (f"idle {idle} s, 100 services: main process wakeups", "idle_wakeups", ""),
    (f"idle {idle} s: main process context switches", "idle_ctxt", ""),
    (f"idle {idle} s: main process CPU (schedstat)", "idle_cpu_ms", "ms"),
    (f"idle {idle} s: main process utime+stime", "idle_ticks_ms", "ms"),
    (f"idle {idle} s: helpers' wakeups (runsv / s6-supervise)", "idle_h_wakeups", ""),
    (f"idle {idle} s: helpers' CPU (schedstat)", "idle_h_cpu_ms", "ms"),
]
no_ratio = ("nproc_1000",)
print("| metric | " + " | ".join(sups) + " |")
print("|---" * (len(sups) + 1) + "|")
for label, key, unit in rows:
    cells = []
    t = med("tend", key) if "tend" in sups else None
    for s in sups:
        v = med(s, key)
        if key.startswith("idle_h_") and med(s, "idle_helpers") == 0:
            cells.append("— (none)")
            continue
        c = num(v, unit)
        if s != "tend" and t is not None and not key.startswith("idle_h_") \
                and key not in no_ratio:
            c += ratio(v, t)
        cells.append(c)
    print(f"| {label} | " + " | ".join(cells) + " |")
print()
print(f"Medians of {reps} run{'s' if reps > 1 else ''}; (×N) = rival / tend. "
      "Memory: PSS (from /proc/PID/smaps_rollup) of the supervisor and its "
      "own helper processes (runsvdir + one runsv per service; s6-svscan + "
      "one s6-supervise per service), service processes excluded. Wakeups: "
      "timeslices (third field of /proc/PID/task/*/schedstat, summed over "
      "threads); CPU: run time from the same file (ns), and utime+stime from "
      "/proc/PID/stat (clock ticks).")
if reps > 1:
    print()
    print("Spread (min – max over the runs):")
    print()
    print("| metric | " + " | ".join(sups) + " |")
    print("|---" * (len(sups) + 1) + "|")
    for label, key, unit in rows:
        if key in no_ratio:
            continue
        cells = []
        for s in sups:
            v = vals[(s, key)]
            if key.startswith("idle_h_") and med(s, "idle_helpers") == 0:
                cells.append("—")
            else:
                cells.append(f"{num(min(v), unit)} – {num(max(v), unit)}")
        print(f"| {label} | " + " | ".join(cells) + " |")
PY
