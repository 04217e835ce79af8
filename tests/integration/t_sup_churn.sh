#!/bin/bash
# 1,000 kill-and-restart cycles: a service with no restart delay is killed
# with SIGKILL as soon as each new run has started. Afterwards tend holds
# the same fds as before, its memory has not grown (RSS), no zombie is
# left, and it still answers: SIGTERM makes it exit 0 at once. tend as
# PID 1; the kills come from inside its namespace (nsenter), the pids of
# the runs through a fifo. TEND_CHURN_CYCLES overrides the count.
. "$(dirname "$0")/lib.sh"

CYCLES=${TEND_CHURN_CYCLES:-1000}
WARMUP=50
KILL=$(type -P kill) || fail "no kill program"
command -v nsenter >/dev/null || fail "no nsenter"

# Each run writes its start line into the fifo, which this shell holds open
# for reading and writing: the runs never block, a read waits for the next.
fifo=$T/churn.fifo
mkfifo "$fifo"
exec {rfd}<>"$fifo"
write_conf "$T/tend.conf" <<CONF
service "churn" {
	command = "$TESTCHILD stamp $fifo"
	restart-delay = 0
	restart-delay-max = 0
}
CONF
# Under AddressSanitizer, freed blocks wait in a quarantine, whose growth
# would read as a leak here; leaks are LeakSanitizer's business at tend's
# exit (the exit status 0 below).
if grep -qa __asan_init "$TEND"; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
	log "tend is built with AddressSanitizer: ASAN_OPTIONS=$ASAN_OPTIONS"
fi
# Without the fifo (nor anything else beyond 0-2): tend's fds are its own.
TEND_WRAP=("$TESTCHILD" closefds)
start_tend ns -c "$T/tend.conf"

# next_start: sets NSPID to the pid of the next run, from its start line.
next_start() {
	local k p
	while IFS=' ' read -r -t "$(_scale 10)" k p _ <&"$rfd"; do
		if [ "$k" = start ]; then
			NSPID=$p
			return 0
		fi
	done
	fail "no new run of churn within $(_scale 10) s (cycle $i; last pid $NSPID)"
}

rss() { status_field "$TEND_PID" VmRSS | sed 's/ kB$//'; }

i=0
NSPID=
next_start
# cycle: kill the current run, wait for the next one.
cycle() {
	local old=$NSPID
	nsenter -t "$TEND_PID" -p "$KILL" -KILL "$NSPID" ||
		fail "cannot kill churn's pid $NSPID in tend's namespace (cycle $i)"
	next_start
	[ "$NSPID" != "$old" ] || fail "churn's new run has the old pid $old (cycle $i)"
}
for ((i = 1; i <= WARMUP; i++)); do
	cycle
done
fds0=$(fd_list "$TEND_PID")
rss0=$(rss)
now_ms
t0=$NOW_MS
for ((i = 1; i <= CYCLES; i++)); do
	cycle
done
now_ms
t1=$NOW_MS

same_fds() { [ "$(fd_list "$TEND_PID")" = "$fds0" ]; }
WAIT_WHY="tend's fds back to '$fds0' (now '$(fd_list "$TEND_PID")')" wait_for 5 same_fds
rss1=$(rss)
log "$CYCLES cycles in $((t1 - t0)) ms; tend's fds: $fds0; VmRSS ${rss0} kB -> ${rss1} kB"
((rss1 - rss0 < 200)) ||
	fail "tend's VmRSS grew by $((rss1 - rss0)) kB over $CYCLES restarts (${rss0} -> ${rss1} kB): expected < 200 kB"
WAIT_WHY="no zombie under tend" wait_for 5 no_zombies_under "$TEND_PID"
n=$(grep -c "service churn: pid [0-9]* killed by SIGKILL" "$ERR")
((n >= CYCLES + WARMUP)) ||
	fail "tend's log has $n 'killed by SIGKILL' lines for churn: expected $((CYCLES + WARMUP))"

now_ms
t_kill=$NOW_MS
kill -s TERM "$TEND_PID"
wait_exit "$JOB_PID" 15
now_ms
expect_eq "tend's exit status after SIGTERM" 0 "$EXIT_CODE"
((NOW_MS - t_kill < 3000)) ||
	fail "tend took $((NOW_MS - t_kill)) ms to exit after SIGTERM: expected < 3000 ms"
pass
