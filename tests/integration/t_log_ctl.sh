#!/bin/bash
# `tendctl log [-f] [-n N] [--json] NAME` (tend as PID 1):
# - -n 5 prints exactly the last 5 lines, no -n the last 10, -n beyond what
#   there is all of it; lines of both streams; a 40,000-byte line comes
#   back joined, as written; --json prints objects with ts, service,
#   stream, msg.
# - -f prints the last lines, then follows the new ones, across
#   `tendctl restart` and across a crash and its restart, none missing,
#   none twice (what it prints is a contiguous part of what reached tend's
#   stdout), until SIGINT ends it with exit 0.
# - an unknown service: exit 2; an inherit or null service: exit 1.
# - log-buffer = 4096: of 200 lines of 100 bytes, only the last 40 (the
#   whole lines that fit) are kept.
. "$(dirname "$0")/lib.sh"

"$TESTCHILD" lines 30 --tag f >"$T/five.exp" || fail "testchild lines"
"$TESTCHILD" longline 40000 >"$T/long.exp" || fail "testchild longline"
"$TESTCHILD" lines 30 --tag m --stderr-every 2 >"$T/mixed.exp" 2>>"$T/mixed.exp" ||
	fail "testchild lines"

write_conf "$T/tend.conf" <<CONF
service "keep" { command = "$TESTCHILD sleep" }
service "five" {
	command = "$TESTCHILD lines 30 --tag f"
	restart = never
}
service "long" {
	command = "$TESTCHILD longline 40000"
	restart = never
}
service "mixed" {
	command = "$TESTCHILD lines 30 --tag m --stderr-every 2"
	restart = never
}
service "tick" {
	command = "$TESTCHILD tick 20 --tag t%p"
	restart-delay = 0.1
}
service "inh" {
	command = "$TESTCHILD sleep"
	log = "inherit"
}
service "nul" {
	command = "$TESTCHILD sleep"
	log = "null"
}
CONF
start_tend ns -c "$T/tend.conf"
for s in five long mixed; do
	WAIT_WHY="$s done" wait_for 20 svc_is $s state "done"
done
# last_is NAME LINE: `tendctl log -n 1 NAME` prints LINE (reaped is not
# yet read: the last lines may come a moment later).
last_is() {
	ctl log -n 1 "$1"
	[ "$CTL_RC" = 0 ] && [ "$CTL_OUT" = "$2" ]
}
WAIT_WHY="five's last line in its ring" wait_for 10 last_is five "f 30/30"
WAIT_WHY="long's line in its ring" wait_for 10 last_is long "$(cat "$T/long.exp")"

ctl_expect 0 log -n 5 five
expect_eq "tendctl log -n 5 five" "$(tail -n 5 "$T/five.exp")" "$CTL_OUT"
ctl_expect 0 log five
expect_eq "tendctl log five (10 lines by default)" "$(tail -n 10 "$T/five.exp")" "$CTL_OUT"
ctl_expect 0 log -n 1000 five
expect_eq "tendctl log -n 1000 five" "$(cat "$T/five.exp")" "$CTL_OUT"
log "log -n 5, the default 10 and -n 1000 of a 30-line service as expected"
ctl_expect 0 log -n 1 long
expect_eq "tendctl log -n 1 long: the 40000-byte line" 40000 "${#CTL_OUT}"
ctl_expect 0 log -n 100 mixed
expect_eq "tendctl log -n 100 mixed: its 30 lines of stdout and stderr" \
	"$(sort "$T/mixed.exp")" "$(sort <<<"$CTL_OUT")"

ctl_expect 0 --json log -n 5 five
python3 - "$T/five.exp" "$T/ctl.stdout" >"$T/py.txt" 2>&1 <<'PY' || fail "tendctl --json log -n 5 five: $(cat "$T/py.txt")"
import json, re, sys
want = open(sys.argv[1]).read().splitlines()[-5:]
objs = [json.loads(l) for l in open(sys.argv[2]).read().splitlines()]
if [o.get("msg") for o in objs] != want:
    raise SystemExit("msgs %r, expected %r" % ([o.get("msg") for o in objs], want))
for o in objs:
    if o.get("service") != "five" or o.get("stream") != "stdout" \
            or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(o.get("ts"))):
        raise SystemExit("bad object %r" % o)
print(json.dumps(objs[-1]))
PY
log "--json: $(cat "$T/py.txt")"
ctl_expect 0 --json log -n 1 long
python3 - "$T/long.exp" "$T/ctl.stdout" >"$T/py.txt" 2>&1 <<'PY' || fail "tendctl --json log -n 1 long: $(cat "$T/py.txt")"
import json, sys
want = open(sys.argv[1]).read().rstrip("\n")
objs = [json.loads(l) for l in open(sys.argv[2]).read().splitlines()]
if "".join(o["msg"] for o in objs) != want:
    raise SystemExit("%d objects whose msgs joined are %d bytes, not the 40000-byte line" % (len(objs), sum(len(o["msg"]) for o in objs)))
print("%d object(s)" % len(objs))
PY
log "--json of the 40000-byte line: $(cat "$T/py.txt"), the msgs joined are the line"

