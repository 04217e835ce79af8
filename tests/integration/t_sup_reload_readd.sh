#!/bin/bash
# A service removed by one reload and added back by the next while its
# process is still stopping runs once at a time: the new run starts only
# after the old process exited. tend as PID 1.
. "$(dirname "$0")/lib.sh"

conf=$T/tend.conf
slow() { # the service: exits 1.5 s after TERM
	printf 'service "slow" {\n\tcommand = "%s stamp %s --term-delay 1500"\n}\n' \
		"$TESTCHILD" "$T/slow.rec"
}
anchor() {
	printf 'service "anchor" {\n\tcommand = "%s stamp %s"\n}\n' \
		"$TESTCHILD" "$T/anchor.rec"
}
{ anchor; slow; } | write_conf "$conf"
start_tend ns -c "$conf"
wait_stamps "$T/slow.rec" start 1 15
wait_stamps "$T/anchor.rec" start 1 15

anchor | write_conf "$conf"
kill -s HUP "$TEND_PID"
wait_stamps "$T/slow.rec" TERM 1 15
{ anchor; slow; } | write_conf "$conf"
kill -s HUP "$TEND_PID"
wait_stamps "$T/slow.rec" start 2 15
stamp_at "$T/slow.rec" exit 1
exit_ms=$STAMP_MS
stamp_at "$T/slow.rec" start 2
((STAMP_MS >= exit_ms)) ||
	fail "the service added back started at $STAMP_MS, before its old process exited at $exit_ms"
stamp_count "$T/slow.rec" start
expect_eq "runs of slow" 2 "$STAMP_N"

kill -s TERM "$TEND_PID"
wait_exit "$NS_PID" 15
expect_eq "tend's exit code" 0 "$EXIT_CODE"
