#!/bin/bash
# The command line: usage errors exit 2, --help and --version exit 0, the
# tini options are accepted, and arguments after the command are the
# command's, not tend's.
. "$(dirname "$0")/lib.sh"

unset TEND_CONFIG

# run EXPECTED_STATUS ARGS...: tend ARGS (as a subreaper); sets OUT/ERR.
run() {
	local expected=$1
	shift
	RUN=run$((++NRUN)) tend_sub "$@"
	wait_exit "$TEND_PID" 20
	expect_eq "exit status of 'tend $*' (stderr: $(head -c 300 "$ERR"))" \
		"$expected" "$EXIT_CODE"
}
NRUN=0

# Usage errors.
if [ -e /etc/tend.conf ]; then
	log "skipped 'tend' with no arguments: /etc/tend.conf exists here"
else
	run 2
fi
run 2 --
run 2 -g
run 2 -e 3
run 2 --no-such-option -- "$TESTCHILD" exit 0
run 2 -Z -- "$TESTCHILD" exit 0
run 2 -e -- "$TESTCHILD" exit 0
run 2 -e abc -- "$TESTCHILD" exit 0
run 2 -e 256 -- "$TESTCHILD" exit 0
run 2 -e '' -- "$TESTCHILD" exit 0
run 2 -p BOGUS -- "$TESTCHILD" exit 0
run 2 -p -- "$TESTCHILD" exit 0
[ -s "$ERR" ] || fail "a usage error printed nothing on stderr"

# Help and version.
run 0 --version
grep -q tend "$OUT" || fail "--version: expected a line containing 'tend' on stdout, got: $(cat "$OUT")"
run 0 -V
grep -q tend "$OUT" || fail "-V: expected a line containing 'tend' on stdout, got: $(cat "$OUT")"
run 0 --help
grep -qe '-g' "$OUT" || fail "--help: expected the usage (mentioning -g) on stdout, got: $(cat "$OUT")"
run 0 -h
grep -qe '-g' "$OUT" || fail "-h: expected the usage (mentioning -g) on stdout, got: $(cat "$OUT")"

# Accepted options.
run 4 -s -- "$TESTCHILD" exit 4
run 4 -g -- "$TESTCHILD" exit 4
run 4 -v -- "$TESTCHILD" exit 4
run 4 -vv -- "$TESTCHILD" exit 4
run 4 -q -- "$TESTCHILD" exit 4
run 4 -p TERM -- "$TESTCHILD" exit 4
run 4 -p SIGTERM -- "$TESTCHILD" exit 4
run 4 -p 15 -- "$TESTCHILD" exit 4
run 4 -s -g -e 3 -p KILL -- "$TESTCHILD" exit 4
# Without "--".
run 5 "$TESTCHILD" exit 5
run 5 -g "$TESTCHILD" exit 5
# Options after the command belong to it: sh sees 3 arguments.
run 3 sh -c 'exit $#' zero -g -v -s
run 3 -- sh -c 'exit $#' zero -e 3 -h
pass