ctl_expect 2 log nosuch
ctl_expect 1 log inh
ctl_expect 1 log nul
log "unknown service: exit 2; inherit and null services: exit 1 ($CTL_ERR)"

# -f across a restart and a crash.
WAIT_WHY="tick running" wait_for 10 svc_is tick state running
# ticks_ge N: tick's ring holds its line N.
ticks_ge() {
	local n
	ctl log -n 1 tick
	n=${CTL_OUT##* }
	[ "$CTL_RC" = 0 ] && [ -n "$n" ] && ((n >= $1))
}
WAIT_WHY="10 lines of tick" wait_for 10 ticks_ge 10
k=${CTL_OUT##* }
bg "$TENDCTL" -S "$TEND_SOCK" log -f -n 3 tick >"$T/follow.txt" 2>"$T/follow.err"
follower=$BG_PID
# runs_seen MIN_RUNS MIN_LINES: follow.txt holds lines of MIN_RUNS runs, the
# last one at least MIN_LINES lines.
runs_seen() {
	local runs last
	runs=$(cut -d ' ' -f 1 "$T/follow.txt" | uniq | wc -l)
	last=$(tail -n 1 "$T/follow.txt" | cut -d ' ' -f 2)
	((runs >= $1 && ${last:-0} >= $2))
}
WAIT_WHY="tendctl log -f printing" wait_for 10 runs_seen 1 10
first=$(head -n 1 "$T/follow.txt")
((${first##* } >= k - 2)) ||
	fail "tendctl log -f -n 3 began with '$first' though line $k was printed before it started: more than 3 lines of backlog"
ctl_expect 0 restart tick
WAIT_WHY="tendctl log -f following after tendctl restart" wait_for 10 runs_seen 2 5
p=$(svc_json tick pid) || fail "no pid for tick"
svc_pid "$p"
kill -KILL "$SVC_PID"
WAIT_WHY="tendctl log -f following after a crash and restart" wait_for 10 runs_seen 3 5
alive "$follower" || fail "tendctl log -f ended: $(cat "$T/follow.err")"
kill -INT "$follower"
wait_exit "$follower" 5
expect_eq "tendctl log -f's exit status after SIGINT" 0 "$EXIT_CODE"
# tend's stdout has at least what the follower printed.
last=$(tail -n 1 "$T/follow.txt")
WAIT_WHY="tend's stdout up to '$last'" wait_for 5 grep -qxF "tick | $last" "$OUT"
python3 - "$T/follow.txt" "$OUT" >"$T/py.txt" 2>&1 <<'PY' || fail "tendctl log -f: $(cat "$T/py.txt")"
import sys
got = open(sys.argv[1]).read().splitlines()
out = [l[len("tick | "):] for l in open(sys.argv[2]).read().splitlines() if l.startswith("tick | ")]
if not got or got[0] not in out:
    raise SystemExit("its first line %r is not on tend's stdout" % (got[:1],))
i = out.index(got[0])
if out[i:i + len(got)] != got:
    j = next(k for k, (a, b) in enumerate(zip(got, out[i:] + [None] * len(got))) if a != b)
    raise SystemExit("line %d is %r; tend's stdout has %r there (a line missed or repeated)" % (j + 1, got[j], out[i + j] if i + j < len(out) else None))
runs = []
for l in got:
    tag, n = l.split()
    if not runs or runs[-1][0] != tag:
        runs.append([tag, int(n), int(n)])
    runs[-1][2] = int(n)
if len(runs) != 3:
    raise SystemExit("lines of %d runs, expected 3: %r" % (len(runs), runs))
for tag, first, _ in runs[1:]:
    if first != 1:
        raise SystemExit("run %s starts at line %d, not 1" % (tag, first))
print("followed %d lines: %s" % (len(got), ", ".join("%s %d..%d" % tuple(r) for r in runs)))
PY
log "log -f: $(cat "$T/py.txt")"
term_tend 20

# A small ring.
"$TESTCHILD" lines 200 --tag r --len 99 >"$T/ring.exp" || fail "testchild lines"
write_conf "$T/ring.conf" <<CONF
log-buffer = 4096
service "keep" { command = "$TESTCHILD sleep" }
service "ring" {
	command = "$TESTCHILD lines 200 --tag r --len 99"
	restart = never
}
CONF
RUN=ring start_tend ns -c "$T/ring.conf"
WAIT_WHY="ring done" wait_for 20 svc_is ring state "done"
WAIT_WHY="ring's last line in its ring" wait_for 10 last_is ring "$(tail -n 1 "$T/ring.exp")"
ctl_expect 0 log -n 1000 ring
expect_eq "tendctl log -n 1000 ring with log-buffer 4096 (40 lines of 100 bytes fit)" \
	"$(tail -n 40 "$T/ring.exp")" "$CTL_OUT"
ctl_expect 0 log ring
expect_eq "tendctl log ring with log-buffer 4096" "$(tail -n 10 "$T/ring.exp")" "$CTL_OUT"
log "log-buffer 4096: the last 40 lines of 100 bytes"
term_tend 20
pass
