#!/bin/bash
# Many clients at once (tend as PID 1, 10 services). 200 raw clients that
# are all connected before any of them sends `tend/1 status` each get the
# whole reply (header, a body of the announced length, all 10 services);
# 200 `tendctl status` processes started together all exit 0 with the full
# table. Past the limit of 256: with 300 idle connections open, the ones
# beyond it get `busy` or are closed at once (none waits), and tend answers
# again as soon as they are gone. Services are not disturbed meanwhile.
. "$(dirname "$0")/lib.sh"

N=10
{
	for i in $(seq 1 $N); do
		echo "service \"s$i\" { command = \"$TESTCHILD stamp $T/s$i.rec\" }"
	done
} | write_conf "$T/tend.conf"
start_tend ns -c "$T/tend.conf"
for i in $(seq 1 $N); do
	wait_stamps "$T/s$i.rec" start 1 15
done
WAIT_WHY="all running" wait_for 10 ctl_true "all(s['state'] == 'running' for s in d['services'])"

cat >"$T/many.py" <<'PY'
import json, socket, sys, threading, time

path, n, nsvc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
results = [None] * n
go = threading.Barrier(n)

def client(i):
    s = socks[i]
    s.settimeout(30)
    go.wait()
    try:
        s.sendall(b"tend/1 status\n")
        raw = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            raw += b
        head, _, body = raw.partition(b"\n")
        w = head.split(b" ")
        if len(w) != 3 or w[:2] != [b"tend/1", b"ok"] or int(w[2]) != len(body):
            results[i] = "bad reply %r" % raw[:100]
            return
        d = json.loads(body)
        if len(d["services"]) != nsvc:
            results[i] = "%d services" % len(d["services"])
            return
        results[i] = "ok"
    except Exception as e:
        results[i] = "error %r" % e
    finally:
        s.close()

t0 = time.monotonic()
th = [threading.Thread(target=client, args=(i,)) for i in range(n)]
for t in th:
    t.start()
for t in th:
    t.join()
bad = [(i, r) for i, r in enumerate(results) if r != "ok"]
print("%d of %d served in %.3f s" % (n - len(bad), n, time.monotonic() - t0))
if bad:
    print("not served: %r" % bad[:10], file=sys.stderr)
    sys.exit(1)
PY
out=$(timeout 60 python3 "$T/many.py" "$TEND_SOCK" 200 "$N" 2>"$T/py.err") ||
	fail "200 concurrent raw clients: $out $(cat "$T/py.err")"
log "raw clients: $out"

# 200 tendctl processes at once.
pids=()
for i in $(seq 1 200); do
	"$TENDCTL" -S "$TEND_SOCK" status >"$T/st.$i" 2>"$T/st.$i.err" &
	pids+=($!)
	_PIDS+=($!)
done
bad=0
for i in $(seq 1 200); do
	wait "${pids[$((i - 1))]}"
	rc=$?
	rows=$(awk 'NR > 1 && $2 == "running"' "$T/st.$i" | wc -l)
	if [ "$rc" != 0 ] || [ "$rows" != "$N" ] || ! head -n 1 "$T/st.$i" | grep -q '^NAME '; then
		bad=$((bad + 1))
		log "tendctl #$i: exit $rc, $rows running rows, stderr: $(cat "$T/st.$i.err")"
	fi
done
((bad == 0)) || fail "$bad of 200 concurrent tendctl status failed"
log "200 concurrent tendctl status: all exit 0 with $N rows"

# Past the limit: 300 idle connections.
cat >"$T/flood.py" <<'PY'
import os, select, socket, sys, time
path, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
# Let tend see them all, then sort out who got an answer at once.
time.sleep(1)
busy = closed = 0
for s in socks:
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        continue
    try:
        data = s.recv(4096)
    except ConnectionResetError:
        data = b""
    if data.startswith(b"tend/1 busy "):
        busy += 1
    elif not data:
        closed += 1
    else:
        busy += 1000000  # anything else is wrong
open(out + ".tmp", "w").write("%d %d\n" % (busy, closed))
os.rename(out + ".tmp", out)
# Hold them until told to go.
while not os.path.exists(out + ".go"):
    time.sleep(0.02)
for s in socks:
    s.close()
PY
bg python3 "$T/flood.py" "$TEND_SOCK" 300 "$T/flood.out"
flood=$BG_PID
WAIT_WHY="the 300 connections made" wait_for 20 test -e "$T/flood.out"
read -r busy closed <"$T/flood.out"
log "300 idle connections: $busy answered busy, $closed closed at once"
((busy + closed >= 44)) ||
	fail "only $busy busy replies and $closed closed of 300 connections (limit 256: at least 44 expected)"
((busy < 1000000)) || fail "a connection past the limit got something else than busy"
ctl status
log "tendctl status while 300 connections are held: exit $CTL_RC: $CTL_ERR"
expect_eq "tendctl status past the limit" 3 "$CTL_RC"
[[ $CTL_ERR == *"too many clients"* ]] || fail "tendctl past the limit does not say it is busy: '$CTL_ERR'"
: >"$T/flood.out.go"
wait_exit "$flood" 10
expect_eq "the flood script's exit status" 0 "$EXIT_CODE"
status_ok() { ctl status && [ "$CTL_RC" = 0 ]; }
WAIT_WHY="tend answering again" wait_for 5 status_ok

for i in $(seq 1 $N); do
	stamp_count "$T/s$i.rec" start
	expect_eq "runs of s$i" 1 "$STAMP_N"
done
ctl_expect 0 check
ctl_expect 0 shutdown
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status after tendctl shutdown" 0 "$EXIT_CODE"
pass
