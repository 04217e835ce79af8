#!/bin/bash
# -e CODE maps the child's exit code CODE to 0, leaves others alone, and may
# be repeated.
. "$(dirname "$0")/lib.sh"

check() {
	local mode=$1 expected=$2 code=$3
	shift 3
	RUN="$mode-$code-$*" start_tend "$mode" "$@" -- "$TESTCHILD" exit "$code"
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] tend $* -- testchild exit $code" "$expected" "$EXIT_CODE"
}

for mode in ns sub; do
	check "$mode" 0 3 -e 3
	check "$mode" 4 4 -e 3
	check "$mode" 0 3 -e 3 -e 4
	check "$mode" 0 4 -e 3 -e 4
	check "$mode" 5 5 -e 3 -e 4
	check "$mode" 0 0 -e 3
	check "$mode" 0 143 -e 143
done

# A mapped signal death: 128+15 counts as 0 with -e 143.
for mode in ns sub; do
	RUN="$mode-die" start_tend "$mode" -e 143 -- "$TESTCHILD" die TERM
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] tend -e 143 -- testchild die TERM" 0 "$EXIT_CODE"
done
pass
