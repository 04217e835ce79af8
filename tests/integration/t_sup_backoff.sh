#!/bin/bash
# A service that keeps crashing is restarted with growing delays:
# restart-delay 0.2 doubles on each consecutive failure, so the pauses
# between one run's exit and the next run's start are about 0.2, 0.4, 0.8
# and 1.6 s, as the service's own stamps show. The delay stops growing at
# restart-delay-max, and a run longer than stable-after resets it. tend as
# PID 1.
. "$(dirname "$0")/lib.sh"

rec=$T/crash.rec
write_conf "$T/tend.conf" <<CONF
service "crash" {
	command = "$TESTCHILD stamp $rec --exit 1"
	restart-delay = 0.2
	restart-delay-max = 10
}
service "stable" {
	command = "$TESTCHILD stamp $T/stable.rec --run 600 --exit 1"
	restart-delay = 0.3
	stable-after = 0.5
}
service "capped" {
	command = "$TESTCHILD stamp $T/capped.rec --exit 1"
	restart-delay = 0.2
	restart-delay-max = 0.4
}
CONF
start_tend ns -c "$T/tend.conf"
wait_stamps "$rec" start 5 20
wait_stamps "$T/stable.rec" start 4 20
wait_stamps "$T/capped.rec" start 6 20

delays=(200 400 800 1600)
prev_gap=0
for i in 1 2 3 4; do
	d=${delays[i - 1]}
	stamp_at "$rec" exit "$i"
	t_exit=$STAMP_MS
	stamp_at "$rec" start "$i"
	t_start=$STAMP_MS
	stamp_at "$rec" start $((i + 1))
	t_next=$STAMP_MS
	pause=$((t_next - t_exit))
	gap=$((t_next - t_start))
	log "restart $i: ${pause} ms after the exit, ${gap} ms after the previous start (restart-delay now ${d} ms)"
	((pause >= d * 9 / 10)) ||
		fail "restart $i came ${pause} ms after the crash: expected >= $((d * 9 / 10)) ms (delay ${d} ms)"
	((gap < d + 1500)) ||
		fail "restart $i came ${gap} ms after the previous start: expected < $((d + 1500)) ms (delay ${d} ms)"
	((gap > prev_gap)) ||
		fail "the gap before restart $i (${gap} ms) is not longer than the one before (${prev_gap} ms): the delays do not grow"
	prev_gap=$gap
done
# pause FILE N: sets PAUSE to the ms between the Nth exit and the next start.
pause() {
	stamp_at "$1" exit "$2"
	PAUSE=$STAMP_MS
	stamp_at "$1" start $(($2 + 1))
	PAUSE=$((STAMP_MS - PAUSE))
}
# Runs of 0.6 s, longer than stable-after: the delay stays 0.3 s (it would
# be 0.6, then 1.2 s without the reset).
for i in 1 2 3; do
	pause "$T/stable.rec" "$i"
	log "stable: restart $i ${PAUSE} ms after the exit (restart-delay 300 ms, runs longer than stable-after)"
	((PAUSE >= 270)) || fail "stable: restart $i came ${PAUSE} ms after the exit: expected >= 270 ms"
	((PAUSE < 900)) ||
		fail "stable: restart $i came ${PAUSE} ms after the exit: expected about 300 ms (each run outlasts stable-after = 0.5, which resets the backoff)"
done
# 0.2, 0.4, then capped at 0.4 s (uncapped: 0.8, 1.6, 3.2 s).
for i in 3 4 5; do
	pause "$T/capped.rec" "$i"
	log "capped: restart $i ${PAUSE} ms after the exit (restart-delay-max 400 ms)"
	((PAUSE >= 360)) || fail "capped: restart $i came ${PAUSE} ms after the exit: expected >= 360 ms"
	((PAUSE < 1000)) ||
		fail "capped: restart $i came ${PAUSE} ms after the exit: expected about 400 ms (restart-delay-max = 0.4)"
done
log "$(grep -c 'restart in' "$ERR") backoff lines in tend's log, e.g.: $(grep -m 1 'restart in' "$ERR")"

# Restarts are suspended from the stop request on: nothing starts after it.
now_ms
t_kill=$NOW_MS
term_tend 15
stamp_at "$rec" start -1
((STAMP_MS <= t_kill)) || fail "crash started again $((STAMP_MS - t_kill)) ms after the SIGTERM to tend"
pass
