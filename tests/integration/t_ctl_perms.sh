#!/bin/bash
# Who may use the control socket (tend as PID 1; clients are tendctl run as
# `nobody` through setpriv). Without control-group and monitor-group the
# socket is mode 0600: nobody is refused (exit 3) while root keeps being
# served. With monitor-group = "adm" and control-group = "tty" it is 0666
# and tend checks each peer: nobody in no group is denied everything (exit
# 3, nothing done); a member of adm (as a supplementary group, or as its
# own gid) may run status, check and metrics, while restart, stop, signal,
# reload and shutdown are refused with exit 3 and change nothing (same pid,
# no signal recorded, tend still running); a member of tty may restart (a
# new pid) and shut tend down (exit 0).
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
adm=$(getent group adm | cut -d: -f3)
tty=$(getent group tty | cut -d: -f3)
[ -n "$adm" ] && [ -n "$tty" ] || fail "groups adm and tty are needed in /etc/group"
id nobody >/dev/null 2>&1 || fail "user nobody is needed"
nogroup=$(id -g nobody)
# The clients run as nobody: let them through to the socket in $T.
chmod 711 "$T"

# as GROUPS ARGS...: tendctl ARGS as nobody with the supplementary GROUPS
# ("" for none).
as() {
	local groups=$1
	shift
	if [ -n "$groups" ]; then
		CTL_PRE=(setpriv --reuid=nobody --regid="$nogroup" --groups="$groups")
	else
		CTL_PRE=(setpriv --reuid=nobody --regid="$nogroup" --clear-groups)
	fi
	ctl "$@"
	CTL_PRE=()
}
# as_expect RC GROUPS ARGS...
as_expect() {
	local want=$1 groups=$2
	shift 2
	as "$groups" "$@"
	[ "$CTL_RC" = "$want" ] ||
		fail "tendctl $* as nobody (groups '$groups'): exit $CTL_RC, expected $want; stdout '$CTL_OUT'; stderr '$CTL_ERR'"
}

svc_conf() {
	cat <<EOF
service "web" { command = "$TESTCHILD stamp $T/web.rec" }
service "rec" { command = "$TESTCHILD record $T/rec.rec TERM=0" }
EOF
}

# ---- no group: 0600, nobody cannot even connect
svc_conf | write_conf "$T/plain.conf"
RUN=plain start_tend ns -c "$T/plain.conf"
wait_stamps "$T/web.rec" start 1 15
wait_ready "$T/rec.rec" 15
expect_eq "socket mode without groups" 600 "$(stat -c %a "$TEND_SOCK")"
for cmd in status check metrics "restart web"; do
	# shellcheck disable=SC2086
	as_expect 3 "" $cmd
	# shellcheck disable=SC2086
	as_expect 3 "$adm,$tty" $cmd
done
log "as nobody on a 0600 socket: $CTL_ERR"
ctl_expect 0 status
ctl_expect 0 check
stamp_count "$T/web.rec" start
expect_eq "runs of web after refused restarts" 1 "$STAMP_N"
ctl_expect 0 shutdown
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status (plain)" 0 "$EXIT_CODE"
rm -f "$T/web.rec" "$T/rec.rec"

# ---- monitor-group adm, control-group tty: 0666, checked per peer
{
	echo 'monitor-group = "adm"'
	echo 'control-group = "tty"'
	svc_conf
} | write_conf "$T/groups.conf"
RUN=groups start_tend ns -c "$T/groups.conf"
wait_stamps "$T/web.rec" start 1 15
wait_ready "$T/rec.rec" 15
stamp_at "$T/web.rec" start
web=$STAMP_PID
WAIT_WHY="both running" wait_for 10 ctl_true "all(s['state'] == 'running' for s in d['services'])"
expect_eq "socket mode with groups" 666 "$(stat -c %a "$TEND_SOCK")"

# nobody, no group: nothing at all.
for cmd in status check metrics "restart web" "signal USR1 rec" shutdown; do
	# shellcheck disable=SC2086
	as_expect 3 "" $cmd
	[[ $CTL_ERR == *denied* ]] || fail "$cmd as nobody: not tend's refusal: '$CTL_ERR'"
done
log "refusal as nobody: $CTL_ERR"
# adm as a supplementary group: read-only commands.
as_expect 0 "$adm" status
awk '$1 == "web" && $2 == "running" {ok = 1} END {exit !ok}' <<<"$CTL_OUT" ||
	fail "status as a monitor: '$CTL_OUT'"
as_expect 0 "$adm" --json status
as_expect 0 "$adm" check
as_expect 0 "$adm" metrics
grep -q '^tend_service_state{service="web",state="running"} 1$' <<<"$CTL_OUT" ||
	fail "metrics as a monitor: '$CTL_OUT'"
as_expect 0 "$adm" status web
# adm as the process's own gid, no supplementary group.
CTL_PRE=(setpriv --reuid=nobody --regid="$adm" --clear-groups)
ctl status
CTL_PRE=()
expect_eq "status as nobody with gid adm" 0 "$CTL_RC"
for cmd in "restart web" "stop web" "start web" "signal USR1 rec" "reload" "reload --dry-run" shutdown; do
	# shellcheck disable=SC2086
	as_expect 3 "$adm" $cmd
	[[ $CTL_ERR == *denied* ]] || fail "$cmd as a monitor: not tend's refusal: '$CTL_ERR'"
done
log "refusal as a monitor: $CTL_ERR"
untouched() {
	svc_is web pid "$web" && svc_is web state running &&
		stamp_count "$T/web.rec" start && ((STAMP_N == 1)) &&
		[ "$(record_lines "$T/rec.rec")" = "" ] && alive "$TEND_PID"
}
holds 1000 "a refused command did something" untouched
ctl_expect 0 status
# tty: every command.
as_expect 0 "$tty" restart web
wait_stamps "$T/web.rec" start 2 5
stamp_at "$T/web.rec" start 2
svc_is web pid "$STAMP_PID" || fail "web after a restart by a control-group member: pid $(svc_json web pid), expected $STAMP_PID"
[ "$STAMP_PID" != "$web" ] || fail "web kept its pid"
as_expect 0 "$tty" signal USR1 rec
wait_line "$T/rec.rec" USR1 5
as_expect 0 "$tty,$adm" status
as_expect 0 "$tty" shutdown
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status after a shutdown by a control-group member" 0 "$EXIT_CODE"
pass
