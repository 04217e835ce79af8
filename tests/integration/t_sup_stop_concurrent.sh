#!/bin/bash
# Unrelated services stop concurrently: 20 services that each take 0.3 s to
# exit after TERM are all gone, and tend with them, well within 3 s of the
# SIGTERM to tend (one after the other would take 6 s). tend as PID 1.
. "$(dirname "$0")/lib.sh"

N=20
names=()
for i in $(seq -w 1 $N); do
	names+=("s$i")
done
for s in "${names[@]}"; do
	cat <<CONF
service "$s" {
	command = "$TESTCHILD stamp $T/$s.rec --term-delay 300"
}
CONF
done | write_conf "$T/tend.conf"
start_tend ns -c "$T/tend.conf"
for s in "${names[@]}"; do
	wait_stamps "$T/$s.rec" start 1 20
done

now_ms
t_kill=$NOW_MS
kill -s TERM "$TEND_PID"
wait_exit "$JOB_PID" 20
now_ms
t_end=$NOW_MS
expect_eq "tend's exit status after SIGTERM" 0 "$EXIT_CODE"

first_term='' last_term=0 last_exit=0
for s in "${names[@]}"; do
	stamp_get "$T/$s.rec" TERM || fail "$s got no stop signal"
	t=$STAMP_MS
	[ -z "$first_term" ] || ((t < first_term)) && first_term=$t
	((t > last_term)) && last_term=$t
	stamp_get "$T/$s.rec" exit || fail "$s recorded no exit after its TERM"
	((STAMP_MS - t >= 300)) || fail "$s exited $((STAMP_MS - t)) ms after TERM (it waits 300 ms)"
	((STAMP_MS > last_exit)) && last_exit=$STAMP_MS
done
log "shutdown: tend exited $((t_end - t_kill)) ms after SIGTERM; stop signals spread over $((last_term - first_term)) ms; last service exit $((last_exit - first_term)) ms after the first stop signal"
((t_end - t_kill < 3000)) ||
	fail "tend took $((t_end - t_kill)) ms to stop $N services that each need 300 ms: expected < 3000 ms (concurrent stops)"
((last_term - first_term < 1000)) ||
	fail "the stop signals to $N unrelated services were spread over $((last_term - first_term)) ms: expected them all at once (< 1000 ms)"
pass
