#!/bin/bash
# log-format json (tend as PID 1): every line tend writes, on stdout and on
# stderr, is one JSON object that Python's json module parses, with "ts"
# (RFC 3339 UTC with milliseconds, within the test's run), "service",
# "stream" and "msg". The messages come back exactly, tricky bytes
# included: quotes, backslashes, tabs, CR, control bytes, NUL, valid UTF-8
# (kept), invalid UTF-8 (each bad byte a U+FFFD), an empty line; a line
# without a final newline; a 20,000-byte line as two pieces, the second with
# "cont": true. tend's own lines are objects with service "tend", stream
# "stderr".
. "$(dirname "$0")/lib.sh"

# The tricky lines, and what each must read as once decoded.
python3 - "$T/tricky.txt" "$T/tricky.json" <<'PY' || fail "cannot write the tricky lines"
import json, sys
lines = [
    b"plain text",
    b"quotes \" and 'single' and \\ backslash \\\\ two",
    b"tab\there\tand\rcarriage return",
    b"ctl \x01\x02\x1b[31mred\x1b[0m \x1f \x7f del",
    b"nul \x00 inside",
    b"utf8 h\xc3\xa9llo \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xe2\x80\xa8 sep",
    b"bad \xff and \xfe and \x80\x80 and \xc3a end",
    b"",
    b"  spaces around  ",
    b"{\"looks\": \"like json\", \"msg\": 1}",
    b"escape \\u0041 \\n literal",
    b"</script> <!-- -->",
]
open(sys.argv[1], "wb").write(b"".join(l + b"\n" for l in lines))
json.dump([l.decode("utf-8", "replace") for l in lines], open(sys.argv[2], "w"))
PY
"$TESTCHILD" longline 20000 >"$T/long.exp" || fail "testchild longline failed"

write_conf "$T/tend.conf" <<CONF
log-format = "json"
service "out" {
	command = "cat $T/tricky.txt"
	restart = never
}
service "err" {
	command = "/bin/sh -c 'cat $T/tricky.txt >&2'"
	restart = never
}
service "long" {
	command = "$TESTCHILD longline 20000"
	restart = never
}
service "nonl" {
	command = "$TESTCHILD lines 2 --tag j --nonl 'no newline \"here\"'"
	restart = never
}
CONF
now_ms
t_start=$NOW_MS
start_tend ns -v -c "$T/tend.conf"
wait_exit "$JOB_PID" 30
expect_eq "tend's exit status once every service is done" 0 "$EXIT_CODE"
now_ms
t_end=$NOW_MS

python3 - "$OUT" "$ERR" "$T/tricky.json" "$T/long.exp" "$t_start" "$t_end" \
	>"$T/py.txt" 2>&1 <<'PY' || fail "$(cat "$T/py.txt")"
import datetime, json, re, sys
out_path, err_path, tricky, long_path = sys.argv[1:5]
t_start, t_end = int(sys.argv[5]) / 1000, int(sys.argv[6]) / 1000
tricky = json.load(open(tricky))
long_line = open(long_path).read().rstrip("\n")
ts_re = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
errors = []

def objects(path, stream):
    data = open(path, "rb").read()
    if not data.endswith(b"\n"):
        raise SystemExit("%s does not end with a newline: %r" % (path, data[-100:]))
    objs = []
    for n, raw in enumerate(data.split(b"\n")[:-1], 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise SystemExit("%s line %d is not valid UTF-8 (%s): %r" % (path, n, e, raw[:200]))
        try:
            o = json.loads(text)
        except ValueError as e:
            raise SystemExit("%s line %d is not JSON (%s): %r" % (path, n, e, text[:200]))
        if not isinstance(o, dict):
            raise SystemExit("%s line %d is not an object: %r" % (path, n, text[:200]))
        missing = {"ts", "service", "stream", "msg"} - set(o)
        if missing:
            errors.append("%s line %d lacks %s: %r" % (path, n, sorted(missing), text[:200]))
            continue
        if not ts_re.fullmatch(o["ts"]):
            errors.append("%s line %d: ts %r is not RFC 3339 UTC with ms" % (path, n, o["ts"]))
        else:
            t = datetime.datetime.strptime(o["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
            t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
            if not t_start - 1 <= t <= t_end + 1:
                errors.append("%s line %d: ts %s is outside the test's run" % (path, n, o["ts"]))
        if o["stream"] != stream:
            errors.append("%s line %d: stream %r, expected %r" % (path, n, o["stream"], stream))
        if not isinstance(o["msg"], str):
            errors.append("%s line %d: msg is not a string: %r" % (path, n, o["msg"]))
        if "cont" in o and o["cont"] is not True:
            errors.append("%s line %d: cont %r (expected absent, or true on a continuation)" % (path, n, o["cont"]))
        objs.append(o)
    return objs

def msgs(objs, name):
    return [o["msg"] for o in objs if o["service"] == name]

def same(what, got, want):
    if got == want:
        return
    errors.append("%s: %d messages, expected %d" % (what, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            errors.append("  message %d: %r, expected %r" % (i + 1, g[:120], w[:120]))
            break

out = objects(out_path, "stdout")
err = objects(err_path, "stderr")
same("out on stdout", msgs(out, "out"), tricky)
same("err on stderr", msgs(err, "err"), tricky)
same("nonl on stdout", msgs(out, "nonl"), ["j 1/2", "j 2/2", 'no newline "here"'])
lo = [o for o in out if o["service"] == "long"]
if [len(o["msg"]) for o in lo] != [16384, 20000 - 16384]:
    errors.append("long: pieces of %r bytes, expected [16384, %d]" % ([len(o["msg"]) for o in lo], 20000 - 16384))
elif "".join(o["msg"] for o in lo) != long_line:
    errors.append("long: the pieces joined differ from the line written")
elif lo[0].get("cont") or lo[1].get("cont") is not True:
    errors.append("long: cont is %r, %r; expected absent/false, then true" % (lo[0].get("cont"), lo[1].get("cont")))
for o in out + err:
    if o.get("cont") and o["service"] != "long":
        errors.append("cont on a short line: %r" % o)
own = [o for o in err if o["service"] == "tend"]
if not own:
    errors.append("no line of tend's own (service \"tend\") on stderr")
names = {o["service"] for o in out} | {o["service"] for o in err}
if names - {"out", "err", "long", "nonl", "tend"}:
    errors.append("unexpected services: %r" % sorted(names - {"out", "err", "long", "nonl", "tend"}))
if [o for o in out if o["service"] == "tend"]:
    errors.append("tend's own lines on stdout")
if errors:
    raise SystemExit("\n".join(errors))
print("%d objects on stdout, %d on stderr (%d of tend's own, e.g. %s)"
      % (len(out), len(err), len(own), json.dumps(own[0])))
PY
log "$(cat "$T/py.txt")"
pass
