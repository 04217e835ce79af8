#!/bin/bash
# shutdown-timeout caps the whole shutdown: with shutdown-timeout = 2, a
# service that ignores TERM and has stop-timeout = 30 is killed and tend
# exits about 2 s after the SIGTERM, not 30 s. tend as PID 1.
. "$(dirname "$0")/lib.sh"

rec=$T/stubborn.rec
write_conf "$T/tend.conf" <<CONF
shutdown-timeout = 2
service "stubborn" {
	command = "$TESTCHILD stamp $rec --ignore-term"
	stop-timeout = 30
}
CONF
start_tend ns -c "$T/tend.conf"
wait_stamps "$rec" start 1 15
stamp_at "$rec" start
svc_pid "$STAMP_PID"
pid=$SVC_PID

now_ms
t_kill=$NOW_MS
kill -s TERM "$TEND_PID"
wait_exit "$JOB_PID" 40
now_ms
t_end=$NOW_MS
log "tend exited $((t_end - t_kill)) ms after SIGTERM"
((t_end - t_kill >= 1800)) ||
	fail "tend exited $((t_end - t_kill)) ms after SIGTERM: expected >= 1800 ms (the service ignores TERM until shutdown-timeout = 2)"
((t_end - t_kill < 4000)) ||
	fail "tend exited $((t_end - t_kill)) ms after SIGTERM: expected < 4000 ms (shutdown-timeout = 2)"
expect_eq "tend's exit status after SIGTERM" 0 "$EXIT_CODE"
stamp_get "$rec" TERM || fail "stubborn got no stop signal"
if stamp_get "$rec" exit; then
	fail "stubborn recorded an exit: it should have been killed by SIGKILL"
fi
not_alive "$pid" || fail "stubborn (pid $pid) survived tend"
pass
