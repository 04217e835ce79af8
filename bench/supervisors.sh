#!/usr/bin/env bash
# tend side by side with runit, s6 and supervisord (all from Debian) and the
# floor (bench/floor.c), in one run: start time of 100 and 1,000 services,
# the supervision tree's memory, restart latency (kill -9 a service: time
# until its new process runs), the shutdown of 20 services that take 300 ms
# to stop, and idle wakeups and CPU over 10 s (--quick: 5 s) with 100
# services. Prints raw samples on stdout, one per line, as
# "METRIC<TAB>SUPERVISOR<TAB>VALUE" (bench/report.py turns them into the
# table), progress on stderr. Start times are measured 3 times (--quick:
# once), interleaved; fails (exit 1) when a measurement cannot be made. How
# each supervisor is set up and why: bench/README.md.
#
# usage: bench/supervisors.sh [--quick] [TEND_BINARY]
#   TEND_BINARY defaults to build-bench/tend (built by scripts/bench).
#   BENCH_ONLY="tend runit" limits the supervisors (floor tend runit s6 supervisord).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

bench_args "$ROOT/build-bench/tend" "$@"

if [ $QUICK = 1 ]; then
	REPS=1
	IDLE_S=5
	RESTARTS=5
else
	REPS=3
	IDLE_S=10
	RESTARTS=20
fi
SIZES=(100 1000)
IDLE_N=100
SHUT_N=20
SHUT_MS=300
read -ra SUPS <<<"${BENCH_ONLY:-floor tend runit s6 supervisord}"

bench_need gcc python3 runsvdir runsv s6-svscan s6-supervise s6-svscanctl supervisord
[ "$(id -u)" = 0 ] || bench_die "run as root (1,000 services, rlimits)"

bench_setup tend-bench
bench_compile floor floor.c
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# Supervision trees of 1,000 services need more than 1,024 descriptors
# (supervisord: three pipes per program); every supervisor gets the same.
ulimit -n "$(ulimit -Hn)"

# ---- how each is started and stopped ---------------------------------------
# (configured by conf_SUP DIR N ARGS, in bench/lib.sh)

# cmd_SUP DIR N: sets CMD to the supervisor's command line.
cmd_floor() { CMD=("$WORK/floor" -f "$1/floor.services"); }
cmd_tend() { CMD=("$TEND" -c "$1/tend.conf"); }
# runsvdir -P (each runsv in its own session), as runit's stage 2 runs it.
cmd_runit() { CMD=(runsvdir -P "$1/service"); }
# s6-svscan(8): -c max, "maintain services for up to max service
# directories", default 500: raised to the number of services.
cmd_s6() { CMD=(s6-svscan -c "$2" "$1/scan"); }
cmd_supervisord() { CMD=(supervisord -c "$1/supervisord.conf"); }

# stop_SUP DIR PID: the documented request to stop everything.
stop_floor() { kill -TERM "$2"; }
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
	local sup=$1 n=$2 args=$3
	DIR=$(mktemp -d "$WORK/$sup.XXXX")
	"conf_$sup" "$DIR" "$n" "${args//%d/$DIR}"
	"cmd_$sup" "$DIR" "$n"
	bench_start "$sup" "$DIR" "${CMD[@]}"
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

record() { printf '%s\t%s\t%s\n' "svc.$2" "$1" "$3" >>"$RESULTS"; }

# waitrun SUP N DEADLINE: seconds from launch until N services run.
waitrun() {
	local t
	t=$("$WORK/probe" wait "$SPID" bsvc "$2" "$3") || fail_run "$1" "$2 services not running within $3 s"
	python3 -c "print(f'{$t - $T0:.6f}')"
}

# Start time of N services; with MEM=1 also the tree's memory a second
# after the last one started.
run_start() {
	local sup=$1 n=$2 s mem a b c deadline
	deadline=$((n / 10 + 30))
	launch "$sup" "$n" ""
	s=$(waitrun "$sup" "$n" "$deadline")
	record "$sup" "start_${n}_s" "$s"
	mem=""
	if [ "$MEM" = 1 ]; then
		sleep 1
		mem=$("$WORK/probe" mem "$SPID" bsvc) || fail_run "$sup" "memory"
		read -r a b c <<<"$mem"
		record "$sup" "nproc_$n" "$a"
		record "$sup" "pss_${n}_kb" "$b"
		record "$sup" "rss_${n}_kb" "$c"
		mem=", tree $a processes, PSS $b kB"
	fi
	[ "$("$WORK/probe" count "$SPID" bsvc)" = "$n" ] || fail_run "$sup" "services restarted or died"
	finish
	bench_note "$sup: $n services started in $(printf '%.3f' "$s") s$mem"
}

