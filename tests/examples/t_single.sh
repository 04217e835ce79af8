#!/usr/bin/env bash
# examples/single/demo-app under tend as PID 1 (what scripts/demo shows
# first), checked from outside: the app's orphans are reaped, USR1 and
# WINCH sent to tend reach the app, SIGTERM (docker stop) reaches it, its
# exit code 3 is tend's, the straggler it leaves (sleep 1000) gets TERM and
# tend exits at once, nothing is left.
#
# Run as root from the top of the tree: tests/examples/t_single.sh
#   TEND=PATH  the tend binary (default: build-release/tend)
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
TEND=${TEND:-build-release/tend}
passed=0
failed=0
ok() { echo "PASS: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { # check WHAT CMD...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
# wait_until SECONDS CMD...: polls CMD every 20 ms until it succeeds.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.02
	done
}
T=$(mktemp -d)
ns=
cleanup() {
	[ -n "$ns" ] && kill -KILL "$ns" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

[ -x "$TEND" ] || { echo "no tend at $TEND"; echo "0 passed, 1 failed"; exit 1; }
unshare --pid --fork --mount-proc "$TEND" -v -- examples/single/demo-app \
	>"$T/out" 2>"$T/err" </dev/null &
ns=$!
tend_pid() {
	pid=$(cat "/proc/$ns/task/$ns/children" 2>/dev/null | awk '{print $1}')
	[ -n "$pid" ]
}
says() { grep -qF -- "$1" "$T/out"; }
check "tend runs as PID 1 under unshare" wait_until 10 tend_pid
check "the app made its orphans" wait_until 10 says "demo-app: made 10 orphans"
check "tend is PID 1 in its namespace" \
	grep -q '^NSpid:.*[[:space:]]1$' "/proc/$pid/status"

kill -USR1 "$pid"
check "USR1 sent to tend reaches the app" wait_until 5 says "demo-app: got USR1"
kill -WINCH "$pid"
check "WINCH sent to tend reaches the app" wait_until 5 says "demo-app: got WINCH"

start=$(date +%s%N)
kill -TERM "$pid"
wait "$ns"
rc=$?
ns=
ms=$((($(date +%s%N) - start) / 1000000))
check "SIGTERM reached the app" says "demo-app: got TERM, exiting with 3"
if [ "$rc" = 3 ]; then ok "tend's exit code is the app's (3)"; else bad "tend exited $rc, expected 3"; fi
# The straggler (sleep 1000) dies of TERM at once: no 2 s KILL wait.
if ((ms < 1500)); then ok "tend exited ${ms} ms after SIGTERM (the straggler took TERM)"; else bad "tend took ${ms} ms to exit after SIGTERM"; fi
n=$(sed -n 's/.*; \([0-9]*\) orphans reaped; exiting with 3$/\1/p' "$T/err" | tail -n 1)
if [ -n "$n" ] && ((n >= 10)); then ok "tend reaped the app's orphans ($n)"; else bad "orphans reaped: '${n}' (tend said: $(tail -n 2 "$T/err" | tr '\n' '/'))"; fi
check "tend sent TERM to the straggler" grep -qF "sending TERM to the remaining processes" "$T/err"
left=$(pgrep -f "examples/single/demo-app" || true)
if [ -z "$left" ]; then ok "nothing of the app is left"; else bad "left running: $left"; fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
