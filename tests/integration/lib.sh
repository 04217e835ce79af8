# shellcheck shell=bash
# Sourced by every tests/integration/t_*.sh. Each script is one meson test:
# exit 0 passes, anything else fails after a "FAIL: ..." line on stderr.
#
# Environment: TEND (the tend binary) and TESTCHILD (tests/helpers/testchild).
#
# Rules the scenarios follow: observe from the host side only (exit codes,
# /proc, the files testchild writes); never sleep for a fixed time, poll with
# a deadline (wait_for); every process a test starts goes through tend_ns,
# tend_sub or bg so that the EXIT trap can stop it and all its descendants.

set -u -o pipefail
export LC_ALL=C

: "${TEND:?TEND must name the tend binary}"
: "${TESTCHILD:?TESTCHILD must name the testchild binary}"

TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/tend-it.XXXXXX") || exit 99
mkfifo "$T/.tick" || exit 99

_PIDS=()   # processes started by the test (their descendants are found)
_EXTRA=()  # processes to stop that are no longer our descendants

# ---------------------------------------------------------------- reporting

log() { printf '[%s] %s\n' "$TEST_NAME" "$*" >&2; }

# Prints what the tend runs of this test wrote, and the processes it
# started, to help read a failure.
_dump() {
	local f p
	ps_scan
	descendants "${_PIDS[@]}" "${_EXTRA[@]}"
	printf -- '--- processes (pid ppid state pgrp session tpgid sigblk sigign: cmd)\n' >&2
	for p in "${_PIDS[@]}" "${_EXTRA[@]}" "${DESC[@]}"; do
		[ -n "${PS_STATE[$p]-}" ] || continue
		printf '%s %s %s %s %s %s %s %s: %s\n' "$p" "${PS_PPID[$p]}" \
			"${PS_STATE[$p]}" "$(stat_field "$p" 5)" "$(stat_field "$p" 6)" \
			"$(stat_field "$p" 8)" "$(status_field "$p" SigBlk 2>/dev/null)" \
			"$(status_field "$p" SigIgn 2>/dev/null)" \
			"$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
	done
	for f in "$T"/*.out "$T"/*.err "$T"/*.rec; do
		[ -f "$f" ] || continue
		printf -- '--- %s (last 20 lines)\n' "${f#"$T"/}" >&2
		tail -n 20 "$f" >&2
	done
}

fail() {
	printf 'FAIL [%s]: %s\n' "$TEST_NAME" "$*" >&2
	_dump
	exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

pass() {
	log "PASS"
	exit 0
}

# counting: for the scripts that count their checks and go on after a
# failed one, ending with "N passed, N failed" (tests/soak,
# tests/examples), rather than stop at the first failure. Sets passed and
# failed to 0 and defines ok DESCRIPTION, bad DESCRIPTION, check
# DESCRIPTION CMD [ARG...] (ok when CMD succeeds, else bad) and summary (the
# last line); fail (a wait that timed out, ...) still ends the script, but
# counts itself and prints the summary first.
# shellcheck disable=SC2317 # what it defines is called later
counting() {
	passed=0
	failed=0
	ok() { printf 'PASS: %s\n' "$*"; passed=$((passed + 1)); }
	bad() { printf 'FAIL: %s\n' "$*"; failed=$((failed + 1)); }
	check() {
		local d=$1
		shift
		if "$@"; then ok "$d"; else bad "$d"; fi
	}
	summary() { echo "$passed passed, $failed failed"; }
	fail() {
		bad "$*"
		_dump
		summary
		exit 1
	}
}

# ------------------------------------------------------------------- timing

# Sets NOW_MS to the wall clock in milliseconds (no fork).
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	NOW_MS=$((t / 1000))
}

# mtime_ms FILE: sets MTIME_MS to FILE's modification time in ms: when a
# record line was written, however late the test looks at it.
mtime_ms() {
	local t
	t=$(stat -c %.3Y "$1") || fail "stat $1"
	MTIME_MS=${t/[.,]/}
}

# A short pause between two polls: a read with a timeout on a fifo nobody
# writes to, so no process is forked.
_nap() {
	read -r -t 0.02 _ <>"$T/.tick" || true
}

# Timeouts are multiplied by TEND_TEST_TIMEOUT_SCALE (default 1); they bound
# waits that succeed quickly when tend works, so they are generous.
_scale() {
	local s=${TEND_TEST_TIMEOUT_SCALE:-1}
	echo $(($1 * s))
}

# wait_for TIMEOUT_SECONDS CMD [ARG...]: runs CMD every ~20 ms until it
# succeeds; fails the test when TIMEOUT_SECONDS (an integer) pass first.
wait_for() {
	local timeout deadline
	timeout=$(_scale "$1")
	shift
	now_ms
	deadline=$((NOW_MS + timeout * 1000))
	while :; do
		if "$@"; then
			return 0
		fi
		now_ms
		if ((NOW_MS >= deadline)); then
			fail "timed out after ${timeout}s waiting for: $*${WAIT_WHY:+ ($WAIT_WHY)}"
		fi
		_nap
	done
}

# wait_quiet TIMEOUT_SECONDS CMD [ARG...]: as wait_for, but returns 1 on
# timeout instead of failing the test (for a check that is counted).
wait_quiet() {
	local deadline
	now_ms
	deadline=$((NOW_MS + $(_scale "$1") * 1000))
	shift
	until "$@"; do
		now_ms
		((NOW_MS < deadline)) || return 1
		_nap
	done
}

# --------------------------------------------------------------- processes

# alive PID: the process exists and is not a zombie.
alive() {
	local line
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	line=${line##*) }
	[ "${line%% *}" != Z ]
}

not_alive() { ! alive "$1"; }

# ps_scan: one pass over /proc. Fills PS_PPID[pid] and PS_STATE[pid].
ps_scan() {
	local f line pid rest
	PS_PPID=()
	PS_STATE=()
	for f in /proc/[0-9]*/stat; do
		{ read -r line <"$f"; } 2>/dev/null || continue
		pid=${f#/proc/}
		pid=${pid%/stat}
		rest=${line##*) }
		PS_STATE[$pid]=${rest%% *}
		rest=${rest#* }
		PS_PPID[$pid]=${rest%% *}
	done
}
declare -A PS_PPID=() PS_STATE=()

# descendants ROOT...: after ps_scan, sets DESC to every descendant of the
# ROOTs (the roots themselves excluded), parents before children.
descendants() {
	local -A kids=()
	local p cur
	local -a queue=("$@")
	for p in "${!PS_PPID[@]}"; do
		kids[${PS_PPID[$p]}]+=" $p"
	done
	DESC=()
	while ((${#queue[@]})); do
		cur=${queue[0]}
		queue=("${queue[@]:1}")
		for p in ${kids[$cur]-}; do
			DESC+=("$p")
			queue+=("$p")
		done
	done
}

# children PID: sets KIDS to PID's children (zombies included).
children() {
	local p
	ps_scan
	KIDS=()
	for p in "${!PS_PPID[@]}"; do
		[ "${PS_PPID[$p]}" = "$1" ] && KIDS+=("$p")
	done
	return 0
}

# stat_field PID N: field N (1-based, as in proc(5): 3 state, 4 ppid,
# 5 pgrp, 6 session, 7 tty_nr, 8 tpgid) of /proc/PID/stat.
stat_field() {
	local line rest
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	rest=${line##*) }
	# shellcheck disable=SC2086
	set -- $rest "$2"
	local n=${!#}
	n=$((n - 2))
	echo "${!n}"
}

# file_field FILE NAME: the value of "NAME:" in FILE, a /proc file of
# "NAME: value" lines. The file is read whole, at once: line by line, bash
# would seek back after each line and the kernel make the file anew for
# the next one, so that a field whose width changed meanwhile (State "S
# (sleeping)" -> "R (running)", FDSize, an fd's pos) shifted the lines after
# it: "NSpid:" read as "Spid:", and the field missed.
file_field() {
	_file_field "$@" && echo "$FIELD"
}
# _file_field FILE NAME: the same into FIELD, without a subshell.
_file_field() {
	local s='' v
	IFS= read -r -d '' s <"$1"
	s=$'\n'$s
	v=${s#*$'\n'"$2":}
	[ "$v" != "$s" ] || return 1
	v=${v%%$'\n'*}
	v=${v#"${v%%[![:space:]]*}"}
	FIELD=${v%"${v##*[![:space:]]}"}
}

# status_field PID NAME: the value of "NAME:" in /proc/PID/status.
status_field() {
	file_field "/proc/$1/status" "$2"
}

# fd_list PID: the open fd numbers of PID, sorted, space separated.
fd_list() {
	local f out=()
	for f in /proc/"$1"/fd/*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		out+=("${f##*/}")
	done
	printf '%s\n' "${out[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# host_pid NSPID: the host pid of the process that tend (or a descendant of
# tend) sees as NSPID: the last NSpid value of the process.
host_pid() {
	local p ns
	ps_scan
	descendants "$TEND_PID"
	for p in "$TEND_PID" "${DESC[@]}"; do
		ns=$(status_field "$p" NSpid 2>/dev/null) || continue
		if [ "${ns##*[[:space:]]}" = "$1" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# ---------------------------------------------------------- starting tend

# bg CMD [ARG...]: runs CMD in the background (INT and QUIT at their default
# dispositions, as a container runtime would start it, not ignored as bash
# does for background jobs), records it for the cleanup; sets BG_PID.
bg() {
	# "<&0": bash would give a background job /dev/null as stdin otherwise.
	(
		trap - INT QUIT
		exec "$@"
	) <&0 &
	BG_PID=$!
	_PIDS+=("$BG_PID")
}

# Options for the next tend_ns/tend_sub, reset after each:
#   TEND_WRAP=(cmd args)  runs "cmd args $TEND ..." (e.g. testchild closefds)
#   TEND_STDIN/TEND_STDOUT/TEND_STDERR  files (default /dev/null, and
#   $T/<run>.out, $T/<run>.err)
#   RUN  a name for this run's output files (default "tend")
TEND_WRAP=()

_start_redirected() {
	local in=${TEND_STDIN:-/dev/null}
	local out=${TEND_STDOUT:-$T/${RUN:-tend}.out}
	local err=${TEND_STDERR:-$T/${RUN:-tend}.err}
	OUT=$out
	ERR=$err
	bg "$@" <"$in" >"$out" 2>"$err"
	unset TEND_STDIN TEND_STDOUT TEND_STDERR
	TEND_WRAP=()
}

_find_tend_in_ns() {
	local p
	children "$NS_PID"
	for p in "${KIDS[@]}"; do
		TEND_PID=$p
		return 0
	done
	# unshare already gone: tend ran and exited (fast commands).
	not_alive "$NS_PID"
}

# tend_ns ARGS...: tend as PID 1 of a new PID namespace. Sets NS_PID (the
# unshare process, whose exit status is tend's), TEND_PID (tend's host pid,
# empty if it already exited), JOB_PID (=NS_PID, for wait_exit).
# _tend_args ARGS...: sets TEND_ARGS to ARGS, with `-S $T/tend.sock` in
# front in config mode (-c) when no -S is given: tend's default socket,
# /run/tend.sock, is one for the whole machine, and tests run side by side.
_tend_args() {
	local a config=0 socket=0
	for a in "$@"; do
		case $a in
		-c | --config | --config=*) config=1 ;;
		-S | --socket | --socket=* | -S?*) socket=1 ;;
		--) break ;;
		esac
	done
	TEND_ARGS=("$@")
	if ((config && !socket)); then
		TEND_SOCK=$T/tend.sock
		TEND_ARGS=(-S "$TEND_SOCK" "$@")
	fi
}

tend_ns() {
	_tend_args "$@"
	set -- "${TEND_ARGS[@]}"
	if [ -z "${_NS_OK-}" ]; then
		unshare --pid --fork --mount-proc true </dev/null >/dev/null 2>&1 ||
			fail "'unshare --pid --fork --mount-proc' does not work here (it needs root or CAP_SYS_ADMIN)"
		_NS_OK=1
	fi
	TEND_PID=
	_start_redirected unshare --pid --fork --mount-proc \
		"${TEND_WRAP[@]}" "$TEND" "$@"
	NS_PID=$BG_PID
	JOB_PID=$NS_PID
	WAIT_WHY="tend's pid under unshare" wait_for 10 _find_tend_in_ns
	export NS_PID TEND_PID JOB_PID
}

# tend_sub ARGS...: tend as a child of this shell (a child subreaper). Sets
# TEND_PID and JOB_PID (the same).
tend_sub() {
	_tend_args "$@"
	set -- "${TEND_ARGS[@]}"
	NS_PID=
	_start_redirected "${TEND_WRAP[@]}" "$TEND" "$@"
	TEND_PID=$BG_PID
	JOB_PID=$BG_PID
	export TEND_PID JOB_PID
}

# start_tend MODE ARGS...: tend_ns (MODE ns) or tend_sub (MODE sub).
start_tend() {
	local mode=$1
	shift
	case $mode in
	ns) tend_ns "$@" ;;
	sub) tend_sub "$@" ;;
	*) fail "start_tend: bad mode $mode" ;;
	esac
}

# wait_exit PID TIMEOUT: waits for the background job PID to end and sets
# EXIT_CODE to its exit status (a command substitution could not wait for
# this shell's children, hence a variable). Fails the test on timeout.
wait_exit() {
	WAIT_WHY="exit of pid $1" wait_for "$2" not_alive "$1"
	wait "$1" 2>/dev/null
	EXIT_CODE=$?
}

# wait_gone PID TIMEOUT: for a process that is not our child.
wait_gone() {
	WAIT_WHY="pid $1 to disappear" wait_for "$2" not_alive "$1"
}

# term_tend TIMEOUT [LABEL]: SIGTERM to tend, which must exit with 0
# within TIMEOUT seconds; LABEL (e.g. "[ns]") heads the failure message.
term_tend() {
	kill -TERM "$TEND_PID"
	wait_exit "$JOB_PID" "$1"
	expect_eq "${2:+$2 }tend's exit status after SIGTERM" 0 "$EXIT_CODE"
}

# term_tend_within MS [LABEL [NOTE]]: term_tend, and tend must be gone
# within MS milliseconds of the SIGTERM (its shutdown-timeout); logs how
# long it took ("exit 0 N ms after SIGTERM", then NOTE).
term_tend_within() {
	local t0
	now_ms
	t0=$NOW_MS
	term_tend $(($1 / 1000 + 10)) "${2-}"
	now_ms
	((NOW_MS - t0 < $1)) ||
		fail "${2:+$2 }tend took $((NOW_MS - t0)) ms to exit after SIGTERM: shutdown-timeout is $(($1 / 1000)) s"
	log "${2:+$2 }exit 0 $((NOW_MS - t0)) ms after SIGTERM${3:+ $3}"
}

# ----------------------------------------------------------- record files

has_line() { [ -f "$1" ] && grep -qxF -- "$2" "$1"; }

# wait_line FILE LINE TIMEOUT
wait_line() {
	WAIT_WHY="line '$2' in ${1#"$T"/}" wait_for "$3" has_line "$1" "$2"
}

# ready_pid FILE: prints the pid of the first `ready PID` line (the pid in
# tend's namespace); fails (returns 1) when there is none.
ready_pid() {
	local p
	p=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$1" 2>/dev/null | head -n 1)
	[ -n "$p" ] && echo "$p"
}

# wait_ready FILE TIMEOUT: waits for the ready line; sets CHILD_NSPID and
# CHILD_PID (host pid).
wait_ready() {
	WAIT_WHY="ready line in ${1#"$T"/}" wait_for "$2" grep -qs '^ready ' "$1"
	CHILD_NSPID=$(ready_pid "$1") || fail "no ready line in ${1#"$T"/}"
	CHILD_PID=$(host_pid "$CHILD_NSPID") ||
		fail "no process with namespace pid $CHILD_NSPID under tend"
}

# record_lines FILE: the lines after `ready PID`, space separated.
record_lines() {
	grep -v '^ready ' "$1" | tr '\n' ' ' | sed 's/ $//'
}

# --------------------------------------------------------------- zombies

# zombies_under PID: after a scan, sets ZOMBIES to the zombie descendants of
# PID and NDESC to the number of its descendants.
zombies_under() {
	local p
	ps_scan
	descendants "$1"
	ZOMBIES=()
	NDESC=${#DESC[@]}
	for p in "${DESC[@]}"; do
		[ "${PS_STATE[$p]-}" = Z ] && ZOMBIES+=("$p")
	done
	return 0
}

# no_zombies_under PID [EXPECTED_DESCENDANTS]
no_zombies_under() {
	zombies_under "$1"
	((${#ZOMBIES[@]} == 0)) || return 1
	[ -z "${2-}" ] || ((NDESC == $2))
}

# tend_child_running EXE: sets FOUND to tend's child whose program is EXE
# (a resolved path); returns 1 when there is none yet.
tend_child_running() {
	local p
	children "$TEND_PID"
	for p in "${KIDS[@]}"; do
		if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$1" ]; then
			FOUND=$p
			return 0
		fi
	done
	return 1
}

# ------------------------------------------------------------ config mode

# write_conf FILE: writes stdin to FILE through a rename, so that a reload
# never reads half a file.
write_conf() {
	cat >"$1.new" && mv -f "$1.new" "$1" || fail "cannot write $1"
}

# Lines of `testchild stamp`: "start PID MS", "TERM PID MS",
# "exit PID MS CODE", "die PID MS SIG" (MS: wall clock, as NOW_MS).

# stamp_get FILE KIND [NTH]: sets STAMP_PID, STAMP_MS and STAMP_ARG from the
# NTH (default 1; -1: the last) line of KIND; returns 1 when there is none.
stamp_get() {
	local want=${3:-1} n=0 k p ms arg found=1
	[ -f "$1" ] || return 1
	while read -r k p ms arg; do
		[ "$k" = "$2" ] || continue
		n=$((n + 1))
		if ((want == -1 || n == want)); then
			STAMP_PID=$p
			STAMP_MS=$ms
			STAMP_ARG=$arg
			found=0
			((want == -1)) || break
		fi
	done <"$1"
	return $found
}

# stamp_count FILE KIND: sets STAMP_N to the number of KIND lines.
stamp_count() {
	local k rest
	STAMP_N=0
	[ -f "$1" ] || return 0
	while read -r k rest; do
		[ "$k" = "$2" ] && STAMP_N=$((STAMP_N + 1))
	done <"$1"
	return 0
}

# has_stamps FILE KIND N: at least N lines of KIND.
has_stamps() {
	stamp_count "$1" "$2"
	((STAMP_N >= $3))
}

# wait_stamps FILE KIND N TIMEOUT: waits for N lines of KIND.
wait_stamps() {
	WAIT_WHY="$3 '$2' line(s) in ${1#"$T"/}" wait_for "$4" has_stamps "$1" "$2" "$3"
}

# stamp_at FILE KIND [NTH]: stamp_get, failing the test when the line is
# missing.
stamp_at() {
	stamp_get "$@" || fail "no '$2' line${3:+ #$3} in ${1#"$T"/}"
}

# holds MS WHAT CMD [ARG...]: CMD keeps succeeding for MS milliseconds
# (polled); fails the test with WHAT otherwise. For what must *not* happen
# (a restart, a start), whose absence takes a while to show.
holds() {
	local ms=$1 what=$2 end
	shift 2
	now_ms
	end=$((NOW_MS + ms))
	while :; do
		"$@" || fail "$what"
		now_ms
		((NOW_MS >= end)) && return 0
		_nap
	done
}

# svc_pid NSPID: sets SVC_PID to the host pid of the process that tend's
# namespace sees as NSPID (tend as PID 1), or to NSPID itself (subreaper:
# one namespace). Fails the test when there is no such process.
svc_pid() {
	if [ -n "${NS_PID-}" ]; then
		SVC_PID=$(host_pid "$1") ||
			fail "no process with namespace pid $1 under tend"
	else
		SVC_PID=$1
	fi
}

# log_has TEXT: tend's stderr (of the last run) holds TEXT.
log_has() { grep -qF -- "$1" "$ERR"; }

# ---------------------------------------------------------------- cleanup

# Sets MINE to the processes whose command line names a file of this test's
# temp dir: testchild processes that escaped (e.g. a straggler reparented to
# the system's init by a tend that failed to stop it). The pattern goes
# through stdin so that grep's own command line does not match.
_mine() {
	local f p
	MINE=()
	while IFS= read -r f; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" != "$$" ] && MINE+=("$p")
	done < <(printf '%s/\n' "$T" | grep -slF -f - /proc/[0-9]*/cmdline)
}

# Stops every process the test started and all their descendants: first
# SIGSTOP until the set no longer grows (so nothing forks or gets reparented
# away meanwhile), then SIGKILL, then waits.
_cleanup() {
	local rc=$? round p n prev=-1
	local -A seen=()
	trap - EXIT
	# stderr may be a closed pipe (| head): finish the cleanup anyway.
	trap '' PIPE
	set +e
	for round in $(seq 1 50); do
		_mine
		ps_scan
		descendants "${_PIDS[@]}" "${_EXTRA[@]}" "${MINE[@]}"
		for p in "${_PIDS[@]}" "${_EXTRA[@]}" "${MINE[@]}" "${DESC[@]}"; do
			[ -n "${PS_STATE[$p]-}" ] || continue
			[ "${PS_STATE[$p]}" = Z ] && continue
			seen[$p]=1
			kill -STOP "$p" 2>/dev/null
		done
		n=${#seen[@]}
		((n == prev)) && break
		prev=$n
	done
	for p in "${!seen[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	((${#seen[@]})) && log "cleanup killed ${#seen[@]} leftover process(es): ${!seen[*]}"
	for p in "${_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for p in "${!seen[@]}"; do
		for round in $(seq 1 250); do
			alive "$p" || break
			_nap
		done
	done
	rm -rf "$T"
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
trap 'exit 141' PIPE

# ---------------------------------------------------------------- tendctl
# For the t_ctl_* tests: TENDCTL names the tendctl binary.

# ctl ARGS...: runs `$TENDCTL -S $TEND_SOCK ARGS` (bounded by 60 s); sets
# CTL_RC, CTL_OUT (stdout) and CTL_ERR (stderr). Never fails by itself.
ctl() {
	ctl_raw -S "$TEND_SOCK" "$@"
}

# ctl_raw ARGS...: the same without -S (a test that names the socket
# itself, or none). CTL_PRE=(cmd args) runs "cmd args $TENDCTL ARGS"
# (e.g. setpriv, to run the client as another user).
CTL_PRE=()
ctl_raw() {
	: "${TENDCTL:?TENDCTL must name the tendctl binary}"
	timeout -k 5 60 "${CTL_PRE[@]}" "$TENDCTL" "$@" \
		>"$T/ctl.stdout" 2>"$T/ctl.stderr" </dev/null
	CTL_RC=$?
	CTL_OUT=$(cat "$T/ctl.stdout")
	CTL_ERR=$(cat "$T/ctl.stderr")
	return 0
}

# ctl_expect RC ARGS...: ctl ARGS, failing the test unless it exits RC.
ctl_expect() {
	local want=$1
	shift
	ctl "$@"
	[ "$CTL_RC" = "$want" ] ||
		fail "tendctl $*: exit $CTL_RC, expected $want; stdout: '$CTL_OUT'; stderr: '$CTL_ERR'"
}

# ctl_json PYEXPR: evaluates the Python expression PYEXPR with `d` bound to
# the JSON object of `tendctl --json status` (run now) and prints it
# (Python's str()); returns 1 when tendctl fails or the expression raises.
ctl_json() {
	ctl --json status || return 1
	[ "$CTL_RC" = 0 ] || return 1
	python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
print(eval(sys.argv[1]))' "$1" <<<"$CTL_OUT"
}

# svc_json NAME FIELD: prints FIELD of service NAME from `status --json`
# (None for null); returns 1 when there is no such service.
svc_json() {
	ctl_json "[s for s in d['services'] if s['name'] == '$1'][0]['$2']"
}

# svc_is NAME FIELD VALUE: svc_json NAME FIELD prints VALUE.
svc_is() {
	local v
	v=$(svc_json "$1" "$2") || return 1
	[ "$v" = "$3" ]
}

# ctl_true PYEXPR: as ctl_json, silent; succeeds when PYEXPR is true.
ctl_true() {
	local v
	v=$(ctl_json "bool($1)") || return 1
	[ "$v" = True ]
}

# ------------------------------------------------------------------- logs
# For the t_log_* tests.

# slow_reader FIFO OUT GO CHUNK PAUSE_MS: a slow consumer of FIFO, in the
# background (bg): copies it to the file OUT reading at most CHUNK bytes,
# then pausing PAUSE_MS ms, until the file GO exists; then at full speed
# until EOF. Sets READER_PID. Start it before the writer opens FIFO (e.g.
# TEND_STDOUT=FIFO start_tend ...).
slow_reader() {
	bg python3 -c 'import os, sys, time
fifo, out, go = sys.argv[1:4]
chunk, pause = int(sys.argv[4]), int(sys.argv[5]) / 1000
fd = os.open(fifo, os.O_RDONLY)
fast = False
with open(out, "wb", buffering=0) as f:
    while True:
        fast = fast or os.path.exists(go)
        b = os.read(fd, 1 << 16 if fast else chunk)
        if not b:
            break
        f.write(b)
        if not fast:
            time.sleep(pause)' "$@"
	READER_PID=$BG_PID
}

# fd_flags PID FD: the "flags:" field (octal) of /proc/PID/fdinfo/FD.
fd_flags() {
	file_field "/proc/$1/fdinfo/$2" flags 2>/dev/null
}

# log_check OUT ERR NAME=EXPOUT:EXPERR...: tend's stdout OUT and stderr ERR
# (log-format prefix) hold, for each NAME, the lines of EXPOUT (what NAME
# writes to its stdout, made by running its command outside tend) on OUT
# and of EXPERR on ERR, each as "NAME | line", exactly once, whole and in
# order; and nothing else but tend's own "tend: " lines (on ERR) and the
# lines of the services named in LOG_IGNORE (space separated). Fails the
# test otherwise, saying what is missing, extra or out of order.
log_check() {
	python3 - "$@" >"$T/log_check.txt" 2>&1 <<'PY' ||
import collections, os, re, sys
out_path, err_path, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
ignore = set(os.environ.get("LOG_IGNORE", "").split())
line_re = re.compile(rb"([A-Za-z0-9_.-]{1,64}) \| (.*)", re.S)

def lines_of(path):
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        raise SystemExit("%s does not end with a newline: %r" % (path, data[-80:]))
    return data.split(b"\n")[:-1] if data else []

def split(path, own_ok):
    per = collections.defaultdict(list)
    for n, l in enumerate(lines_of(path), 1):
        if own_ok and l.startswith(b"tend: "):
            continue
        m = line_re.fullmatch(l)
        if not m:
            raise SystemExit("%s line %d is neither 'NAME | line'%s: %r"
                             % (path, n, " nor 'tend: ...'" if own_ok else "", l[:200]))
        per[m.group(1).decode()].append(m.group(2))
    return per

def compare(what, got, want):
    if got == want:
        return []
    g, w = collections.Counter(got), collections.Counter(want)
    missing, extra = w - g, g - w
    dup = [l for l, c in g.items() if c > 1]
    msg = ["%s: %d lines, expected %d" % (what, len(got), len(want))]
    if missing:
        msg.append("  %d missing, e.g. %r" % (sum(missing.values()), sorted(missing)[:3]))
    if extra:
        msg.append("  %d unexpected, e.g. %r" % (sum(extra.values()), sorted(extra)[:3]))
    if dup:
        msg.append("  %d lines more than once, e.g. %r" % (len(dup), dup[:3]))
    if not missing and not extra:
        i = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
        msg.append("  out of order from line %d: %r, expected %r" % (i + 1, got[i][:80], want[i][:80]))
    return msg

out, err = split(out_path, False), split(err_path, True)
errors, names = [], set()
for spec in specs:
    name, files = spec.split("=", 1)
    exp_out, exp_err = files.split(":", 1)
    names.add(name)
    errors += compare("%s on stdout" % name, out.pop(name, []), lines_of(exp_out))
    errors += compare("%s on stderr" % name, err.pop(name, []), lines_of(exp_err))
    print("%s: %d lines on stdout, %d on stderr" % (name, sum(1 for _ in open(exp_out, "rb")),
                                                    sum(1 for _ in open(exp_err, "rb"))))
for stream, rest in (("stdout", out), ("stderr", err)):
    for name, ls in rest.items():
        if name not in ignore:
            errors.append("%d lines of '%s' on %s, e.g. %r" % (len(ls), name, stream, ls[:2]))
if errors:
    raise SystemExit("\n".join(errors))
PY
		fail "log_check: $(cat "$T/log_check.txt")"
	log "$(cat "$T/log_check.txt")"
}

# writer_args NAME N: testchild's arguments for the writer NAME (w1, w2 or
# w3) of t_log_lines and t_log_backpressure: N numbered lines of 60 bytes
# tagged NAME, w3 writing every third one to stderr.
writer_args() {
	local extra=
	if [ "$1" = w3 ]; then
		extra=" --stderr-every 3"
	fi
	echo "lines $2 --tag $1 --len 60$extra"
}

# writers_expect N: what w1, w2 and w3 write, made by the same commands
# outside tend: $T/NAME.exp (stdout) and $T/NAME.experr (stderr).
writers_expect() {
	local s
	for s in w1 w2 w3; do
		# writer_args gives words: split them
		# shellcheck disable=SC2046
		"$TESTCHILD" $(writer_args "$s" "$1") >"$T/$s.exp" \
			2>"$T/$s.experr" || fail "testchild lines failed"
	done
}

# writers_check OUT ERR: log_check of the three writers' lines.
writers_check() {
	log_check "$1" "$2" w1="$T/w1.exp:$T/w1.experr" \
		w2="$T/w2.exp:$T/w2.experr" w3="$T/w3.exp:$T/w3.experr"
}

# ----------------------------------------------------------------- probes
# For the t_ready_* and t_health* tests. Their services listen on loopback
# ports, so tend runs in a network namespace of its own
# (TEND_WRAP=("$TESTCHILD" netns)): the ports are free there whatever else
# runs on the machine, the same test in two builds at once included.

# netns_isolated: tend's network namespace is not this shell's.
netns_isolated() {
	local mine theirs
	mine=$(readlink /proc/self/ns/net) || return 1
	theirs=$(readlink "/proc/$TEND_PID/ns/net") || return 1
	[ "$mine" != "$theirs" ]
}

# start_tend_netns MODE ARGS...: start_tend in a network namespace of its
# own; returns once tend is in it.
start_tend_netns() {
	TEND_WRAP=("$TESTCHILD" netns)
	start_tend "$@"
	WAIT_WHY="tend in a network namespace of its own" wait_for 10 netns_isolated
}

# port_listening PORT: a TCP socket listens on PORT in tend's network
# namespace (/proc/TEND_PID/net/tcp).
port_listening() {
	local hex sl addr rem st rest
	printf -v hex '%04X' "$1"
	while read -r sl addr rem st rest; do
		[ "$st" = 0A ] && [ "${addr##*:}" = "$hex" ] && return 0
	done <"/proc/$TEND_PID/net/tcp"
	return 1
}

# stamp_arg FILE KIND ARG: stamp_get for the first KIND line whose
# argument is ARG (e.g. "answer PID MS 200"); returns 1 when there is none.
stamp_arg() {
	local k p ms arg
	[ -f "$1" ] || return 1
	while read -r k p ms arg; do
		if [ "$k" = "$2" ] && [ "$arg" = "$3" ]; then
			STAMP_PID=$p
			STAMP_MS=$ms
			STAMP_ARG=$arg
			return 0
		fi
	done <"$1"
	return 1
}

# env_of PID NAME: prints NAME's value in PID's environment; returns 1 when
# it is not set.
env_of() {
	local kv
	while IFS= read -r -d '' kv; do
		if [ "${kv%%=*}" = "$2" ]; then
			echo "${kv#*=}"
			return 0
		fi
	done <"/proc/$1/environ"
	return 1
}

# svc_host_pid NAME: sets SVC_PID to the host pid of service NAME's
# process (from status --json); fails the test when it has none.
svc_host_pid() {
	local p
	p=$(svc_json "$1" pid) || fail "no service $1 in tendctl status"
	[ "$p" != None ] || fail "service $1 has no pid"
	svc_pid "$p"
}

# events_connect OUT MARKER: `tendctl events` in the background (bg),
# writing to OUT; returns once it is connected: MARKER, a service of no
# other use, is restarted until the client saw it. Sets EVENTS_PID.
events_connect() {
	local i
	bg "$TENDCTL" -S "$TEND_SOCK" events >"$1" 2>"$1.err"
	EVENTS_PID=$BG_PID
	for i in $(seq 1 50); do
		ctl_expect 0 restart "$2"
		grep -q "\"service\": \"$2\"" "$1" && break
	done
	grep -q "\"service\": \"$2\"" "$1" ||
		fail "tendctl events saw no restart of $2 in 50 tries"
	WAIT_WHY="$2 running again in ${1#"$T"/}" wait_for 5 \
		grep -q "\"service\": \"$2\", \"from\": \"starting\", \"to\": \"running\"" "$1"
}

# transitions OUT NAME: NAME's state changes in the events of OUT, one
# "FROM>TO reason" a line.
transitions() {
	python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["service"] == sys.argv[2]:
        print("%s>%s %s" % (e["from"], e["to"], e["reason"] or ""))' "$1" "$2"
}

# --------------------------------------------------------------- security
# For the t_sec_* tests.

# unix_listen PATH: a unix stream socket listening on PATH (a Python
# program, in the background: bg) that answers each connection with
# "here\n"; returns once PATH is there. Sets LISTEN_PID.
unix_listen() {
	bg python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
while True:
    c, _ = s.accept()
    try:
        c.sendall(b"here\n")
    except OSError:
        pass  # a client that connected and left at once
    c.close()' "$1"
	LISTEN_PID=$BG_PID
	WAIT_WHY="a listener on $1" wait_for 10 test -S "$1"
}

# unix_answers PATH: a connection to PATH gets "here" (unix_listen's).
unix_answers() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
sys.exit(s.recv(16) != b"here\n")' "$1" 2>/dev/null
}

# unix_stale PATH: leaves a socket file at PATH that nobody listens on (a
# program bound it and exited), as a killed server does.
unix_stale() {
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(sys.argv[1])' "$1" ||
		fail "cannot make a stale socket at $1"
}

# ----------------------------------------------------------------- faults
# For the t_fault_* tests.

# at_exit FUNC: runs FUNC when the test ends (passed, failed or killed),
# before the cleanup stops the test's processes: to undo what the test
# changed outside $T (a cgroup, a frozen process). FUNC must not call fail.
_AT_EXIT=()
at_exit() {
	_AT_EXIT+=("$1")
	trap _run_at_exit EXIT
}
_run_at_exit() {
	local rc=$? f
	trap '' PIPE
	for f in "${_AT_EXIT[@]}"; do
		"$f"
	done
	(exit "$rc")
	_cleanup
}

# full_tmpfs DIR KIB [OUT]: a full filesystem at DIR for the next
# start_tend ns (sets TEND_WRAP): in tend's mount namespace, a tmpfs of KIB
# KiB, all but 8 KiB of it taken by DIR/filler (remove it to free the
# space); with OUT, tend's stdout is the file DIR/OUT. Makes DIR. When this
# machine cannot mount a tmpfs (not root, ...), the test passes here with a
# SKIP line.
full_tmpfs() {
	if [ "$(id -u)" != 0 ]; then
		log "SKIP the full filesystem case: mounting a tmpfs needs root"
		pass
	fi
	mkdir "$1" || fail "mkdir $1"
	# shellcheck disable=SC2016
	if ! unshare --mount /bin/sh -c 'mount -t tmpfs -o size="$2"k tmpfs "$1"' \
		sh "$1" "$2" >"$T/mount.txt" 2>&1; then
		log "SKIP the full filesystem case: cannot mount a tmpfs here: $(cat "$T/mount.txt")"
		pass
	fi
	# shellcheck disable=SC2016
	TEND_WRAP=(/bin/sh -c 'mount -t tmpfs -o size="$2"k tmpfs "$1" &&
		head -c "$3" /dev/zero >"$1/filler" && d=$1 out=$4 && shift 4 &&
		if [ -n "$out" ]; then exec "$@" >"$d/$out"; else exec "$@"; fi' \
		sh "$1" "$2" $((($2 - 8) * 1024)) "${3-}")
}

# tend_execd: TEND_PID runs $TEND, not one of the TEND_WRAP programs that
# come before it (they exec it in the end): wait_for tend_execd before
# looking at what tend is (its uid, its limits, its cgroup).
tend_execd() {
	[ "$(readlink "/proc/$TEND_PID/exe" 2>/dev/null)" = "$(readlink -f "$TEND")" ]
}

# cg_has DIR PID: the cgroup DIR holds PID.
cg_has() {
	cg_procs "$1" 2>/dev/null || return 1
	[[ " ${CG_PROCS[*]} " == *" $2 "* ]]
}

# free_uid: prints a uid that no process has and /etc/passwd does not
# name, for a test that runs tend or a service as a user of its own
# (RLIMIT_NPROC counts the processes of a uid across the machine).
free_uid() {
	local u f used
	for ((u = 61000 + $$ % 4000; u < 65500; u++)); do
		getent passwd "$u" >/dev/null && continue
		used=0
		for f in /proc/[0-9]*/status; do
			_file_field "$f" Uid 2>/dev/null || continue
			[ "${FIELD%%[[:space:]]*}" = "$u" ] && used=1 && break
		done
		if ((!used)); then
			echo "$u"
			return 0
		fi
	done
	return 1
}

# as_uid UID CMD [ARG...]: runs CMD as UID (and gid UID), no other group.
as_uid() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --clear-groups "$@"
}

# limit_of PID NAME: sets LIMIT_SOFT and LIMIT_HARD to PID's resource limit
# NAME as /proc/PID/limits spells it ("Max processes", "Max open files").
limit_of() {
	local line
	LIMIT_SOFT=
	LIMIT_HARD=
	while IFS= read -r line; do
		if [[ $line == "$2 "* ]]; then
			read -r LIMIT_SOFT LIMIT_HARD _ <<<"${line#"$2"}"
			return 0
		fi
	done <"/proc/$1/limits"
	return 1
}

# cpu_ms PID: sets CPU_MS to the CPU time PID has used (user + system), in
# milliseconds.
cpu_ms() {
	local u s
	u=$(stat_field "$1" 14) && s=$(stat_field "$1" 15) || return 1
	: "${_CLK_TCK:=$(getconf CLK_TCK)}"
	CPU_MS=$(((u + s) * 1000 / _CLK_TCK))
}

# fd_count PID: prints the number of PID's open fds.
fd_count() {
	local f n=0
	for f in /proc/"$1"/fd/*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		n=$((n + 1))
	done
	echo "$n"
}

# count_lines FILE TEXT: prints how many lines of FILE hold TEXT.
count_lines() {
	local n
	n=$(grep -cF -- "$2" "$1" 2>/dev/null) || n=0
	echo "$n"
}

# cg_new KIND: makes a cgroup of the test's own in which KIND (pids or
# freezer) works and sets CG to its directory; returns 1, with CG_WHY,
# when the machine has none the test can make. cgroup v1's KIND hierarchy
# is preferred (its freezer holds a task even against SIGKILL), else
# cgroup v2 (pids only where the controller is already enabled). Each
# candidate parent is tried: the test's own cgroup, then the hierarchy's
# root. Removed at the end of the test (cg_cleanup, through at_exit):
# thawed, every process in it killed, then rmdir.
_CGS=()
cg_new() {
	local kind=$1 id parent dev root mnt rest post fstype src super
	local n ctrls path own1='' own2='' cand dir file
	local -a v1=() v2=() cands=()
	CG=
	CG_WHY=
	while IFS=: read -r n ctrls path; do
		case ",$ctrls," in
		*",$kind,"*) own1=$path ;;
		,,) own2=$path ;;
		esac
	done </proc/self/cgroup
	while read -r id parent dev root mnt rest; do
		post=${rest#* - }
		read -r fstype src super <<<"$post"
		case $fstype in
		cgroup) case ",$super," in *",$kind,"*) v1+=("$mnt") ;; esac ;;
		cgroup2) v2+=("$mnt") ;;
		esac
	done </proc/self/mountinfo
	for mnt in "${v1[@]}"; do
		cands+=("$mnt${own1%/}" "$mnt")
	done
	for mnt in "${v2[@]}"; do
		cands+=("$mnt${own2%/}" "$mnt")
	done
	if ((${#cands[@]} == 0)); then
		CG_WHY="no cgroup hierarchy with $kind mounted"
		return 1
	fi
	for cand in "${cands[@]}"; do
		[ -d "$cand" ] || continue
		dir=$cand/tend-test.$$.$kind.$RANDOM
		mkdir "$dir" 2>/dev/null || continue
		case $kind in
		pids) file=pids.max ;;
		freezer) file=freezer.state ;;
		*) file=cgroup.procs ;;
		esac
		[ "$kind" = freezer ] && [ ! -e "$dir/$file" ] && file=cgroup.freeze
		if [ -e "$dir/$file" ]; then
			CG=$dir
			_CGS+=("$dir")
			((${#_CGS[@]} == 1)) && at_exit cg_cleanup
			return 0
		fi
		rmdir "$dir" 2>/dev/null
	done
	CG_WHY="cannot make a cgroup with $kind in: ${cands[*]}"
	return 1
}

# cg_join DIR PID: moves PID (a host pid) into the cgroup DIR.
cg_join() {
	echo "$2" >"$1/cgroup.procs"
}

# cg_procs DIR: sets CG_PROCS to the processes of the cgroup DIR.
cg_procs() {
	local p
	CG_PROCS=()
	while read -r p; do
		CG_PROCS+=("$p")
	done <"$1/cgroup.procs"
}

# cg_freeze DIR / cg_thaw DIR / cg_frozen DIR: the freezer of DIR.
cg_freeze() {
	if [ -e "$1/freezer.state" ]; then
		echo FROZEN >"$1/freezer.state"
	else
		echo 1 >"$1/cgroup.freeze"
	fi
}
cg_thaw() {
	if [ -e "$1/freezer.state" ]; then
		echo THAWED >"$1/freezer.state"
	elif [ -e "$1/cgroup.freeze" ]; then
		echo 0 >"$1/cgroup.freeze"
	fi
}
cg_frozen() {
	if [ -e "$1/freezer.state" ]; then
		[ "$(cat "$1/freezer.state")" = FROZEN ]
	else
		grep -qx 'frozen 1' "$1/cgroup.events"
	fi
}

# cg_cleanup: removes the cgroups of cg_new (see there).
cg_cleanup() {
	local dir round p
	for dir in "${_CGS[@]}"; do
		[ -d "$dir" ] || continue
		cg_thaw "$dir" 2>/dev/null
		for round in $(seq 1 250); do
			cg_procs "$dir" 2>/dev/null
			((${#CG_PROCS[@]} == 0)) && rmdir "$dir" 2>/dev/null && break
			for p in "${CG_PROCS[@]}"; do
				kill -KILL "$p" 2>/dev/null
			done
			_nap
		done
		[ -d "$dir" ] && log "cleanup: cannot remove the cgroup $dir"
	done
	_CGS=()
}
