#!/bin/bash
# The main service through tendctl (both mode): `stop main` ends tend (any
# end of the main service does), with main's exit code; `restart main` is
# refused with exit 2 and changes nothing. tend as PID 1.
. "$(dirname "$0")/lib.sh"

conf=$T/tend.conf
write_conf "$conf" <<EOF2
service "agent" {
	command = "$TESTCHILD stamp $T/agent.rec"
}
EOF2
start_tend ns -c "$conf" -- "$TESTCHILD" record "$T/main.rec" TERM=7
WAIT_WHY="main's ready line" wait_for 15 grep -q '^ready' "$T/main.rec"

"$TENDCTL" -S "$TEND_SOCK" restart main >"$T/restart.out" 2>&1
rc=$?
expect_eq "tendctl restart main" 2 "$rc"
grep -q "cannot be restarted" "$T/restart.out" ||
	fail "no reason given: $(cat "$T/restart.out")"
[ "$(grep -c '^ready' "$T/main.rec")" -eq 1 ] || fail "main was restarted"
grep -qx TERM "$T/main.rec" && fail "main got TERM from a refused restart"

"$TENDCTL" -S "$TEND_SOCK" stop main >"$T/stop.out" 2>&1
wait_exit "$NS_PID" 15
expect_eq "tend's exit code after 'tendctl stop main'" 7 "$EXIT_CODE"
grep -qx TERM "$T/main.rec" || fail "main did not get its stop signal"
wait_stamps "$T/agent.rec" TERM 1 5
