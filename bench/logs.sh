#!/usr/bin/env bash
# Log throughput: one service writes 1 GB (--quick: 100 MB) of 100-byte
# lines, 64 KiB per write, through tend, supervisord, s6-log and runit's
# svlogd, and through the floor (bench/floor.c with -p: a `cat` in the
# middle). Two sinks: a pipe read by a reader (a container's stdout, as the
# engine's log driver reads it) and rotated files on a tmpfs. Each run is
# timed from the service's first write until its last byte reached the sink,
# and the supervisor's (or logger's) own CPU time is taken from
# /proc/PID/stat. Prints raw samples on stdout, one per line, as
# "METRIC<TAB>WHO<TAB>VALUE" (bench/report.py turns them into the table),
# progress on stderr. Each measurement is repeated (3 times, --quick: once),
# interleaved; fails (exit 1) when a measurement cannot be made or a byte is
# lost. How each setup is made and why: bench/README.md.
#
# usage: bench/logs.sh [--quick] [TEND_BINARY]
#   TEND_BINARY defaults to build-bench/tend (built by scripts/bench).
#   BENCH_ONLY="floor tend" limits the rows (floor, tend, supervisord, s6, runit).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

bench_args "$ROOT/build-bench/tend" "$@"
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
read -ra WHO <<<"${BENCH_ONLY:-floor tend supervisord s6 runit}"
SETUPS=()
for w in "${WHO[@]}"; do
	case $w in
	floor) SETUPS+=(floor-direct floor-pipe) ;;
	tend) SETUPS+=(tend-pipe tend-file) ;;
	supervisord) SETUPS+=(supervisord-pipe supervisord-file) ;;
	s6) SETUPS+=(s6-pipe s6-file) ;;
	runit) SETUPS+=(runit-file) ;;
	*) bench_die "BENCH_ONLY: unknown $w" ;;
	esac
done

bench_need gcc python3 supervisord s6-log svlogd

bench_setup tend-benchlogs
bench_compile blines lines.c
bench_compile floor floor.c
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# The log files go on a tmpfs, so that what is measured is the logger and
# not a disk (s6-log and svlogd fsync each file they rotate): /dev/shm when
# it is a tmpfs with room for 4 files of 16 MiB, else a tmpfs of our own.
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
		bench_die "no tmpfs for the log files: /dev/shm is not one (or too small) and mount failed"
	LOGFS_MOUNT=$WORK/logfs
	LOGFS=$WORK/logfs
fi

# ---- one run ------------------------------------------------------------------
# The runner (Python, under a probe reaper, so that the EXIT trap can stop
# whatever is left by pid) starts the setup, waits for it and prints
# "METRIC\tWHO\tVALUE" lines, for SETUP = WHO-KIND: log.KIND_s (the time),
# log.KIND_mbs (MB/s) and log.KIND_cpu_ms_gb (the supervisor's utime+stime
# between the service's start and the end, per GB).
cat >"$WORK/run.py" <<'PY'
import os, select, shutil, signal, sys, time

setup, d, blines, nbytes, tend, logfs, deadline, floor = sys.argv[1:9]
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

FILLER = (b"the quick brown fox jumps over the lazy dog, "
          b"then does it again for the log benchmark....")[:88]

def check_files(logdir, current, rotated):
    # The current file and exactly 3 rotated ones; the current one ends
    # with the service's last line, whole.
    files = sorted(os.listdir(logdir))
    old = [x for x in files if rotated(x)]
    if current not in files or len(old) != 3:
        fail(f"the log directory holds {files}")
    with open(f"{logdir}/{current}", "rb") as f:
        f.seek(-100, os.SEEK_END)
        tail = f.read()
    last = b"%010d " % ((lines - 1) % 16384) + FILLER + b"\n"
    if tail != last:
        fail(f"the current log file ends with {tail!r}, not the last line {last!r}")
    shutil.rmtree(logdir)