# Idle cost of every supervisor at once, each with IDLE_N services (they
# sleep: running them side by side changes nothing), from a second after
# the last one started, over IDLE_S seconds.
run_idle() {
	local sup i spids=() dirs=() a=() b=()
	for sup in "${SUPS[@]}"; do
		launch "$sup" "$IDLE_N" ""
		waitrun "$sup" "$IDLE_N" 40 >/dev/null
		spids+=("$SPID")
		dirs+=("$DIR")
	done
	sleep 1
	for i in "${!SUPS[@]}"; do
		a[i]=$("$WORK/probe" cpu "${spids[i]}" bsvc) || bench_die "${SUPS[i]}: cpu"
	done
	sleep "$IDLE_S"
	for i in "${!SUPS[@]}"; do
		b[i]=$("$WORK/probe" cpu "${spids[i]}" bsvc) || bench_die "${SUPS[i]}: cpu"
		[ "$("$WORK/probe" count "${spids[i]}" bsvc)" = "$IDLE_N" ] ||
			bench_die "${SUPS[i]}: services restarted or died while idle"
	done
	for i in "${!SUPS[@]}"; do
		python3 - "${SUPS[i]}" "${a[i]}" "${b[i]}" >>"$RESULTS" <<'PY'
import sys
sup, a, b = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
a = [int(x) for x in a]; b = [int(x) for x in b]
# RUN_NS SLICES CTXT TICKS HN HRUN_NS HSLICES HCTXT HTICKS (probe cpu)
d = [y - x for x, y in zip(a, b)]
for key, v in (("idle_wakeups", d[1] + d[6]), ("idle_cpu_ms", (d[0] + d[5]) / 1e6),
               ("idle_main_wakeups", d[1]), ("idle_main_cpu_ms", d[0] / 1e6),
               ("idle_helpers", b[4])):
    print(f"svc.{key}\t{sup}\t{v}")
PY
	done
	finish
	bench_note "idle $IDLE_S s: $(awk -F'\t' '$1 == "svc.idle_wakeups" {printf "%s %s wakeups; ", $2, $3}' "$RESULTS")"
}

# Restart latency: RESTARTS services (each writes its pid and start time
# to a file of its own when it starts), all running for over a second
# (runsv and s6-supervise wait before restarting a service that ran for
# less), are SIGKILLed one after the other, 0.2 to 0.5 s apart (random, a
# fixed seed), whether the last one is back yet or not: so the kills fall
# at every point of a supervisor's periodic loop (supervisord restarts a
# program one or two turns of its 1 s loop after its exit). For each, the
# time from the kill until its new process started. METRIC: restart_ms, or
# restart0_ms for tend with restart-delay = 0.
run_restart() {
	local sup=$1 metric=$2
	launch "$sup" "$RESTARTS" " -r %d/r.%i"
	waitrun "$sup" "$RESTARTS" 30 >/dev/null
	sleep 1.2
	python3 - "$sup" "$metric" "$DIR" "$RESTARTS" >>"$RESULTS" <<'PY' || fail_run "$sup" "restart"
import os, random, signal, sys, time
sup, metric, d, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
who = "tend" if sup == "tend0" else sup
rng = random.Random(1)

def runs(i):
    with open(f"{d}/r.{i}") as f:
        return [l.split() for l in f.read().splitlines()]

pending = {}  # service -> (runs before the kill, time of the kill)
nxt, at = 1, time.monotonic()
end = at + n * 0.5 + 15
while nxt <= n or pending:
    now = time.monotonic()
    if nxt <= n and now >= at:
        before = runs(nxt)
        t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        os.kill(int(before[-1][0]), signal.SIGKILL)
        pending[nxt] = (len(before), t0)
        nxt += 1
        at = now + rng.uniform(0.2, 0.5)
    for i, (k, t0) in list(pending.items()):
        r = runs(i)
        if len(r) > k:
            print(f"svc.{metric}\t{who}\t{(int(r[k][1]) - t0) / 1e6:.3f}")
            del pending[i]
    if now > end:
        sys.exit(f"{sup}: services {sorted(pending)} not restarted in time")
    time.sleep(0.0005)
PY
	finish
	bench_note "$sup: $RESTARTS restarts, median $(awk -F'\t' -v m="svc.$metric" -v w="${sup%0}" \
		'$1 == m && $2 == w {print $3}' "$RESULTS" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}') ms"
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
	sleep 1.2
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
	record "$sup" "shutdown_s" "$s"
	finish
	bench_note "$sup: $SHUT_N services stopped in $(printf '%.3f' "$s") s"
}

# tend with restart-delay = 0 (its default, 0.5 s, is a deliberate pause).
conf_tend0() { TEND_EXTRA=" restart-delay = 0" conf_tend "$@"; }
cmd_tend0() { cmd_tend "$@"; }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq "$REPS"); do
	MEM=0
	[ "$rep" = 1 ] && MEM=1
	for sup in "${SUPS[@]}"; do
		bench_note "start, round $rep/$REPS: $sup"
		for n in "${SIZES[@]}"; do
			run_start "$sup" "$n"
		done
	done
done
run_idle
for sup in "${SUPS[@]}"; do
	run_restart "$sup" restart_ms
	[ "$sup" = tend ] && run_restart tend0 restart0_ms
done
for sup in "${SUPS[@]}"; do
	run_shutdown "$sup"
done

cat "$RESULTS"
printf 'info\tsvc.load\tbefore: %s; after: %s\n' "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'info\tsvc.idle_s\t%s\n' "$IDLE_S"
printf 'info\tsvc.restart_n\t%s\n' "$RESTARTS"
printf 'info\tsvc.reps\t%s\n' "$REPS"
