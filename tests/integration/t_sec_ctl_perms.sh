#!/bin/bash
# The control socket's permission model, every command from every kind of
# peer (clients are tendctl run through setpriv as uids with no passwd
# entry, so no user is created). tend as PID 1 (root), monitor-group = adm,
# control-group = tty, socket 0666: a peer in neither group is denied all
# twelve commands (status, check, metrics, log, log -f, events, start,
# stop, restart, signal, reload, shutdown: exit 3, "denied", nothing done);
# a member of adm, as a supplementary group or as its own gid, may run the
# six read-only ones (the two streams included) and is denied the six
# others, which change nothing; a member of tty, either way, may run them
# all. A peer with 301 supplementary groups has all of them read (adm among
# them gives the read-only commands, never more). Without the group keys the socket is 0600: a
# non-root peer cannot connect at all (exit 3), whatever its groups. tend
# run as a non-root uid (a subreaper, its socket given with -S) serves that
# uid and root every command, and no other uid.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
adm=$(getent group adm | cut -d: -f3)
tty=$(getent group tty | cut -d: -f3)
if [ -z "$adm" ] || [ -z "$tty" ]; then
	fail "groups adm and tty are needed in /etc/group"
fi
# Ids no file names: setpriv takes numbers, tend reads SO_PEERCRED.
OTHER=4242
OWNER=4243
for u in $OTHER $OWNER; do
	! getent passwd "$u" >/dev/null || log "note: uid $u has a passwd entry"
done
# The clients must reach the socket in $T.
chmod 711 "$T"

READ_CMDS=(status check metrics log follow events)
WRITE_CMDS=(stop start restart signal reload shutdown)

# The services: talk writes a line every 50 ms (for log), web is the one
# start/stop/restart act on, rec records the signals it gets, marker is
# restarted by root to make events for a stream to show.
# R: the directory of their record files.
R=$T
svc_conf() {
	cat <<EOF
service "talk" { command = "$TESTCHILD tick 50 --tag talk" }
service "web" { command = "$TESTCHILD stamp $R/web.rec" }
service "rec" { command = "$TESTCHILD record $R/rec.rec TERM=0" }
service "marker" { command = "$TESTCHILD stamp $R/marker.rec" }
EOF
}

# sec_as UID GID [GROUPS]: the next ctl/ctl_raw runs as UID:GID with the
# supplementary GROUPS (comma separated; none when empty or missing).
sec_as() {
	if [ -n "${3-}" ]; then
		CTL_PRE=(setpriv --reuid="$1" --regid="$2" --groups="$3")
	else
		CTL_PRE=(setpriv --reuid="$1" --regid="$2" --clear-groups)
	fi
}

# args_of CMD: the tendctl arguments of the short name CMD.
args_of() {
	case $1 in
	log) ARGS=(log -n 3 talk) ;;
	follow) ARGS=(log -f -n 3 talk) ;;
	stop | start | restart) ARGS=("$1" web) ;;
	signal) ARGS=(signal USR1 rec) ;;
	reload) ARGS=(reload) ;;
	*) ARGS=("$1") ;;
	esac
}

# stream_as WANT CMD: runs the stream CMD (events or follow) with CTL_PRE;
# WANT ok: it streams (a line comes: for events, root restarts the marker
# until one does), then is stopped; WANT denied: it exits 3 saying so;
# WANT refused: it exits 3 (cannot connect).
stream_as() {
	local want=$1 pid i
	args_of "$2"
	rm -f "$T/stream.out" "$T/stream.err"
	bg "${CTL_PRE[@]}" "$TENDCTL" -S "$TEND_SOCK" "${ARGS[@]}" \
		>"$T/stream.out" 2>"$T/stream.err"
	pid=$BG_PID
	if [ "$want" = ok ]; then
		now_ms
		local end=$((NOW_MS + $(_scale 15) * 1000)) pre=("${CTL_PRE[@]}")
		for i in $(seq 1 100000); do
			[ -s "$T/stream.out" ] && break
			alive "$pid" || break
			now_ms
			((NOW_MS < end)) || break
			if [ "$2" = events ] && ((i % 10 == 0)); then
				CTL_PRE=()
				ctl_expect 0 restart marker
				CTL_PRE=("${pre[@]}")
			fi
			_nap
		done
		[ -s "$T/stream.out" ] ||
			fail "${ARGS[*]} as ${CTL_PRE[*]}: no line streamed; stderr '$(cat "$T/stream.err")'"
		kill -INT "$pid"
		wait_exit "$pid" 5
		return 0
	fi
	wait_exit "$pid" 10
	[ "$EXIT_CODE" = 3 ] ||
		fail "${ARGS[*]} as ${CTL_PRE[*]}: exit $EXIT_CODE, expected 3; stderr '$(cat "$T/stream.err")'"
	if [ "$want" = denied ]; then
		grep -q "permission denied" "$T/stream.err" ||
			fail "${ARGS[*]} as ${CTL_PRE[*]}: not tend's refusal: '$(cat "$T/stream.err")'"
	else
		grep -q "cannot reach tend" "$T/stream.err" ||
			fail "${ARGS[*]} as ${CTL_PRE[*]}: not a refused connection: '$(cat "$T/stream.err")'"
	fi
}

