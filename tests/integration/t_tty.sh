#!/bin/bash
# With a terminal on stdin (script(1) provides a pty), the child is the
# terminal's foreground process group, in tend's session; TERM to tend still
# reaches it and tend exits with its status.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || fail "script(1) (util-linux) is needed for this test"
TEND_EXE=$(readlink -f "$TEND")

_find_tend() {
	local p
	ps_scan
	descendants "$SCRIPT_PID"
	for p in "${DESC[@]}"; do
		if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$TEND_EXE" ] &&
			[ "$(stat_field "$p" 3)" != Z ]; then
			TEND_PID=$p
			return 0
		fi
	done
	return 1
}

# Ready, or fail at once when a process under tend is stopped (a child
# that did tcsetpgrp from a background group with SIGTTOU at its default
# disposition stops before it can exec).
_ready_or_stopped() {
	local p
	grep -qs '^ready ' "$1" && return 0
	ps_scan
	descendants "$TEND_PID"
	for p in "$TEND_PID" "${DESC[@]}"; do
		[ "${PS_STATE[$p]-}" = T ] &&
			fail "[$mode] process $p under tend is stopped (state T) before the child was ready: $(tr '\0' ' ' <"/proc/$p/cmdline")"
	done
	return 1
}

for mode in ns sub; do
	rec=$T/$mode.rec
	cmd=("$TEND" -- "$TESTCHILD" record "$rec" TERM=7)
	[ "$mode" = ns ] && cmd=(unshare --pid --fork --mount-proc "${cmd[@]}")
	bg script -qec "$(printf '%q ' "${cmd[@]}")" /dev/null \
		</dev/null >"$T/$mode-script.out" 2>&1
	SCRIPT_PID=$BG_PID
	WAIT_WHY="tend under script" wait_for 10 _find_tend
	WAIT_WHY="ready line in $mode.rec" wait_for 10 _ready_or_stopped "$rec"
	wait_ready "$rec" 10
	tty=$(stat_field "$CHILD_PID" 7)
	[ "$tty" != 0 ] || fail "[$mode] the child has no controlling terminal"
	expect_eq "[$mode] child's process group (its own)" \
		"$CHILD_PID" "$(stat_field "$CHILD_PID" 5)"
	expect_eq "[$mode] terminal's foreground process group (tpgid) = child's pgid" \
		"$(stat_field "$CHILD_PID" 5)" "$(stat_field "$CHILD_PID" 8)"
	expect_eq "[$mode] child's session (tend's)" \
		"$(stat_field "$TEND_PID" 6)" "$(stat_field "$CHILD_PID" 6)"
	state=$(stat_field "$TEND_PID" 3)
	case $state in
	S | R) ;;
	*) fail "[$mode] tend's state is '$state' (expected running or sleeping; T would mean stopped by SIGTTOU/SIGTTIN)" ;;
	esac
	kill -s TERM "$TEND_PID"
	wait_line "$rec" TERM 10
	wait_exit "$SCRIPT_PID" 10
	expect_eq "[$mode] exit status through script -e (child exits 7 on TERM)" 7 "$EXIT_CODE"
done
pass
