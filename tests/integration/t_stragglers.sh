#!/bin/bash
# When the child exits, tend stops the stragglers before it exits: TERM
# first, SIGKILL about 2 s later for one that ignores TERM. tend exits only
# once they are gone: for a TERM-ignoring straggler at least ~2 s after the
# TERM, for an obedient one well before that. As PID 1 (every process of
# the namespace) and as a subreaper (the straggler is reparented to tend).
. "$(dirname "$0")/lib.sh"

for mode in ns sub; do
	for kind in ignore obey; do
		rec=$T/$mode-$kind.rec
		args=()
		[ "$kind" = ignore ] && args=(--ignore-term)
		RUN=$mode-$kind start_tend "$mode" -- "$TESTCHILD" straggler "$rec" "${args[@]}"
		WAIT_WHY="straggler ready" wait_for 10 grep -qs '^ready ' "$rec"
		# The straggler's host pid (an obedient one may be gone already).
		straggler=
		if [ -n "$TEND_PID" ]; then
			straggler=$(host_pid "$(ready_pid "$rec")" 2>/dev/null) || straggler=
		fi
		[ -z "$straggler" ] && [ "$kind" = ignore ] &&
			fail "[$mode/$kind] straggler not found under tend"
		wait_line "$rec" TERM 10
		# When TERM was written: the file's mtime (the CONT tend sends
		# with it may come a few ms later and move it, never earlier).
		mtime_ms "$rec"
		t_term=$MTIME_MS
		wait_exit "$JOB_PID" 15
		now_ms
		elapsed=$((NOW_MS - t_term))
		log "[$mode/$kind] tend exited ${elapsed} ms after the straggler got TERM"
		expect_eq "[$mode/$kind] tend's exit status (child exited 0)" 0 "$EXIT_CODE"
		if [ "$kind" = ignore ]; then
			((elapsed >= 1800)) ||
				fail "[$mode/$kind] tend exited ${elapsed} ms after TERM to a TERM-ignoring straggler: expected >= 1800 ms (SIGKILL after 2 s)"
			((elapsed < 6000)) ||
				fail "[$mode/$kind] tend exited ${elapsed} ms after TERM: expected < 6000 ms"
		else
			((elapsed < 1500)) ||
				fail "[$mode/$kind] tend exited ${elapsed} ms after TERM to a straggler that obeys it: expected < 1500 ms"
		fi
		if [ -n "$straggler" ] && [ -e "/proc/$straggler" ]; then
			fail "[$mode/$kind] straggler $straggler still exists (state $(stat_field "$straggler" 3)) after tend exited"
		fi
	done
done
pass