def supervisord_conf(f, logfile):
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
""")
    if logfile:
        f.write(f"stdout_logfile={logfile}\nstdout_logfile_maxbytes=16MB\n"
                "stdout_logfile_backups=3\n")
    else:
        f.write("stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\n")

def run():
    logdir = f"{logfs}/{os.path.basename(d)}"
    if setup == "floor-direct":
        # The service straight into the reader's pipe: the pipe alone.
        rd = Reader(nbytes)
        g = spawn(gen, stdout=rd.w)
        rd.close_input()
        t0, _ = wait_start(0)
        t1 = rd.reach()
        reap(g, "blines")
        return t1 - t0, None, rd.eof()
    if setup == "floor-pipe":
        rd = Reader(nbytes)
        p = spawn([floor, "-1", "-p", "--"] + gen, stdout=rd.w)
        rd.close_input()
        t0, c0 = wait_start(p)
        _, c1, rc = exit_wait(p)
        if rc != 0:
            fail(f"floor exited with {rc}")
        t1 = rd.reach()
        return t1 - t0, (c1 - c0) * tick_ms, rd.eof()
    if setup in ("tend-pipe", "tend-file"):
        with open(d + "/tend.conf", "w") as f:
            f.write(f'control-socket = "{d}/tend.sock"\n'
                    f'service "gen" {{\n\tcommand = "{" ".join(gen)}"\n'
                    f'\tmain = true\n')
            if setup == "tend-file":
                os.mkdir(logdir)
                f.write(f'\tlog = "file:{logdir}/gen.log"\n'
                        '\tlog-max-size = 16777216\n\tlog-keep = 3\n')
            f.write('}\n')
        argv = [tend, "-c", d + "/tend.conf"]
        if setup == "tend-file":
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
        if setup == "tend-file":
            check_files(logdir, "gen.log", lambda x: x in ("gen.log.1", "gen.log.2", "gen.log.3"))
        return t1 - t0, (c1 - c0) * tick_ms, got
    if setup in ("supervisord-pipe", "supervisord-file"):
        if setup == "supervisord-file":
            os.mkdir(logdir)
        with open(d + "/supervisord.conf", "w") as f:
            supervisord_conf(f, f"{logdir}/gen.log" if setup == "supervisord-file" else None)
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
        if setup == "supervisord-file":
            check_files(logdir, "gen.log", lambda x: x in ("gen.log.1", "gen.log.2", "gen.log.3"))
        return t1 - t0, (c1 - c0) * tick_ms, got
    if setup in ("s6-pipe", "s6-file", "runit-file"):
        # As s6-supervise (runsv) runs a logger: the service's stdout is a
        # pipe to the logger's stdin. s6-log -b: blocking mode (multilog's).
        r, w = os.pipe()
        rd = Reader(nbytes) if setup == "s6-pipe" else None
        if setup == "s6-file":
            argv = ["s6-log", "-b", "--", "n3", "s16777215", logdir]
        elif setup == "runit-file":
            # svlogd(8): the size and count in the logdir's config file;
            # -b: "for svlogd instances that process a lot of data in
            # short time, the buffer size should be increased".
            os.mkdir(logdir)
            with open(logdir + "/config", "w") as f:
                f.write("s16777215\nn3\n")
            argv = ["svlogd", "-b", "65536", logdir]
        else:
            argv = ["s6-log", "-b", "--", "1"]
        p = spawn(argv, stdin=r, stdout=rd.w if rd else devnull)
        if rd:
            rd.close_input()
        g = spawn(gen, stdout=w)
        os.close(r)
        os.close(w)
        t0, c0 = wait_start(p)
        t1, c1, rc = exit_wait(p)
        if rc != 0:
            fail(f"{argv[0]} exited with {rc}")
        reap(g, "blines")
        got = nbytes
        if rd:
            t1 = rd.reach()
            got = rd.eof()
        if setup == "s6-file":
            check_files(logdir, "current", lambda x: x.startswith("@"))
        if setup == "runit-file":
            check_files(logdir, "current", lambda x: x.startswith("@"))
        return t1 - t0, (c1 - c0) * tick_ms, got
    fail("unknown setup")

try:
    t, cpu, got = run()
    who, _, kind = setup.partition("-")
    print(f"log.{kind}_s\t{who}\t{t:.6f}")
    print(f"log.{kind}_mbs\t{who}\t{nbytes / 1e6 / t:.3f}")
    if cpu is not None:
        print(f"log.{kind}_cpu_ms_gb\t{who}\t{cpu / (nbytes / 1e9):.1f}")
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
		"$setup" "$dir" "$WORK/blines" "$BYTES" "$TEND" "$LOGFS" "$DEADLINE" "$WORK/floor" \
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
	bench_note "$setup: $(awk -F'\t' '$1 ~ /_s$/ {printf "%.3f s", $3} $1 ~ /_cpu_ms_gb$/ {printf ", CPU %.0f ms per GB", $3}' "$dir/out")"
	rm -rf "$dir"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq "$REPS"); do
	bench_note "round $rep/$REPS"
	for s in "${SETUPS[@]}"; do
		measure "$s"
	done
done

cat "$RESULTS"
printf 'info\tlog.load\tbefore: %s; after: %s\n' "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'info\tlog.mb\t%s\n' "$((BYTES / 1000000))"
printf 'info\tlog.reps\t%s\n' "$REPS"
