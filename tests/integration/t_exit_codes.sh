#!/bin/bash
# tend exits with its child's exit code, and with 128+N when the child was
# killed by signal N; as PID 1 of a namespace and as a subreaper.
. "$(dirname "$0")/lib.sh"

check() {
	local mode=$1 expected=$2
	shift 2
	RUN="$mode-$1-$2" start_tend "$mode" -- "$TESTCHILD" "$@"
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] exit status of tend for 'testchild $*'" \
		"$expected" "$EXIT_CODE"
}

for mode in ns sub; do
	check "$mode" 0 exit 0
	check "$mode" 3 exit 3
	check "$mode" 255 exit 255
	check "$mode" 137 die KILL
	check "$mode" 143 die TERM
	check "$mode" 129 die HUP
	check "$mode" 138 die USR1
done
pass
