#!/bin/bash
# -p SIG: tend gets SIG when its parent dies, and forwards it like any
# signal. tend's exit status cannot be collected once its parent is gone, so
# the test watches the child's record file and tend's pid.
. "$(dirname "$0")/lib.sh"

# Subreaper mode: an intermediate shell starts tend in the background, writes
# its pid, and exits when the test writes a line to its stdin (a fifo).
mkfifo "$T/go"
exec {GO}<>"$T/go"

run_sub() {
	local label=$1 rec=$T/sub-$1.rec sh_pid
	shift
	rm -f "$T/tend.pid"
	bg bash -c '"$@" </dev/null >"$0.out" 2>"$0.err" & echo $! >"$0.pid"; read -r _; exit 0' \
		"$T/sub-$label" "$TEND" "$@" -- "$TESTCHILD" record "$rec" TERM=5 USR2=0 \
		<"$T/go" {GO}>&-
	sh_pid=$BG_PID
	WAIT_WHY="tend's pid from the intermediate shell" wait_for 10 test -s "$T/sub-$label.pid"
	TEND_PID=$(cat "$T/sub-$label.pid")
	_EXTRA+=("$TEND_PID")
	wait_ready "$rec" 10
	echo go >&"$GO"
	wait_exit "$sh_pid" 10
	expect_eq "[sub/$label] intermediate shell's exit status" 0 "$EXIT_CODE"
	REC=$rec
}

# With -p TERM: the child records TERM and exits 5, tend exits after it.
run_sub p -p TERM
wait_line "$REC" TERM 10
wait_gone "$TEND_PID" 10
alive "$CHILD_PID" && fail "[sub -p] child still running"
expect_eq "[sub -p] signals recorded by the child" TERM "$(record_lines "$REC")"

# -p with a number.
run_sub p15 -p 15
wait_line "$REC" TERM 10
wait_gone "$TEND_PID" 10

# Without -p, the parent's death sends nothing. Sync point: the shell has
# been reaped, so a parent-death signal would already be pending in tend;
# then WINCH through tend: a pending TERM would reach the child first.
run_sub nop
kill -s WINCH "$TEND_PID"
wait_line "$REC" WINCH 10
expect_eq "[sub, no -p] signals recorded by the child" WINCH "$(record_lines "$REC")"
kill -s USR2 "$TEND_PID"
wait_gone "$TEND_PID" 10

# PID 1 of a namespace: unshare is tend's parent; SIGKILL it.
rec=$T/ns.rec
RUN=ns tend_ns -p TERM -- "$TESTCHILD" record "$rec" TERM=5
wait_ready "$rec" 10
_EXTRA+=("$TEND_PID")
kill -KILL "$NS_PID"
wait_exit "$NS_PID" 10
wait_line "$rec" TERM 10
wait_gone "$TEND_PID" 10
expect_eq "[ns -p] signals recorded by the child" TERM "$(record_lines "$rec")"
pass
