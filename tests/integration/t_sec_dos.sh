#!/bin/bash
# Other users cannot lock root out of the control socket (socket 0666,
# monitor-group set): 300 idle connections from a uid in no group are
# refused at once ("permission denied", no slot taken), 300 from a
# monitor-group member fill at most the slots left to read-only peers, and
# root's tendctl still answers in both cases. tend as PID 1. Also: the
# NOTIFY_SOCKET and LISTEN_* variables tend itself was started with do not
# reach its services.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
adm=$(getent group adm | cut -d: -f3)
[ -n "$adm" ] || fail "group adm is needed in /etc/group"
chmod 711 "$T"
write_conf "$T/tend.conf" <<CONF
monitor-group = "adm"
service "web" {
	command = "$TESTCHILD stamp $T/web.rec"
}
CONF
chmod 644 "$T/tend.conf"
NOTIFY_SOCKET=@tend-test-foreign LISTEN_FDS=1 LISTEN_PID=1 LISTEN_FDNAMES=x \
	start_tend ns -c "$T/tend.conf"
wait_stamps "$T/web.rec" start 1 10
stamp_at "$T/web.rec" start
svc_pid "$STAMP_PID"
for v in NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; do
	! tr '\0' '\n' <"/proc/$SVC_PID/environ" | grep -q "^$v=" ||
		fail "web got $v from tend's own environment"
done
log "web has none of NOTIFY_SOCKET, LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES"

# flood UID GROUPS: 300 connections held by uid UID until $T/go exists;
# writes "answered refused held" to $T/flood.out.
cat >"$T/flood.py" <<'PY'
import os, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
socks, refused, held = [], 0, 0
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
time.sleep(0.3)
for s in socks:
    s.setblocking(False)
    try:
        d = s.recv(200)
        if d.startswith(b"tend/1 denied ") or d.startswith(b"tend/1 busy ") or d == b"":
            refused += 1
        else:
            held += 1
    except BlockingIOError:
        held += 1
open(out + ".tmp", "w").write("%d %d\n" % (refused, held))
os.rename(out + ".tmp", out)
while not os.path.exists(out + ".go"):
    time.sleep(0.02)
PY
mkdir "$T/fl"
chown 4242:4242 "$T/fl"
flood() {
	rm -f "$T/fl/out" "$T/fl/out.go"
	bg setpriv --reuid=4242 --regid=4242 "$@" /usr/bin/python3 "$T/flood.py" "$TEND_SOCK" "$T/fl/out"
	FLOOD=$BG_PID
	WAIT_WHY="300 connections made" wait_for 20 test -e "$T/fl/out"
	read -r REFUSED HELD <"$T/fl/out"
}
unflood() {
	: >"$T/fl/out.go"
	wait_exit "$FLOOD" 10
}

flood --clear-groups
log "uid 4242, no group: $REFUSED refused, $HELD held"
expect_eq "connections of a peer in no group held by tend" 0 "$HELD"
ctl_expect 0 status
log "root's status answers meanwhile"
unflood

flood --groups="$adm"
log "uid 4242 in adm: $REFUSED refused, $HELD held"
((HELD <= 240)) || fail "a read-only peer holds $HELD slots (at most 256 - 16 kept)"
ctl_expect 0 status
ctl_expect 0 restart web
log "root's status and restart answer meanwhile"
unflood

term_tend 15
pass
