# shellcheck shell=bash
# What tests/soak/soak.sh and tests/soak/memcheck.sh share. Sourced first
# (it sets ROOT, the top of the tree); the script then checks what it needs
# (soak_binaries, soak_need_root), sources tests/integration/lib.sh (the
# temp dir $T, wait_for, bg, ctl, start_tend, the cleanup) and calls
# `counting` (PASS:/FAIL: lines, "N passed, N failed"). The rest are the
# pieces of a soak: a `tendctl events` client, a loop of tendctl commands
# beside the services (the script's ctl_loop), their ends.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# soak_binaries NAME BUILD: TEND (default: BUILD/tend in the tree), TENDCTL
# and TESTCHILD (default: beside TEND) must be executables; exported. NAME
# (the script's) heads the message when one is not, and the script exits 2.
soak_binaries() {
	local b
	: "${TEND:=$ROOT/$2/tend}"
	: "${TENDCTL:=$(dirname "$TEND")/tendctl}"
	: "${TESTCHILD:=$(dirname "$TEND")/tests/helpers/testchild}"
	for b in "$TEND" "$TENDCTL" "$TESTCHILD"; do
		if [ ! -x "$b" ]; then
			echo "$1: no executable $b (build first, or set TEND, TENDCTL, TESTCHILD)" >&2
			exit 2
		fi
	done
	export TEND TENDCTL TESTCHILD
}

# soak_need_root NAME WHY: exits 2 unless run as root.
soak_need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "$1: must run as root ($2)" >&2
		exit 2
	fi
}

# soak_status PYFILE: runs the Python program PYFILE over `tendctl --json
# status` and sets ST_LINE to what it prints; fails the script when tendctl
# or the program does.
soak_status() {
	ctl --json status
	[ "$CTL_RC" = 0 ] || fail "tendctl --json status: exit $CTL_RC: $CTL_ERR"
	ST_LINE=$(python3 "$1" <<<"$CTL_OUT") ||
		fail "status --json does not parse: ${CTL_OUT:0:200}"
}

# soak_clients TIMEOUT: waits (up to TIMEOUT s) until tend answers on its
# socket, then starts a `tendctl events` client, writing to $T/events.out
# (EVENTS_PID).
soak_clients() {
	WAIT_WHY="tend to answer on its socket" wait_for "$1" _soak_answers
	bg "$TENDCTL" -S "$TEND_SOCK" events >"$T/events.out" 2>"$T/events.err"
	EVENTS_PID=$BG_PID
}
_soak_answers() {
	ctl status
	[ "$CTL_RC" = 0 ]
}

# soak_loop_start: runs the script's ctl_loop in the background (CTL_PID),
# stopped by the cleanup if it is still running then. The loop ends once
# $T/ctl.stop exists; what it finds wrong goes to $T/ctl.bad, one line a
# command it ran to $T/ctl.log.
soak_loop_start() {
	(ctl_loop) &
	CTL_PID=$!
	_PIDS+=("$CTL_PID")
}

# soak_loop_end TIMEOUT: waits (up to TIMEOUT s) for the loop to end, once
# $T/ctl.stop is there.
soak_loop_end() {
	WAIT_WHY="the tendctl loop to end" wait_for "$1" not_alive "$CTL_PID"
	wait "$CTL_PID"
}

# soak_loop_check: every command of the loop was answered as expected
# (checked; the first 20 that were not go to stderr).
soak_loop_check() {
	check "the tendctl loop: $(wc -l <"$T/ctl.log") commands, every one answered as expected" \
		test ! -s "$T/ctl.bad"
	if [ -s "$T/ctl.bad" ]; then
		head -n 20 "$T/ctl.bad" >&2
	fi
}
