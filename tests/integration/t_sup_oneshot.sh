#!/bin/bash
# A oneshot gates its dependents: "app" starts only after "init" (0.5 s of
# work) exited with 0; "blocked" never starts, because the oneshot it
# depends on exits with 1. tend as PID 1.
. "$(dirname "$0")/lib.sh"

write_conf "$T/tend.conf" <<CONF
service "init" {
	type = oneshot
	command = "$TESTCHILD stamp $T/init.rec --run 500 --exit 0"
}
service "app" {
	command = "$TESTCHILD stamp $T/app.rec"
	depends = {"init"}
}
service "bad" {
	type = oneshot
	command = "$TESTCHILD stamp $T/bad.rec --run 300 --exit 1"
}
service "blocked" {
	command = "$TESTCHILD stamp $T/blocked.rec"
	depends = {"bad"}
}
CONF
start_tend ns -c "$T/tend.conf"
wait_stamps "$T/app.rec" start 1 15
stamp_at "$T/init.rec" start
init_start=$STAMP_MS
stamp_at "$T/init.rec" exit
init_exit=$STAMP_MS
expect_eq "init's exit code" 0 "$STAMP_ARG"
stamp_at "$T/app.rec" start
app_start=$STAMP_MS
log "init ran from +0 to +$((init_exit - init_start)) ms, app started at +$((app_start - init_start)) ms"
((app_start >= init_exit)) ||
	fail "app started $((init_exit - app_start)) ms before init (its oneshot dependency) exited"

wait_stamps "$T/bad.rec" exit 1 15
not_started() { [ ! -e "$T/blocked.rec" ]; }
holds 1000 "blocked started although the oneshot it depends on exited with 1" not_started
alive "$TEND_PID" || fail "tend ended while app still runs"
stamp_count "$T/init.rec" start
expect_eq "runs of init (a oneshot done with 0)" 1 "$STAMP_N"
stamp_count "$T/bad.rec" start
expect_eq "runs of bad (a oneshot, restart never)" 1 "$STAMP_N"

term_tend 15
wait_stamps "$T/app.rec" TERM 1 1
not_started || fail "blocked started during the shutdown"
pass