# try WANT CMD: CMD as set by sec_as; WANT ok (exit 0), denied (exit 3,
# tend's refusal) or refused (exit 3: cannot connect).
try() {
	local want=$1
	case $2 in
	events | follow)
		stream_as "$want" "$2"
		return
		;;
	esac
	args_of "$2"
	ctl --timeout 20 "${ARGS[@]}"
	case $want in
	ok)
		[ "$CTL_RC" = 0 ] ||
			fail "${ARGS[*]} as ${CTL_PRE[*]}: exit $CTL_RC, expected 0; stdout '$CTL_OUT'; stderr '$CTL_ERR'"
		;;
	denied | refused)
		[ "$CTL_RC" = 3 ] ||
			fail "${ARGS[*]} as ${CTL_PRE[*]}: exit $CTL_RC, expected 3; stdout '$CTL_OUT'; stderr '$CTL_ERR'"
		if [ "$want" = denied ]; then
			[[ $CTL_ERR == *"permission denied"* ]] ||
				fail "${ARGS[*]} as ${CTL_PRE[*]}: not tend's refusal: '$CTL_ERR'"
		else
			[[ $CTL_ERR == *"cannot reach tend"* ]] ||
				fail "${ARGS[*]} as ${CTL_PRE[*]}: not a refused connection: '$CTL_ERR'"
		fi
		;;
	esac
}

# usr1_count: sets N_USR1 to the USR1 lines of rec's record.
usr1_count() {
	N_USR1=$(grep -cx USR1 "$R/rec.rec")
	return 0
}

# Nothing that a refused command would do has happened: web has its pid
# and its runs, rec got no more signals, tend runs.
WEB=
untouched() {
	svc_is web pid "$WEB" && svc_is web state running &&
		stamp_count "$R/web.rec" start && ((STAMP_N == WEB_RUNS)) &&
		usr1_count && ((N_USR1 == USR1S)) && alive "$TEND_PID"
}

# usr1s_seen: rec's record has USR1S USR1 lines.
usr1s_seen() {
	usr1_count
	((N_USR1 == USR1S))
}

# boot RUN CONF: starts tend (as PID 1 unless TEND_WRAP says otherwise),
# waits for every service, sets WEB.
boot() {
	rm -f "$R/web.rec" "$R/rec.rec" "$R/marker.rec"
	RUN=$1 start_tend "${MODE:-ns}" -S "$TEND_SOCK" -c "$2"
	wait_stamps "$R/web.rec" start 1 15
	WAIT_WHY="rec's ready line" wait_for 15 grep -qs '^ready ' "$R/rec.rec"
	WAIT_WHY="every service running" wait_for 15 ctl_true \
		"all(s['state'] == 'running' for s in d['services'])"
	WEB=$(svc_json web pid)
	WEB_RUNS=1
	USR1S=0
}

# all_refused WANT: every command with CTL_PRE refused as WANT says, none
# of them doing anything.
all_refused() {
	local c
	for c in "${READ_CMDS[@]}" "${WRITE_CMDS[@]}"; do
		try "$1" "$c"
	done
	CTL_PRE=()
	holds 500 "a refused command did something" untouched
}

# read_only: the read commands served, the others denied and without effect.
read_only() {
	local c pre=("${CTL_PRE[@]}")
	for c in "${READ_CMDS[@]}"; do
		try ok "$c"
	done
	ctl metrics
	grep -q '^tend_service_state{service="web",state="running"} 1$' <<<"$CTL_OUT" ||
		fail "metrics as ${pre[*]}: '$CTL_OUT'"
	for c in "${WRITE_CMDS[@]}"; do
		try denied "$c"
	done
	CTL_PRE=()
	holds 500 "a command refused to a monitor did something" untouched
}

