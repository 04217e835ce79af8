#!/bin/bash
# How lines are framed (tend as PID 1), in three runs:
# - prefix: a last line without a newline is written when the service
#   exits; a 40,000-byte line comes as "NAME | " and the first 16384
#   bytes, then "NAME + " and the next 16384, then "NAME + " and the last
#   7232, which joined are the line written (on stderr the same); a line of
#   exactly 16384 bytes is one line; 16385 bytes are two pieces.
# - log-timestamps: "2026-11-29T07:00:00.123Z NAME | line" (RFC 3339 UTC,
#   milliseconds, within the test's run), on tend's own lines too.
# - plain: the lines alone, tend's own as "tend: ...".
. "$(dirname "$0")/lib.sh"

for n in 40000 16384 16385 20000; do
	"$TESTCHILD" longline $n >"$T/long$n.exp" || fail "testchild longline failed"
done

write_conf "$T/prefix.conf" <<CONF
service "nonl" {
	command = "$TESTCHILD lines 3 --tag n --nonl 'last words'"
	restart = never
}
service "long" {
	command = "$TESTCHILD longline 40000"
	restart = never
}
service "exact" {
	command = "$TESTCHILD longline 16384"
	restart = never
}
service "over1" {
	command = "$TESTCHILD longline 16385"
	restart = never
}
service "errlong" {
	command = "/bin/sh -c '$TESTCHILD longline 40000 >&2'"
	restart = never
}
CONF
log "prefix: a last line without newline, lines of 40000, 16384 and 16385 bytes"
RUN=prefix start_tend ns -c "$T/prefix.conf"
wait_exit "$JOB_PID" 30
expect_eq "tend's exit status once every service is done" 0 "$EXIT_CODE"
python3 - "$OUT" "$ERR" "$T" >"$T/py.txt" 2>&1 <<'PY' || fail "$(cat "$T/py.txt")"
import collections, re, sys
out_path, err_path, T = sys.argv[1:4]
line_re = re.compile(rb"([A-Za-z0-9_.-]+) ([|+]) (.*)", re.S)
errors = []

def parse(path, own_ok):
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        raise SystemExit("%s does not end with a newline: %r" % (path, data[-80:]))
    per = collections.defaultdict(list)
    for n, l in enumerate(data.split(b"\n")[:-1], 1):
        if own_ok and l.startswith(b"tend: "):
            continue
        m = line_re.fullmatch(l)
        if not m:
            raise SystemExit("%s line %d is not 'NAME | line' or 'NAME + piece': %r" % (path, n, l[:100]))
        per[m.group(1).decode()].append((m.group(2).decode(), m.group(3)))
    return per

def exp(n):
    return open("%s/long%d.exp" % (T, n), "rb").read().rstrip(b"\n")

def pieces(line):
    p = [line[i:i + 16384] for i in range(0, len(line), 16384)] or [b""]
    return [("|" if i == 0 else "+", s) for i, s in enumerate(p)]

def check(what, got, want):
    if got == want:
        return
    desc = lambda l: [(k, len(s), s[:12]) for k, s in l]
    errors.append("%s: got %r, expected %r" % (what, desc(got), desc(want)))

out, err = parse(out_path, False), parse(err_path, True)
check("nonl", out.pop("nonl", []), [("|", b"n 1/3"), ("|", b"n 2/3"), ("|", b"n 3/3"), ("|", b"last words")])
check("long (40000 bytes)", out.pop("long", []), pieces(exp(40000)))
check("exact (16384 bytes)", out.pop("exact", []), [("|", exp(16384))])
check("over1 (16385 bytes)", out.pop("over1", []), pieces(exp(16385)))
check("errlong (40000 bytes on stderr)", err.pop("errlong", []), pieces(exp(40000)))
for name, l in list(out.items()) + list(err.items()):
    errors.append("unexpected lines of %s: %r" % (name, l[:2]))
if errors:
    raise SystemExit("\n".join(errors))
print("prefix: pieces and the unterminated last line as expected")
PY
log "$(cat "$T/py.txt")"

write_conf "$T/ts.conf" <<CONF
log-timestamps = true
service "ts" {
	command = "$TESTCHILD lines 3 --tag t --nonl 'end'"
	restart = never
}
service "tslong" {
	command = "$TESTCHILD longline 20000"
	restart = never
}
service "tserr" {
	command = "/bin/sh -c '$TESTCHILD lines 2 --tag e >&2'"
	restart = never
}
CONF
log "log-timestamps = true"
now_ms
t_start=$NOW_MS
RUN=ts start_tend ns -v -c "$T/ts.conf"
wait_exit "$JOB_PID" 30
expect_eq "tend's exit status once every service is done" 0 "$EXIT_CODE"
now_ms
t_end=$NOW_MS
python3 - "$OUT" "$ERR" "$T/long20000.exp" "$t_start" "$t_end" >"$T/py.txt" 2>&1 <<'PY' || fail "$(cat "$T/py.txt")"
import datetime, re, sys
out_path, err_path, long_path = sys.argv[1:4]
t_start, t_end = int(sys.argv[4]) / 1000, int(sys.argv[5]) / 1000
long_line = open(long_path, "rb").read().rstrip(b"\n")
ts_re = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)", re.S)
errors = []

