#!/usr/bin/env bash
# The PID-1 job: tend (static) against tini-static, dumb-init and catatonit
# (Debian packages) and the floor (bench/floor.c), each as PID 1 of a new
# PID namespace running one command: exec latency, orphans reaped per
# second, signal forwarding latency, memory and idle wakeups, and the size
# of the binary. Measured by bench/pid1.c (how: its header and
# bench/README.md). Prints raw samples on stdout, one per line, as
# "METRIC<TAB>INIT<TAB>VALUE" (bench/report.py turns them into the table),
# progress on stderr; fails (exit 1) when a measurement cannot be made.
#
# usage: bench/pid1.sh [--quick] [STATIC_TEND]
#   STATIC_TEND defaults to build-bench-static/tend (built by scripts/bench).
#   BENCH_ONLY="floor tend" limits the inits (floor tend tini dumb-init catatonit).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

bench_args "$ROOT/build-bench-static/tend" "$@"

# Rounds × runs per round of each init, interleaved (init A's runs, then
# B's, ..., then again), so that a noisy moment does not fall on one init.
if [ $QUICK = 1 ]; then
	EXEC=(3 20)
	SIGNALS=(2 100)
	ORPHANS=(1 4)
	IDLE_S=5
else
	EXEC=(10 30)
	SIGNALS=(5 200)
	ORPHANS=(3 4)
	IDLE_S=10
fi
# Zombies handed to the init at once: well under pid_max (32,768 by default)
# even with the rest of the machine's processes.
NORPHANS=4000
read -ra WHO <<<"${BENCH_ONLY:-floor tend tini dumb-init catatonit}"

bench_need gcc unshare tini-static dumb-init catatonit
[ "$(id -u)" = 0 ] || bench_die "run as root (PID namespaces)"

bench_setup tend-benchpid1
bench_compile bpid1 pid1.c
bench_compile floor floor.c
strip -o "$WORK/tend" "$TEND"
# bpid1's FIFOs go there too, and with it when the script ends.
export TMPDIR=$WORK

# init_argv WHO: sets INIT to the init's command line, the command to run
# following it. Each as its own documentation runs a container's command.
init_argv() {
	case $1 in
	floor) INIT=("$WORK/floor" -1 --) ;;
	tend) INIT=("$WORK/tend" --) ;;
	tini) INIT=("$(command -v tini-static)" --) ;;
	# dumb-init's default: the command in a new session, signals to its group.
	dumb-init) INIT=("$(command -v dumb-init)") ;;
	catatonit) INIT=("$(command -v catatonit)" --) ;;
	*) bench_die "unknown init $1" ;;
	esac
}

# measure WHO KIND ARGS...: one bpid1 run; its samples, tagged, to stdout.
measure() {
	local who=$1 kind=$2 out
	shift 2
	init_argv "$who"
	out=$("$WORK/bpid1" "$kind" "$@" -- "${INIT[@]}") ||
		bench_die "$who: bpid1 $kind failed"
	[ -n "$out" ] || bench_die "$who: bpid1 $kind measured nothing"
	awk -F'\t' -v who="$who" '{print "pid1." $1 "\t" who "\t" $2}' <<<"$out"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for w in "${WHO[@]}"; do
	init_argv "$w"
	printf 'pid1.binary_bytes\t%s\t%s\n' "$w" "$(stat -L -c %s "${INIT[0]}")"
done

bench_note "PID 1: memory and idle wakeups over $IDLE_S s (all inits at once)"
pids=()
for w in "${WHO[@]}"; do
	measure "$w" idle "$IDLE_S" >"$WORK/idle.$w" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || bench_die "the idle measurement failed"
done
for w in "${WHO[@]}"; do
	cat "$WORK/idle.$w"
done

# rounds ROUNDS RUNS KIND [ARG...]: ROUNDS rounds, each a measure of KIND
# (RUNS runs, then ARGs) of every init in turn.
rounds() {
	local n=$1 runs=$2 kind=$3 w
	shift 3
	for _ in $(seq "$n"); do
		for w in "${WHO[@]}"; do
			measure "$w" "$kind" "$runs" "$@"
		done
	done
}

bench_note "PID 1: exec latency, ${EXEC[0]} × ${EXEC[1]} runs of each"
rounds "${EXEC[@]}" exec
bench_note "PID 1: signal forwarding, ${SIGNALS[0]} × ${SIGNALS[1]} signals to each"
rounds "${SIGNALS[@]}" signals
bench_note "PID 1: $NORPHANS orphans at once, ${ORPHANS[0]} × ${ORPHANS[1]} runs of each"
rounds "${ORPHANS[@]}" orphans "$NORPHANS"

printf 'info\tpid1.load\t%s\n' "before: $LOAD0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'info\tpid1.orphans\t%s\n' "$NORPHANS"
printf 'info\tpid1.orphan_runs\t%s\n' "$((ORPHANS[0] * ORPHANS[1]))"
printf 'info\tpid1.idle_s\t%s\n' "$IDLE_S"
for p in tini dumb-init catatonit; do
	printf 'info\tversion.%s\t%s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
done
