#!/bin/bash
# The child's stdin, stdout and stderr are tend's: its output reaches tend's
# stdout/stderr untouched and it reads tend's stdin.
. "$(dirname "$0")/lib.sh"

printf 'line one\nline two\n' >"$T/input"

for mode in ns sub; do
	RUN=$mode-out start_tend "$mode" -- sh -c 'echo hello'
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] exit status" 0 "$EXIT_CODE"
	expect_eq "[$mode] tend's stdout" hello "$(cat "$OUT")"

	RUN=$mode-err start_tend "$mode" -- sh -c 'echo oops >&2; exit 1'
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] exit status" 1 "$EXIT_CODE"
	expect_eq "[$mode] tend's stderr" oops "$(cat "$ERR")"
	expect_eq "[$mode] tend's stdout" "" "$(cat "$OUT")"

	TEND_STDIN=$T/input RUN=$mode-in start_tend "$mode" -- cat
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] exit status of cat" 0 "$EXIT_CODE"
	expect_eq "[$mode] cat's output (tend's stdin passed on)" \
		"$(cat "$T/input")" "$(cat "$OUT")"
done
pass
