# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with scripts/container-test
# The checks of scripts/container-test, which sources this file and provides
# dk, start_c, cname, poll, check, now_ms, $why, $note, $work, $TESTIMAGE, $SLIM.
#
# Each check_* returns 0 (pass) or 1 with $why set. Nothing here waits a
# fixed time: every wait polls with a deadline.

# Zombies in container $1, counted from /proc/*/stat (the image has no ps).
# The state is the first field after the ") " that ends the command name.
zombies() {
	# shellcheck disable=SC2016 # expanded by the container's sh
	dk exec "$1" sh -c '
		n=0
		for f in /proc/[0-9]*/stat; do
			read -r l 2>/dev/null <"$f" || continue
			s=${l##*) }
			case $s in Z*) n=$((n + 1)) ;; esac
		done
		echo "$n"'
}
no_zombies() { [ "$(zombies "$1")" = 0 ]; }

# True when container $1 has file $2 containing the whole line $3.
has_line() { dk exec "$1" cat "$2" 2>/dev/null | grep -qx -- "$3"; }
# True when host file $1 has a line matching the regex $2.
file_has() { [ -f "$1" ] && grep -q -- "$2" "$1"; }

state() { dk inspect -f "$2" "$1" 2>/dev/null; }

# Wait until `testchild record` wrote its `ready PID` line to host file $1,
# and make sure it is not PID 1 (so a signal it records came through tend).
await_ready() {
	local pid
	poll 10 file_has "$1" '^ready ' ||
		{ why="no 'ready' line within 10 s"; return 1; }
	pid=$(awk '$1 == "ready" { print $2; exit }' "$1")
	[ "$pid" != 1 ] || { why="the recording child is PID 1: tend is not"; return 1; }
}

# A host directory for a container's record file, mounted at /rec.
recdir() {
	local d
	d=$(mktemp -d "$work/rec.XXXXXX") && chmod 777 "$d" && echo "$d"
}

# a. tend is PID 1; the command is its child, not PID 1.
check_pid1() {
	local c cmdline name
	c=$(cname pid1)
	start_c pid1 "$TESTIMAGE" testchild sleep || { why="docker run failed"; return 1; }
	cmdline=$(dk exec "$c" cat /proc/1/cmdline | tr '\0' ' ') ||
		{ why="docker exec failed"; return 1; }
	case $cmdline in
	"/usr/bin/tend -- testchild sleep ") ;;
	*) why="/proc/1/cmdline is '$cmdline'"; return 1 ;;
	esac
	name=$(dk exec "$c" sed -n 's/^Name:[[:space:]]*//p' /proc/1/status) ||
		{ why="docker exec failed"; return 1; }
	[ "$name" = tend ] || { why="/proc/1/status Name is '$name'"; return 1; }
}

check_child_of_pid1() {
	local c
	c=$(cname pid1)
	# shellcheck disable=SC2016
	poll 10 dk exec "$c" sh -c '
		for f in /proc/[0-9]*/status; do
			n=$(sed -n "s/^Name:[[:space:]]*//p" "$f" 2>/dev/null)
			p=$(sed -n "s/^PPid:[[:space:]]*//p" "$f" 2>/dev/null)
			[ "$n" = testchild ] && [ "$p" = 1 ] && [ "${f#/proc/}" != 1/status ] && exit 0
		done
		exit 1' || { why="no testchild process with PPid 1 within 10 s"; return 1; }
}

# b. Orphans made in the container are reaped by tend.
check_orphans() {
	local c n
	c=$(cname orphans)
	start_c orphans "$TESTIMAGE" testchild orphans 500 /tmp/rec ||
		{ why="docker run failed"; return 1; }
	poll 30 has_line "$c" /tmp/rec "orphans 500" ||
		{ why="no 'orphans 500' in /tmp/rec within 30 s"; return 1; }
	if ! poll 10 no_zombies "$c"; then
		n=$(zombies "$c")
		why="$n zombies left 10 s after 'orphans 500'"
		return 1
	fi
}

# b'. The same check fails without tend: testchild as PID 1 leaves zombies.
check_orphans_control() {
	local c n
	c=$(cname orphans-notend)
	start_c orphans-notend --entrypoint testchild "$TESTIMAGE" orphans 500 /tmp/rec ||
		{ why="docker run failed"; return 1; }
	poll 30 has_line "$c" /tmp/rec "orphans 500" ||
		{ why="no 'orphans 500' in /tmp/rec within 30 s"; return 1; }
	if poll 3 no_zombies "$c"; then
		why="no zombies even without tend: the check cannot fail"
		return 1
	fi
	n=$(zombies "$c")
	[ "$n" -gt 0 ] 2>/dev/null || { why="zombie count '$n'"; return 1; }
	note="$n zombies remain"
}

# c. docker stop: the child gets TERM, tend exits with its code, quickly.
stop_dir=
stop_ms=
check_stop_record() {
	local c t0
	c=$(cname stop)
	stop_dir=$(recdir) || { why="mktemp failed"; return 1; }
	start_c stop -v "$stop_dir:/rec" "$TESTIMAGE" testchild record /rec/rec TERM=3 ||
		{ why="docker run failed"; return 1; }
	await_ready "$stop_dir/rec" || return 1
	t0=$(now_ms)
	dk stop -t 10 "$c" >/dev/null || { why="docker stop failed"; return 1; }
	stop_ms=$(($(now_ms) - t0))
	grep -qx TERM "$stop_dir/rec" ||
		{ why="child recorded: $(tr '\n' ' ' <"$stop_dir/rec")"; return 1; }
}

