#!/usr/bin/env bash
# Log throughput: one service writes 1 GB (--quick: 100 MB) of 100-byte
# lines, 64 KiB per write, through tend, supervisord and s6-log, and
# straight to the sink (the floor). Each run is timed from the service's
# first write until its last byte reached the sink, and the supervisor's (or
# logger's) own CPU time is taken from /proc/PID/stat. Prints a Markdown
# section on stdout, progress on stderr. Each measurement is repeated (3
# times, --quick: once), interleaved, and the median is reported. Fails
# (exit 1) when a measurement cannot be made or a byte is lost. How each
# setup is made and why: bench/README.md.
#
# usage: bench/logs.sh [--quick] [TEND_BINARY]
#   TEND_BINARY defaults to build-bench/tend (built by scripts/bench).
#   BENCH_ONLY="floor tend" limits the rows (floor, tend, supervisord, s6).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

QUICK=0
if [ "${1:-}" = "--quick" ]; then
	QUICK=1
	shift
fi
TEND=${1:-$ROOT/build-bench/tend}
[ -x "$TEND" ] || bench_die "no $TEND: build it first (scripts/bench does)"
TEND=$(cd "$(dirname "$TEND")" && pwd)/$(basename "$TEND")
TEND_BUILD=$(bench_buildtype "$(dirname "$TEND")" 2>/dev/null) || TEND_BUILD="?"
TEND_BUILD="meson buildtype $TEND_BUILD"

if [ $QUICK = 1 ]; then
	REPS=1
	BYTES=100000000
else
	REPS=3
	BYTES=1000000000
fi
# A run that does not end by then (5 MB/s) fails the benchmark.
DEADLINE=$((BYTES / 5000000 + 30))
read -ra WHO <<<"${BENCH_ONLY:-floor tend supervisord s6}"
SETUPS=()
for w in "${WHO[@]}"; do
	case $w in
	floor) SETUPS+=(floor-null floor-pipe) ;;
	tend) SETUPS+=(tend-null tend-pipe) ;;
	supervisord) SETUPS+=(supervisord-null supervisord-pipe) ;;
	s6) SETUPS+=(s6-null s6-pipe s6-dir) ;;
	*) bench_die "BENCH_ONLY: unknown $w" ;;
	esac
done

bench_need gcc python3 supervisord s6-log

bench_setup tend-benchlogs
gcc -O2 -static -s -o "$WORK/blines" "$HERE/lines.c" || bench_die "cannot compile bench/lines.c"
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# s6-log's logdir goes on a tmpfs, so that what is measured is s6-log and
# not a disk (it fsyncs each file it rotates): /dev/shm when it is a tmpfs
# with room for the 4 files of 16 MiB it keeps, else a tmpfs of our own.
LOGFS=""
LOGFS_MOUNT=""
logs_cleanup() {
	if [ -n "$LOGFS_MOUNT" ]; then
		umount "$LOGFS_MOUNT" 2>/dev/null || umount -l "$LOGFS_MOUNT" 2>/dev/null || true
	elif [ -n "$LOGFS" ]; then
		rm -rf "$LOGFS"
	fi
}
# bench_cleanup first: s6-log must be gone before its logdir.
trap 'bench_cleanup; logs_cleanup; rm -rf "$WORK"' EXIT
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
	[ "$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')" -ge 262144 ]; then
	LOGFS=$(mktemp -d /dev/shm/tend-benchlogs.XXXXXX)
else
	mkdir "$WORK/logfs"
	mount -t tmpfs -o size=256m,mode=0700 tend-benchlogs "$WORK/logfs" ||
		bench_die "no tmpfs for s6-log's logdir: /dev/shm is not one (or too small) and mount failed"
	LOGFS_MOUNT=$WORK/logfs
	LOGFS=$WORK/logfs
fi

# ---- one run ------------------------------------------------------------------
# The runner (Python, under a probe reaper, so that the EXIT trap can stop
# whatever is left by pid) starts the setup, waits for it and prints
# "SETUP\tKEY\tVALUE" lines: time (s), cpu_ms (the supervisor's utime+stime
# between the service's start and the end), bytes (what the reader got).
cat >"$WORK/run.py" <<'PY'
import os, select, shutil, signal, sys, time

setup, d, blines, nbytes, tend, logfs, deadline = sys.argv[1:8]
nbytes, deadline = int(nbytes), float(deadline)
PREFIX = b"gen | "
lines = nbytes // 100
start_file = d + "/start"
gen = [blines, str(nbytes), start_file]
tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
devnull = os.open(os.devnull, os.O_RDWR)
log = os.open(d + "/log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
children = []

def fail(msg):
    sys.stderr.write(f"{setup}: {msg}\n")
    sys.exit(1)

def spawn(argv, stdin=devnull, stdout=devnull, stderr=log):
    fa = [(os.POSIX_SPAWN_DUP2, stdin, 0), (os.POSIX_SPAWN_DUP2, stdout, 1),
          (os.POSIX_SPAWN_DUP2, stderr, 2)]
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=fa)
    children.append(pid)
    return pid

