#!/bin/bash
# What tend does with a control socket path it does not own (-S, tend as
# PID 1, root, unless said otherwise). The path is a symlink to a regular
# file, to a missing file, to another program's live socket, to a stale
# socket; a regular file; a directory: each time tend refuses (exit 1,
# naming the path, no service started) and follows no symlink: the target
# keeps its content, owner and mode, a missing target is not created, a
# live socket still answers, the symlink is still there. In a sticky
# world-writable directory (mode 1777, as /tmp): another user's live
# socket is refused and left answering; another user's stale socket (no
# listener) is replaced by a root tend, as tend's own stale socket is,
# and refused and left in place by a non-root tend; tend's own socket
# there is 0600 and cannot be removed by another uid. The listeners are
# Python programs as root whose socket file is given to uid 4242.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
OTHER=4242
OWNER=4243
chmod 711 "$T"
write_conf "$T/tend.conf" <<EOF
service "web" { command = "$TESTCHILD stamp $T/pub/web.rec" }
EOF
chmod 644 "$T/tend.conf"
mkdir -m 1777 "$T/pub"

# refused RUN PATH: tend -S PATH exits 1 at once, naming PATH, and starts
# nothing.
refused() {
	RUN=$1 start_tend ns -S "$2" -c "$T/tend.conf"
	wait_exit "$JOB_PID" 10
	expect_eq "tend's exit status with $1 at the socket path" 1 "$EXIT_CODE"
	grep -qF "$2" "$T/$1.err" || fail "$1: the refusal does not name $2: $(cat "$T/$1.err")"
	[ ! -e "$T/pub/web.rec" ] || fail "$1: a refused tend started its service"
	log "$1: $(head -n 1 "$T/$1.err")"
}

# ---- a symlink to a regular file
echo precious >"$T/target"
chmod 640 "$T/target"
chown "$OTHER:$OTHER" "$T/target"
ln -s "$T/target" "$T/link"
before=$(stat -c '%i %u %g %a %s %Y' "$T/target")
refused symlink-file "$T/link"
expect_eq "the symlink's target (inode owner group mode size mtime)" "$before" \
	"$(stat -c '%i %u %g %a %s %Y' "$T/target")"
expect_eq "the target's content" precious "$(cat "$T/target")"
expect_eq "the symlink" "$T/target" "$(readlink "$T/link")"
rm -f "$T/link"

# ---- a symlink to a missing file: not created through the link
ln -s "$T/missing" "$T/link"
refused symlink-missing "$T/link"
if [ -e "$T/missing" ] || [ -L "$T/missing" ]; then
	fail "tend created the symlink's target: $(stat -c '%F %u %a' "$T/missing")"
fi
expect_eq "the symlink" "$T/missing" "$(readlink "$T/link")"
rm -f "$T/link"

# ---- a symlink to a live socket, to a stale one
unix_listen "$T/live.sock"
chown "$OTHER:$OTHER" "$T/live.sock"
ln -s "$T/live.sock" "$T/link"
ino=$(stat -c %i "$T/live.sock")
refused symlink-live "$T/link"
expect_eq "the live socket's inode" "$ino" "$(stat -c %i "$T/live.sock")"
unix_answers "$T/live.sock" || fail "the live socket no longer answers"
kill "$LISTEN_PID"
wait "$LISTEN_PID" 2>/dev/null
rm -f "$T/link"
unix_stale "$T/stale.sock"
chown "$OTHER:$OTHER" "$T/stale.sock"
ln -s "$T/stale.sock" "$T/link"
ino=$(stat -c %i "$T/stale.sock")
refused symlink-stale "$T/link"
[ -S "$T/stale.sock" ] || fail "the stale socket behind the symlink was removed"
expect_eq "the stale socket's inode" "$ino" "$(stat -c %i "$T/stale.sock")"
rm -f "$T/link" "$T/stale.sock"