def strip(path):
    rest = []
    for n, l in enumerate(open(path, "rb").read().split(b"\n")[:-1], 1):
        m = ts_re.fullmatch(l)
        if not m:
            errors.append("%s line %d does not start with an RFC 3339 UTC time with ms and a space: %r" % (path, n, l[:80]))
            continue
        t = datetime.datetime.strptime(m.group(1).decode(), "%Y-%m-%dT%H:%M:%S.%fZ")
        t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
        if not t_start - 1 <= t <= t_end + 1:
            errors.append("%s line %d: time %s outside the test's run" % (path, n, m.group(1).decode()))
        rest.append(m.group(2))
    return rest

out, err = strip(out_path), strip(err_path)
want = [b"ts | t 1/3", b"ts | t 2/3", b"ts | t 3/3", b"ts | end"]
got = [l for l in out if l.startswith(b"ts ")]
if got != want:
    errors.append("ts: %r, expected %r" % (got, want))
got = [l for l in out if l.startswith(b"tslong ")]
want = [b"tslong | " + long_line[:16384], b"tslong + " + long_line[16384:]]
if got != want:
    errors.append("tslong: %r, expected the line of 20000 bytes as 'tslong | ' 16384 bytes, 'tslong + ' 3616" % [l[:20] for l in got])
got = [l for l in err if not l.startswith(b"tend: ")]
if got != [b"tserr | e 1/2", b"tserr | e 2/2"]:
    errors.append("stderr: %r, expected tserr's 2 lines and tend's own" % got)
if len(got) == len(err):
    errors.append("no own line of tend's (TIME tend: ...) on stderr")
if len(out) != 6:
    errors.append("%d lines on stdout, expected 6" % len(out))
if errors:
    raise SystemExit("\n".join(errors))
print("timestamps: %d lines, e.g. %s" % (len(out) + len(err), open(err_path).readline().strip()))
PY
log "$(cat "$T/py.txt")"

write_conf "$T/plain.conf" <<CONF
log-format = "plain"
service "p" {
	command = "$TESTCHILD lines 3 --tag p --nonl 'p end'"
	restart = never
}
service "plong" {
	command = "$TESTCHILD longline 40000"
	restart = never
}
service "perr" {
	command = "/bin/sh -c '$TESTCHILD lines 2 --tag q >&2'"
	restart = never
}
CONF
log "log-format = plain"
RUN=plain start_tend ns -v -c "$T/plain.conf"
wait_exit "$JOB_PID" 30
expect_eq "tend's exit status once every service is done" 0 "$EXIT_CODE"
python3 - "$OUT" "$ERR" "$T/long40000.exp" >"$T/py.txt" 2>&1 <<'PY' || fail "$(cat "$T/py.txt")"
import sys
out_path, err_path, long_path = sys.argv[1:4]
long_line = open(long_path, "rb").read().rstrip(b"\n")
out = open(out_path, "rb").read().split(b"\n")[:-1]
err = open(err_path, "rb").read().split(b"\n")[:-1]
errors = []
short = [l for l in out if l.startswith(b"p ")]
if short != [b"p 1/3", b"p 2/3", b"p 3/3", b"p end"]:
    errors.append("p: %r, expected 'p 1/3' .. 'p 3/3', 'p end', unprefixed" % short)
pieces = [l for l in out if not l.startswith(b"p ")]
if [len(l) for l in pieces] != [16384, 16384, 7232] or b"".join(pieces) != long_line:
    errors.append("plong: lines of %r bytes, expected the 40000-byte line as 16384, 16384, 7232" % [len(l) for l in pieces])
mine = [l for l in err if not l.startswith(b"tend: ")]
if mine != [b"q 1/2", b"q 2/2"]:
    errors.append("stderr: %r besides tend's own lines, expected 'q 1/2', 'q 2/2'" % mine)
if len(mine) == len(err):
    errors.append("no own line of tend's ('tend: ...') on stderr")
if errors:
    raise SystemExit("\n".join(errors))
print("plain: lines alone, e.g. %r; tend's own: %r" % (out[0], [l for l in err if l.startswith(b"tend: ")][0]))
PY
log "$(cat "$T/py.txt")"
pass