def cpu_ticks(pid):
    # utime + stime of the process itself (all its threads), not of its
    # children: fields 14 and 15 of /proc/PID/stat.
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    v = s[s.rindex(")") + 2:].split()
    return int(v[11]) + int(v[12])

def wait_start(sup):
    # The service's first write; the supervisor's CPU at that moment.
    end = time.monotonic() + 30
    while not os.path.exists(start_file) or os.path.getsize(start_file) == 0:
        if time.monotonic() > end:
            fail("the service did not start within 30 s")
        time.sleep(0.001)
    c = cpu_ticks(sup) if sup else 0
    with open(start_file) as f:
        return float(f.read()), c

def exit_wait(pid):
    # Waits for pid's exit without reaping it, so that its /proc/PID/stat
    # still says how much CPU it used; then reaps it.
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    t = time.monotonic()
    c = cpu_ticks(pid)
    _, st = os.waitpid(pid, 0)
    children.remove(pid)
    return t, c, os.waitstatus_to_exitcode(st)

def reap(pid, what):
    _, st = os.waitpid(pid, 0)
    children.remove(pid)
    if os.waitstatus_to_exitcode(st) != 0:
        fail(f"{what} exited with {os.waitstatus_to_exitcode(st)}")

class Lines:
    """Lines from a pipe, each waited for at most `deadline` seconds."""
    def __init__(self, fd):
        self.fd, self.buf = fd, b""
    def next(self):
        while b"\n" not in self.buf:
            r, _, _ = select.select([self.fd], [], [], deadline)
            if not r:
                return None
            b = os.read(self.fd, 65536)
            if not b:
                return None
            self.buf += b
        l, _, self.buf = self.buf.partition(b"\n")
        return l.decode()
    def rest(self):
        while os.read(self.fd, 65536):
            pass

class Reader:
    """blines -s on the read end of a pipe; its reports come on another."""
    def __init__(self, expect):
        self.expect = expect
        r, self.w = os.pipe()
        rr, rw = os.pipe()
        self.pid = spawn([blines, "-s", str(expect)], stdin=r, stdout=rw)
        os.close(r)
        os.close(rw)
        self.lines = Lines(rr)
    def close_input(self):
        os.close(self.w)
    def line(self, word):
        l = self.lines.next()
        if l is None:
            fail(f"the reader said nothing more within {deadline:.0f} s (expected '{word}')")
        l = l.split()
        if l[:1] == ["eof"] and word == "reach":
            fail(f"the output ended after {l[1]} bytes, expected {self.expect}")
        if not l or l[0] != word:
            fail(f"the reader said {l!r}, expected '{word}'")
        return l
    def reach(self):
        return float(self.line("reach")[1])
    def eof(self):
        l = self.line("eof")
        reap(self.pid, "the reader")
        if int(l[1]) != self.expect:
            fail(f"the reader got {l[1]} bytes, expected {self.expect}")
        return int(l[1])

