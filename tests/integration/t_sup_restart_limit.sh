#!/bin/bash
# restart-limit = 2 allows two restarts in a row: a service that always
# crashes runs exactly 3 times, then never again (failed), while tend keeps
# running and leaves its other service alone. tend as PID 1.
. "$(dirname "$0")/lib.sh"

flaky=$T/flaky.rec
steady=$T/steady.rec
write_conf "$T/tend.conf" <<CONF
service "flaky" {
	command = "$TESTCHILD stamp $flaky --exit 1"
	restart-delay = 0.1
	restart-limit = 2
}
service "steady" {
	command = "$TESTCHILD stamp $steady"
}
CONF
start_tend ns -c "$T/tend.conf"
wait_stamps "$steady" start 1 10
stamp_at "$steady" start
svc_pid "$STAMP_PID"
steady_pid=$SVC_PID
wait_stamps "$flaky" exit 3 20

# A 4th run would come 0.4 s after the 3rd exit (0.1 doubled twice).
at_most_3_runs() {
	stamp_count "$flaky" start
	((STAMP_N <= 3))
}
holds 1500 "flaky started a 4th time (restart-limit = 2: 3 runs)" at_most_3_runs
stamp_count "$flaky" start
expect_eq "runs of flaky" 3 "$STAMP_N"
alive "$TEND_PID" || fail "tend ended after flaky failed"
alive "$steady_pid" || fail "steady (pid $steady_pid) ended after flaky failed"
stamp_count "$steady" start
expect_eq "runs of steady" 1 "$STAMP_N"
stamp_count "$steady" TERM
expect_eq "stop signals steady got" 0 "$STAMP_N"
log_has "service flaky: running -> failed" ||
	fail "no 'service flaky: running -> failed' in tend's log"

term_tend 15
wait_stamps "$steady" TERM 1 1
pass
