#!/bin/bash
# The fallback socket (SPEC §5): tend run as `nobody` (a subreaper, through
# setpriv), with no -S and no control-socket, cannot write to /run, so it
# listens on /tmp/tend-65534/tend.sock in a directory it creates, owned by
# nobody, mode 0700; tendctl run as nobody finds it with no -S and no
# $TEND_SOCKET and controls tend (status, restart, shutdown). tend refuses
# that directory when it is a symlink or another user's (exit 1, nothing
# started), and tendctl refuses it when it belongs to neither root nor
# itself (exit 3, though the socket inside answers). The directory is
# removed at the end. The test runs in a mount namespace of its own with an
# empty /run (mode 0755), so that a tend of the machine listening on
# /run/tend.sock is not what tendctl finds first. Skipped (77) when the
# directory is already there.
if [ -z "${_FB_PRIVATE_RUN-}" ]; then
	export _FB_PRIVATE_RUN=1
	# shellcheck disable=SC2016
	exec unshare --mount --propagation private /bin/sh -c \
		'mount -t tmpfs -o size=1m,mode=0755 tmpfs /run && exec "$@"' \
		sh bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
uid=$(id -u nobody) || fail "user nobody is needed"
gid=$(id -g nobody)
fb=/tmp/tend-$uid
if [ -e /run/tend.sock ] || [ -L /run/tend.sock ]; then
	log "SKIP: /run/tend.sock exists: tendctl would try it before $fb"
	exit 77
fi
if [ -e "$fb" ] || [ -L "$fb" ]; then
	log "SKIP: $fb exists already (another tend of uid $uid?)"
	exit 77
fi
# Remove the directory whatever happens (lib.sh's cleanup keeps the status).
_fb_exit() {
	local rc=$?
	rm -rf "$fb"
	(exit "$rc")
	_cleanup
}
trap _fb_exit EXIT
unset TEND_SOCKET TEND_CONFIG

chmod 711 "$T"
mkdir "$T/nb"
chown "$uid:$gid" "$T/nb"
as_nobody=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
cat >"$T/nb/tend.conf" <<EOF
service "web" { command = "$TESTCHILD stamp $T/nb/web.rec" }
EOF
chmod 644 "$T/nb/tend.conf"

# start_nobody RUN: tend as nobody, its config through $TEND_CONFIG (so that
# no -S is added), sets TEND_PID.
start_nobody() {
	export TEND_CONFIG=$T/nb/tend.conf
	# shellcheck disable=SC2034 # read by lib.sh's tend_sub
	TEND_WRAP=("${as_nobody[@]}")
	RUN=$1 start_tend sub
	unset TEND_CONFIG
}

# ---- refused directories
ln -s "$T/nb" "$fb"
start_nobody symlink
wait_exit "$TEND_PID" 10
expect_eq "tend's exit status with $fb a symlink" 1 "$EXIT_CODE"
log "symlink: $(cat "$T/symlink.err")"
grep -qF "$fb" "$T/symlink.err" || fail "the refusal does not name $fb: $(cat "$T/symlink.err")"
rm -f "$fb"
mkdir -m 0777 "$fb"
start_nobody rootdir
wait_exit "$TEND_PID" 10
expect_eq "tend's exit status with $fb owned by root" 1 "$EXIT_CODE"
log "root's dir: $(cat "$T/rootdir.err")"
grep -qF "$fb" "$T/rootdir.err" || fail "the refusal does not name $fb: $(cat "$T/rootdir.err")"
[ ! -e "$T/nb/web.rec" ] || fail "a refused tend started its service"
[ ! -e "$fb/tend.sock" ] || fail "a refused tend made its socket in root's $fb"
rmdir "$fb"

# ---- the fallback socket
start_nobody fallback
wait_stamps "$T/nb/web.rec" start 1 15
WAIT_WHY="$fb/tend.sock" wait_for 10 test -S "$fb/tend.sock"
expect_eq "owner and mode of $fb" "$uid 700" "$(stat -c '%u %a' "$fb")"
[ ! -L "$fb" ] || fail "$fb is a symlink"
expect_eq "owner and mode of the socket" "$uid 600" "$(stat -c '%u %a' "$fb/tend.sock")"
grep -qF "$fb/tend.sock" "$T/fallback.err" || log "tend does not name its socket: $(head -n 3 "$T/fallback.err")"
CTL_PRE=("${as_nobody[@]}")
ctl_raw status
expect_eq "tendctl status as nobody, no -S" 0 "$CTL_RC"
awk '$1 == "web" && $2 == "running" {ok = 1} END {exit !ok}' <<<"$CTL_OUT" ||
	fail "status as nobody: '$CTL_OUT'"
ctl_raw restart web
expect_eq "tendctl restart as nobody (tend's own uid), no -S" 0 "$CTL_RC"
wait_stamps "$T/nb/web.rec" start 2 5

# tendctl refuses the directory of another user, though the socket answers.
chown daemon "$fb"
chmod 711 "$fb"
ctl_raw status
log "as nobody with $fb owned by daemon: exit $CTL_RC: $CTL_ERR"
expect_eq "tendctl status as nobody with $fb owned by daemon" 3 "$CTL_RC"
ctl_raw -S "$fb/tend.sock" status
expect_eq "the same with -S (no directory check: the socket does answer)" 0 "$CTL_RC"
chown "$uid" "$fb"
chmod 700 "$fb"
ctl_raw shutdown
expect_eq "tendctl shutdown as nobody, no -S" 0 "$CTL_RC"
CTL_PRE=()
wait_exit "$TEND_PID" 15
expect_eq "tend's exit status after the shutdown" 0 "$EXIT_CODE"
stamp_count "$T/nb/web.rec" start
expect_eq "runs of web" 2 "$STAMP_N"
pass