def run():
    if setup == "floor-null":
        # It takes milliseconds: wait for its exit first, then read when
        # it started.
        g = spawn(gen)
        t1, _, rc = exit_wait(g)
        if rc != 0:
            fail(f"blines exited with {rc}")
        t0, _ = wait_start(0)
        return t1 - t0, None, nbytes
    if setup == "floor-pipe":
        rd = Reader(nbytes)
        g = spawn(gen, stdout=rd.w)
        rd.close_input()
        t0, _ = wait_start(0)
        t1 = rd.reach()
        reap(g, "blines")
        return t1 - t0, None, rd.eof()
    if setup in ("tend-null", "tend-pipe"):
        with open(d + "/tend.conf", "w") as f:
            f.write(f'control-socket = "{d}/tend.sock"\n'
                    f'service "gen" {{\n\tcommand = "{" ".join(gen)}"\n'
                    f'\tmain = true\n}}\n')
        argv = [tend, "-c", d + "/tend.conf"]
        if setup == "tend-null":
            p = spawn(argv)
            t0, c0 = wait_start(p)
            t1, c1, rc = exit_wait(p)
            got = nbytes
        else:
            rd = Reader(nbytes + lines * len(PREFIX))
            p = spawn(argv, stdout=rd.w)
            rd.close_input()
            t0, c0 = wait_start(p)
            _, c1, rc = exit_wait(p)
            t1 = rd.reach()
            got = rd.eof()
        if rc != 0:
            fail(f"tend exited with {rc}")
        return t1 - t0, (c1 - c0) * tick_ms, got
    if setup in ("supervisord-null", "supervisord-pipe"):
        with open(d + "/supervisord.conf", "w") as f:
            f.write(f"""[supervisord]
nodaemon=true
silent=true
logfile=/dev/stderr
logfile_maxbytes=0
pidfile={d}/supervisord.pid
childlogdir={d}

[program:gen]
command={" ".join(gen)}
startsecs=0
autorestart=false
redirect_stderr=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
""")
        # Its own log on stderr, read here: "exited: gen" is written once
        # supervisord has reaped the program and written out what it read
        # from the program's pipe (Subprocess.finish: drain, then log).
        er, ew = os.pipe()
        rd = Reader(nbytes) if setup == "supervisord-pipe" else None
        p = spawn(["supervisord", "-c", d + "/supervisord.conf"],
                  stdout=rd.w if rd else devnull, stderr=ew)
        os.close(ew)
        if rd:
            rd.close_input()
        t0, c0 = wait_start(p)
        ef = Lines(er)
        with open(d + "/log", "a") as keep:
            while True:
                l = ef.next()
                if l is None:
                    fail("supervisord did not report the program's exit")
                keep.write(l + "\n")
                if "exited: gen" in l:
                    break
        t1 = time.monotonic()
        c1 = cpu_ticks(p)
        if "(exit status 0; expected)" not in l:
            fail(f"supervisord: {l.strip()}")
        if rd:
            t1 = rd.reach()
        os.kill(p, signal.SIGTERM)
        ef.rest()
        reap(p, "supervisord")
        got = rd.eof() if rd else nbytes
        return t1 - t0, (c1 - c0) * tick_ms, got
    if setup in ("s6-null", "s6-pipe", "s6-dir"):
        # As s6-supervise runs a logger: the service's stdout is a pipe
        # to s6-log's stdin; -b, s6-log's blocking mode (multilog's).
        r, w = os.pipe()
        rd = Reader(nbytes) if setup == "s6-pipe" else None
        if setup == "s6-dir":
            logdir = f"{logfs}/{os.path.basename(d)}"
            script = ["n3", "s16777215", logdir]
        else:
            script = ["1"]
        p = spawn(["s6-log", "-b", "--"] + script, stdin=r,
                  stdout=rd.w if rd else devnull)
        if rd:
            rd.close_input()
        g = spawn(gen, stdout=w)
        os.close(r)
        os.close(w)
        t0, c0 = wait_start(p)
        t1, c1, rc = exit_wait(p)
        if rc != 0:
            fail(f"s6-log exited with {rc}")
        reap(g, "blines")
        got = nbytes
        if rd:
            t1 = rd.reach()
            got = rd.eof()
        if setup == "s6-dir":
            files = os.listdir(logdir)
            if "current" not in files or len([x for x in files if x.startswith("@")]) != 3:
                fail(f"s6-log's logdir holds {sorted(files)}")
            with open(logdir + "/current", "rb") as f:
                f.seek(-100, os.SEEK_END)
                tail = f.read()
            if len(tail) != 100 or tail[-1:] != b"\n" or b"\n" in tail[:-1]:
                fail("s6-log's current file does not end with a whole line")
            shutil.rmtree(logdir)
        return t1 - t0, (c1 - c0) * tick_ms, got
    fail("unknown setup")

try:
    t, cpu, got = run()
    print(f"{setup}\ttime\t{t:.6f}")
    print(f"{setup}\tbytes\t{got}")
    if cpu is not None:
        print(f"{setup}\tcpu_ms\t{cpu:.1f}")
finally:
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
PY

# measure SETUP: one run under a probe reaper; its lines go to RESULTS.
measure() {
	local setup=$1 dir reaper
	dir=$(mktemp -d "$WORK/$setup.XXXX")
	(cd "$dir" && exec "$WORK/probe" run "$dir/pid" python3 "$WORK/run.py" \
		"$setup" "$dir" "$WORK/blines" "$BYTES" "$TEND" "$LOGFS" "$DEADLINE" \
		>"$dir/out" 2>>"$dir/log" </dev/null) &
	reaper=$!
	REAPERS+=("$reaper")
	for _ in $(seq $((DEADLINE * 10))); do
		[ -s "$dir/pid.end" ] && break
		kill -0 "$reaper" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -s "$dir/pid.end" ]; then
		tail -n 20 "$dir/log" >&2 || true
		bench_die "$setup: not done within $DEADLINE s"
	fi
	if ! wait "$reaper"; then
		echo "--- last lines of $setup's log:" >&2
		tail -n 20 "$dir/log" >&2 || true
		bench_die "$setup: the run failed"
	fi
	cat "$dir/out" >>"$RESULTS"
	bench_note "$setup: $(awk -F'\t' '$2 == "time" {printf "%.3f s", $3} $2 == "cpu_ms" {printf ", CPU %.0f ms", $3}' "$dir/out")"
	rm -rf "$dir"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq "$REPS"); do
	bench_note "round $rep/$REPS"
	for s in "${SETUPS[@]}"; do
		measure "$s"
	done