# everything SHUTDOWN: every command served with effect (the shutdown
# only when SHUTDOWN is 1).
everything() {
	local c pre=("${CTL_PRE[@]}")
	for c in "${READ_CMDS[@]}"; do
		try ok "$c"
	done
	try ok restart
	WEB_RUNS=$((WEB_RUNS + 1))
	wait_stamps "$R/web.rec" start "$WEB_RUNS" 10
	try ok stop
	CTL_PRE=()
	WAIT_WHY="web stopped" wait_for 10 svc_is web state stopped
	CTL_PRE=("${pre[@]}")
	try ok start
	WEB_RUNS=$((WEB_RUNS + 1))
	wait_stamps "$R/web.rec" start "$WEB_RUNS" 10
	try ok signal
	USR1S=$((USR1S + 1))
	WAIT_WHY="USR1 number $USR1S in rec's record" wait_for 5 usr1s_seen
	try ok reload
	CTL_PRE=()
	WAIT_WHY="web running" wait_for 10 svc_is web state running
	WEB=$(svc_json web pid)
	holds 300 "a reload of the same config changed something" untouched
	if [ "$1" = 1 ]; then
		CTL_PRE=("${pre[@]}")
		try ok shutdown
		CTL_PRE=()
		wait_exit "$JOB_PID" 20
		expect_eq "tend's exit status after a shutdown by ${pre[*]}" 0 "$EXIT_CODE"
	fi
}

TEND_SOCK=$T/tend.sock

# ---- 1. groups set: 0666, each peer checked
{
	echo 'monitor-group = "adm"'
	echo 'control-group = "tty"'
	svc_conf
} | write_conf "$T/groups.conf"
boot groups "$T/groups.conf"
expect_eq "socket owner and mode with groups" "0 666" "$(stat -c '%u %a' "$TEND_SOCK")"

sec_as $OTHER $OTHER
all_refused denied
sec_as $OTHER $OTHER 4711,4712
all_refused denied
log "a peer in neither group: $CTL_ERR"
# 300 supplementary groups, none of them adm or tty: refused all the same.
many=$(seq -s, 5000 5299)
sec_as $OTHER $OTHER "$many"
all_refused denied
sec_as $OTHER $OTHER "$many,$adm"
try denied restart
ctl status
log "status as a member of adm with 300 other groups: exit $CTL_RC $CTL_ERR"
expect_eq "status as a member of adm among 301 groups (all of them read)" 0 "$CTL_RC"
CTL_PRE=()
holds 300 "a restart by a peer of 301 groups did something" untouched

sec_as $OTHER $OTHER "$adm"
read_only
sec_as $OTHER "$adm"
read_only
sec_as $OTHER $OTHER "4711,$adm,4712"
read_only
log "a monitor: $CTL_ERR"

sec_as $OTHER $OTHER "$tty"
everything 0
sec_as $OTHER "$tty"
everything 0
sec_as 0 0
everything 0
sec_as $OTHER $OTHER "$adm,$tty"
everything 1

# ---- 2. no group keys: 0600, a non-root peer cannot connect
svc_conf | write_conf "$T/plain.conf"
boot plain "$T/plain.conf"
expect_eq "socket owner and mode without groups" "0 600" "$(stat -c '%u %a' "$TEND_SOCK")"
sec_as $OTHER $OTHER
all_refused refused
sec_as $OTHER $OTHER "$adm,$tty"
all_refused refused
sec_as $OTHER "$tty" "$adm,$tty,0"
all_refused refused
log "a non-root peer on a 0600 socket: $CTL_ERR"
sec_as 0 0
everything 1

# ---- 3. tend as a non-root uid: that uid and root may do everything
mkdir -m 711 "$T/own"
R=$T/own
svc_conf | write_conf "$T/own/tend.conf"
chmod 644 "$T/own/tend.conf"
chown "$OWNER:$OWNER" "$T/own"
TEND_SOCK=$T/own/tend.sock
# shellcheck disable=SC2034 # read by lib.sh's tend_sub
TEND_WRAP=(setpriv --reuid="$OWNER" --regid="$OWNER" --clear-groups)
MODE=sub boot own "$T/own/tend.conf"
expect_eq "socket owner and mode of a non-root tend" "$OWNER 600" \
	"$(stat -c '%u %a' "$TEND_SOCK")"
expect_eq "tend's uid" "$OWNER" "$(status_field "$TEND_PID" Uid | cut -f1)"
sec_as $OTHER $OTHER "$OWNER"
all_refused refused
sec_as $OWNER $OWNER
everything 0
sec_as 0 0
everything 0
sec_as $OWNER $OWNER
everything 1
pass