# ---- a regular file, a directory
echo precious >"$T/file"
before=$(stat -c '%i %a %s %Y' "$T/file")
refused file "$T/file"
expect_eq "the file at the socket path" "$before" "$(stat -c '%i %a %s %Y' "$T/file")"
mkdir "$T/dir"
refused dir "$T/dir"
[ -d "$T/dir" ] || fail "the directory at the socket path is gone"

# ---- a sticky world-writable directory
# Another user's live socket: refused, left answering.
unix_listen "$T/pub/tend.sock"
chown "$OTHER:$OTHER" "$T/pub/tend.sock"
ino=$(stat -c %i "$T/pub/tend.sock")
refused pub-live "$T/pub/tend.sock"
grep -q 'another tend answers' "$T/pub-live.err" ||
	fail "the refusal does not say the socket is in use: $(cat "$T/pub-live.err")"
expect_eq "the live socket's inode" "$ino" "$(stat -c %i "$T/pub/tend.sock")"
unix_answers "$T/pub/tend.sock" || fail "the live socket no longer answers"
kill "$LISTEN_PID"
wait "$LISTEN_PID" 2>/dev/null
rm -f "$T/pub/tend.sock"

# Another user's stale socket, mode 0600 then 0666: a non-root tend
# cannot take it (sticky directory) and says so; the file stays.
for mode in 600 666; do
	unix_stale "$T/pub/tend.sock"
	chown "$OTHER:$OTHER" "$T/pub/tend.sock"
	chmod "$mode" "$T/pub/tend.sock"
	ino=$(stat -c %i "$T/pub/tend.sock")
	# shellcheck disable=SC2034 # read by lib.sh's tend_sub
	TEND_WRAP=(setpriv --reuid="$OWNER" --regid="$OWNER" --clear-groups)
	RUN=pub-stale-$mode start_tend sub -S "$T/pub/tend.sock" -c "$T/tend.conf"
	wait_exit "$JOB_PID" 10
	expect_eq "exit status of a non-root tend with another user's stale socket ($mode)" 1 "$EXIT_CODE"
	log "non-root tend, another user's stale socket ($mode): $(head -n 1 "$T/pub-stale-$mode.err")"
	[ ! -e "$T/pub/web.rec" ] || fail "a refused tend started its service"
	expect_eq "another user's stale socket ($mode): inode, owner, mode" "$ino $OTHER $mode" \
		"$(stat -c '%i %u %a' "$T/pub/tend.sock")"
	[ "$mode" = 666 ] || rm -f "$T/pub/tend.sock"
done

# The same as root: the stale socket (no listener) is replaced by tend's,
# root's and 0600.
RUN=pub-root start_tend ns -S "$T/pub/tend.sock" -c "$T/tend.conf"
wait_stamps "$T/pub/web.rec" start 1 15
TEND_SOCK=$T/pub/tend.sock
ctl_expect 0 status
expect_eq "tend's socket in a sticky directory: owner, mode" "0 600" \
	"$(stat -c '%u %a' "$TEND_SOCK")"
# Another uid can neither remove it nor connect to it.
setpriv --reuid="$OTHER" --regid="$OTHER" --clear-groups rm -f "$TEND_SOCK" 2>/dev/null
[ -S "$TEND_SOCK" ] || fail "another uid removed tend's socket in a sticky directory"
# shellcheck disable=SC2034 # read by lib.sh's ctl_raw
CTL_PRE=(setpriv --reuid="$OTHER" --regid="$OTHER" --clear-groups)
ctl status
# shellcheck disable=SC2034
CTL_PRE=()
expect_eq "tendctl status as another uid" 3 "$CTL_RC"
ctl_expect 0 shutdown
wait_exit "$JOB_PID" 15
expect_eq "tend's exit status" 0 "$EXIT_CODE"
[ ! -e "$TEND_SOCK" ] || fail "tend left its socket behind"
pass