done

# ---- the report --------------------------------------------------------------

versions=""
for p in supervisor s6; do
	v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) || v="not from a Debian package"
	versions+=", $p $v"
done
echo "$("$TEND" -V 2>&1 | head -n 1) ($TEND_BUILD) against${versions#,} (Debian packages); one service writing $((BYTES / 1000000)) MB of 100-byte lines, 64 KiB per write."
echo "Load average (1, 5, 15 min) before: $LOAD0; after: $(cut -d' ' -f1-3 /proc/loadavg)."
echo

python3 - "$RESULTS" "$REPS" "$BYTES" "${SETUPS[@]}" <<'PY'
import statistics, sys
from collections import defaultdict

path, reps, nbytes, setups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
mb = nbytes / 1e6
vals = defaultdict(list)
for line in open(path):
    s, key, v = line.rstrip("\n").split("\t")
    vals[(s, key)].append(float(v))

def med(s, key):
    v = vals.get((s, key))
    return statistics.median(v) if v else None

labels = {
    "floor-null": "floor: the service straight to `/dev/null`",
    "floor-pipe": "floor: the service into a pipe, read by a reader (`cat`)",
    "tend-null": "tend, its stdout on `/dev/null`",
    "tend-pipe": "tend, its stdout a pipe read by a reader (as Docker's)",
    "supervisord-null": "supervisord, `stdout_logfile=/dev/stdout` on `/dev/null`",
    "supervisord-pipe": "supervisord, `/dev/stdout` a pipe read by a reader",
    "s6-null": "s6-log `-b 1` (to stdout), on `/dev/null`",
    "s6-pipe": "s6-log `-b 1`, stdout a pipe read by a reader",
    "s6-dir": "s6-log `-b n3 s16777215 DIR`, logdir on tmpfs",
}
# Each row is compared with tend writing to the same kind of sink.
base = {
    "floor-null": "tend-null", "tend-null": "tend-null",
    "supervisord-null": "tend-null", "s6-null": "tend-null",
    "s6-dir": "tend-null",
    "floor-pipe": "tend-pipe", "tend-pipe": "tend-pipe",
    "supervisord-pipe": "tend-pipe", "s6-pipe": "tend-pipe",
}

def ratio(r, t):
    if r is None or t is None or t == 0:
        return ""
    x = r / t
    if x < 0.1:
        return f" (×{x:.3f})"
    return f" (×{x:.2f})" if x < 10 else f" (×{x:,.0f})"

def secs(v):
    return f"{v * 1000:,.0f} ms" if v < 10 else f"{v:,.1f} s"

print("| setup | time | throughput | supervisor's CPU | CPU per MB |")
print("|---|---|---|---|---|")
for s in setups:
    t = med(s, "time")
    c = med(s, "cpu_ms")
    b = base[s] if base[s] in setups and s != base[s] else None
    tt = med(b, "time") if b else None
    tc = med(b, "cpu_ms") if b else None
    row = [labels[s], secs(t) + ratio(t, tt), f"{mb / t:,.0f} MB/s"]
    if c is None:
        row += ["—", "—"]
    else:
        row += [f"{c:,.0f} ms", f"{c / mb:.3f} ms" + ratio(c, tc)]
    print("| " + " | ".join(row) + " |")
print()
print(f"Medians of {reps} run{'s' if reps > 1 else ''}; (×N) = this row / tend's "
      "with the same kind of sink (`/dev/null` for the `/dev/null` rows and "
      "s6-log's logdir, the pipe for the pipe rows). Time: from the "
      "service's first write until its last byte reached the sink (the "
      "reader's read for a pipe; for `/dev/null`, tend's and s6-log's exit, "
      "supervisord's \"exited\" log line, written once it has passed on all "
      "it read). MB = 10⁶ bytes of the service's output. CPU: utime+stime "
      "of the supervisor or logger process alone (`/proc/PID/stat`, clock "
      "ticks) over the same span; not the service's nor the reader's. Every "
      "byte is counted at the reader: tend's output is the service's plus "
      "`gen | ` on each line.")
if reps > 1:
    print()
    print("Spread (min – max over the runs):")
    print()
    print("| setup | time | supervisor's CPU |")
    print("|---|---|---|")
    for s in setups:
        t = vals[(s, "time")]
        c = vals.get((s, "cpu_ms"))
        cc = f"{min(c):,.0f} ms – {max(c):,.0f} ms" if c else "—"
        print(f"| {labels[s]} | {secs(min(t))} – {secs(max(t))} | {cc} |")
PY