check_stop_code() {
	local code
	[ -n "$stop_ms" ] || { why="docker stop did not run"; return 1; }
	code=$(state "$(cname stop)" '{{.State.ExitCode}}') ||
		{ why="docker inspect failed"; return 1; }
	[ "$code" = 3 ] || { why="exit code $code"; return 1; }
}

check_stop_fast() {
	[ -n "$stop_ms" ] || { why="docker stop did not run"; return 1; }
	[ "$stop_ms" -lt 5000 ] || { why="docker stop took $stop_ms ms"; return 1; }
	note="docker stop took $stop_ms ms"
}

# d. docker kill -s USR1 reaches the child; the container keeps running.
check_kill_usr1() {
	local c d running
	c=$(cname usr1)
	d=$(recdir) || { why="mktemp failed"; return 1; }
	start_c usr1 -v "$d:/rec" "$TESTIMAGE" testchild record /rec/rec ||
		{ why="docker run failed"; return 1; }
	await_ready "$d/rec" || return 1
	dk kill -s USR1 "$c" >/dev/null || { why="docker kill failed"; return 1; }
	poll 10 file_has "$d/rec" '^USR1$' ||
		{ why="child recorded: $(tr '\n' ' ' <"$d/rec")"; return 1; }
	running=$(state "$c" '{{.State.Running}}')
	[ "$running" = true ] || { why="container not running after USR1"; return 1; }
	dk exec "$c" true || { why="docker exec failed after USR1"; return 1; }
}

# f. A straggler that ignores TERM (its own session, so not in the
# command's process group) is killed once the command exited: TERM, then
# KILL 2 s later; the container ends with the command's code 0.
check_straggler() {
	local c d code t0 ms
	c=$(cname straggler)
	d=$(recdir) || { why="mktemp failed"; return 1; }
	start_c straggler -v "$d:/rec" "$TESTIMAGE" testchild straggler /rec/rec --ignore-term ||
		{ why="docker run failed"; return 1; }
	t0=$(now_ms)
	code=$(dk wait "$c") || { why="docker wait failed or took 60 s"; return 1; }
	ms=$(($(now_ms) - t0))
	[ "$code" = 0 ] || { why="exit code $code"; return 1; }
	grep -qx TERM "$d/rec" ||
		{ why="straggler recorded: $(tr '\n' ' ' <"$d/rec")"; return 1; }
	if [ "$ms" -lt 1500 ] || [ "$ms" -ge 5000 ]; then
		why="container ended $ms ms after start (want about 2 s)"
		return 1
	fi
	note="container ended after $ms ms"
}

# e. The slim image: tend as entrypoint, the command's exit code comes out.
check_slim_exit() {
	local rc=0
	containers+=("$(cname slim-exit)")
	dk run --rm --name "$(cname slim-exit)" "$SLIM" sh -c 'exit 7' || rc=$?
	[ "$rc" = 7 ] || { why="exit code $rc"; return 1; }
}

check_slim_default() {
	local rc=0 ep sig
	ep=$(dk image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$SLIM") ||
		{ why="docker image inspect failed"; return 1; }
	[ "$ep" = '["/usr/bin/tend","--"] ["/bin/sh"]' ] ||
		{ why="entrypoint and cmd: $ep"; return 1; }
	sig=$(dk image inspect -f '{{.Config.StopSignal}}' "$SLIM")
	[ "$sig" = SIGTERM ] || { why="StopSignal '$sig'"; return 1; }
	containers+=("$(cname slim-default)")
	dk run --rm --name "$(cname slim-default)" "$SLIM" </dev/null || rc=$?
	[ "$rc" = 0 ] || { why="default command exited $rc"; return 1; }
}

check_slim_no_testchild() {
	local rc=0
	containers+=("$(cname slim-clean)")
	dk run --rm --name "$(cname slim-clean)" --entrypoint /bin/sh "$SLIM" \
		-c 'test ! -e /usr/local/bin/testchild' || rc=$?
	[ "$rc" = 0 ] || { why="testchild is in the slim image"; return 1; }
}

container_checks() {
	check "tend is PID 1 (/proc/1/cmdline, /proc/1/status)" check_pid1
	check "the command runs as PID 1's child" check_child_of_pid1
	check "500 orphans reaped: no zombie left" check_orphans
	check "control: without tend (testchild as PID 1) zombies remain" check_orphans_control
	check "docker stop: the child records TERM" check_stop_record
	check "docker stop: tend exits with the child's code 3" check_stop_code
	check "docker stop returns within 5 s (no SIGKILL after the grace)" check_stop_fast
	check "docker kill -s USR1 reaches the child, container keeps running" check_kill_usr1
	check "straggler ignoring TERM is killed 2 s after the command exits; exit 0" check_straggler
	check "slim image: docker run IMAGE sh -c 'exit 7' exits 7" check_slim_exit
	check "slim image: entrypoint tend --, default CMD /bin/sh runs, STOPSIGNAL SIGTERM" check_slim_default
	check "slim image has no testchild" check_slim_no_testchild
}
