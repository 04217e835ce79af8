#!/bin/bash
# A service that ignores TERM is killed (SIGKILL) once its stop-timeout (2 s)
# has passed after its stop signal, and not before. tend as PID 1.
. "$(dirname "$0")/lib.sh"

rec=$T/stubborn.rec
write_conf "$T/tend.conf" <<CONF
shutdown-timeout = 20
service "stubborn" {
	command = "$TESTCHILD stamp $rec --ignore-term"
	stop-timeout = 2
}
CONF
start_tend ns -c "$T/tend.conf"
wait_stamps "$rec" start 1 15
stamp_at "$rec" start
svc_pid "$STAMP_PID"
pid=$SVC_PID
nspid=$STAMP_PID

kill -s TERM "$TEND_PID"
wait_stamps "$rec" TERM 1 10
stamp_at "$rec" TERM
t_term=$STAMP_MS
# Watch it: the kill came after the last time it was seen alive and before
# the first time it was seen gone.
now_ms
deadline=$((NOW_MS + $(_scale 15) * 1000))
last_alive=$NOW_MS
while alive "$pid"; do
	last_alive=$NOW_MS
	now_ms
	((NOW_MS < deadline)) || fail "stubborn (pid $pid) still alive 15 s after its TERM (stop-timeout = 2)"
	_nap
	now_ms
done
now_ms
first_gone=$NOW_MS
log "stubborn: last seen alive $((last_alive - t_term)) ms, first seen gone $((first_gone - t_term)) ms after its TERM"
((first_gone - t_term >= 1800)) ||
	fail "stubborn was gone $((first_gone - t_term)) ms after its TERM: expected >= 1800 ms (stop-timeout = 2)"
((last_alive - t_term >= 1500)) ||
	fail "stubborn was last seen alive $((last_alive - t_term)) ms after its TERM: expected it alive until ~2000 ms (stop-timeout = 2)"
((first_gone - t_term < 4000)) ||
	fail "stubborn was still alive until $((first_gone - t_term)) ms after its TERM: expected SIGKILL at ~2000 ms (stop-timeout = 2)"
if stamp_get "$rec" exit; then
	fail "stubborn recorded an exit: it should have been killed by SIGKILL"
fi
wait_exit "$JOB_PID" 10
expect_eq "tend's exit status after SIGTERM" 0 "$EXIT_CODE"
log_has "service stubborn: pid $nspid killed by SIGKILL" ||
	fail "no 'service stubborn: pid $nspid killed by SIGKILL' in tend's log"
pass
