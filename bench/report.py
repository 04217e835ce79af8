#!/usr/bin/env python3
"""The benchmark table: reads the raw samples of bench/pid1.sh,
bench/supervisors.sh, bench/ctl.sh and bench/logs.sh ("METRIC<TAB>WHO<TAB>
VALUE" lines; "info<TAB>KEY<TAB>TEXT" lines carry versions, loads and
counts) and prints one Markdown table, each cell the median (or the p99, or
the one value) with its ratio to tend's, then the notes that say how to read
it.

usage: bench/report.py [--details] FILE...
  --details: instead, every metric's sample count, median, min, max and
             p99 for each program (the spread behind the table).
"""
import statistics
import sys
from collections import defaultdict

PID1 = ["floor", "tend", "tini", "dumb-init", "catatonit"]
SVC = ["floor", "tend", "runit", "s6", "supervisord"]
COLS = ["floor", "tend", "tini", "dumb-init", "catatonit", "runit", "s6",
        "supervisord"]


def p99(v):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(0.99 * (len(v) - 1))))]


AGG = {"median": statistics.median, "p99": p99, "max": max, "one": lambda v: v[0]}


def fmt(v, unit):
    if unit == "us":
        return f"{v:,.1f} µs" if v < 100 else f"{v:,.0f} µs"
    if unit == "ms":
        if v < 1:
            return f"{v:.2f} ms"
        return f"{v:,.1f} ms" if v < 100 else f"{v:,.0f} ms"
    if unit == "s":
        return f"{v * 1000:,.0f} ms" if v < 10 else f"{v:,.1f} s"
    if unit == "kB":
        return f"{v / 1024:,.1f} MiB" if v >= 10240 else f"{v:,.0f} KiB"
    if unit == "B":
        return f"{v / 1024:,.0f} KiB"
    if unit == "MB/s":
        return f"{v:,.0f} MB/s"
    if unit == "/s":
        return f"{v / 1000:,.0f} k/s"
    return f"{v:,.0f}"


def ratio(v, t):
    if t is None:
        return ""
    if t == 0:
        return "" if v == 0 else " (tend: 0)"
    x = v / t
    if x < 0.1:
        return f" (×{x:.3f})"
    return f" (×{x:.2f})" if x < 10 else f" (×{x:,.0f})"


class Data:
    def __init__(self, paths):
        self.vals = defaultdict(list)
        self.info = {}
        for path in paths:
            for line in open(path):
                line = line.rstrip("\n")
                if not line:
                    continue
                metric, who, v = line.split("\t", 2)
                if metric == "info":
                    self.info[who] = v
                else:
                    self.vals[(metric, who)].append(float(v))

    def get(self, metric, who, agg):
        v = self.vals.get((metric, who))
        return AGG[agg](v) if v else None

    def has(self, metric):
        return any(m == metric for m, _ in self.vals)


def rows(d):
    idle = d.info.get("pid1.idle_s", "10")
    sidle = d.info.get("svc.idle_s", "10")
    orphans = int(d.info.get("pid1.orphans", "4000"))
    orphan_runs = d.info.get("pid1.orphan_runs", "")
    restart_n = d.info.get("svc.restart_n", "")
    logmb = d.info.get("log.mb", "1000")
    ctl_n = d.info.get("ctl.n", "100")
    # (label, metric, aggregate, unit, columns, cells for columns where the
    # row does not apply, and why)
    return [
        ("**The PID-1 job** (tend: static build)", None, None, None, PID1, {}),
        ("memory as PID 1, one child asleep: VmRSS ↓", "pid1.rss_kb", "median", "kB", PID1, {}),
        ("the same, PSS ↓", "pid1.pss_kb", "median", "kB", PID1, {}),
        ("binary size (tend: stripped) ↓", "pid1.binary_bytes", "one", "B", PID1, {}),
        ("exec latency: init's execve → the child's `main`, median ↓", "pid1.exec_us", "median", "us", PID1, {}),
        ("exec latency, p99 ↓", "pid1.exec_us", "p99", "us", PID1, {}),
        (f"orphans reaped per second, {orphans:,} handed over at once, best of {orphan_runs} ↑", "pid1.orphans_s", "max", "/s", PID1, {}),
        ("signal forwarding: `kill -USR1` to the init → the child has it, median ↓", "pid1.signal_us", "median", "us", PID1, {}),
        ("signal forwarding, p99 ↓", "pid1.signal_us", "p99", "us", PID1, {}),
        (f"idle {idle} s: wakeups of the init ↓", "pid1.idle_wakeups", "median", "", PID1, {}),
        ("**Services** (tend: dynamic build)", None, None, None, SVC, {}),
        ("start 100 services, until all run, median ↓", "svc.start_100_s", "median", "s", SVC, {}),
        ("start 1,000 services, until all run, median ↓", "svc.start_1000_s", "median", "s", SVC, {}),
        ("memory of the supervision tree (PSS), 100 services ↓", "svc.pss_100_kb", "median", "kB", SVC, {}),
        ("memory of the supervision tree (PSS), 1,000 services ↓", "svc.pss_1000_kb", "median", "kB", SVC, {}),
        (f"restart: `kill -9` a service → its new process runs, median of {restart_n} ↓", "svc.restart_ms", "median", "ms", SVC, {}),
        ("restart, slowest ↓", "svc.restart_ms", "max", "ms", SVC, {}),
        ("restart, median, tend with `restart-delay = 0` ↓", "svc.restart0_ms", "median", "ms", SVC,
         {"floor": "", "runit": "", "s6": "", "supervisord": ""}),
        ("shutdown: 20 services that exit 300 ms after TERM ↓", "svc.shutdown_s", "median", "s", SVC, {}),
        (f"idle {sidle} s, 100 services: wakeups of the supervisor and its helpers ↓", "svc.idle_wakeups", "median", "", SVC, {}),
        (f"idle {sidle} s, 100 services: their CPU time ↓", "svc.idle_cpu_ms", "median", "ms", SVC, {}),
        (f"log throughput, {logmb} MB of 100-byte lines → supervisor → a pipe ↑", "log.pipe_mbs", "median", "MB/s", SVC,
         {"runit": "— ²"}),
        ("the same: the supervisor's (logger's) CPU per GB ↓", "log.pipe_cpu_ms_gb", "median", "ms", SVC,
         {"runit": "— ²"}),
        (f"log throughput into rotated files on tmpfs ↑", "log.file_mbs", "median", "MB/s", SVC,
         {"floor": "— ³"}),
        ("the same: CPU per GB ↓", "log.file_cpu_ms_gb", "median", "ms", SVC, {"floor": "— ³"}),
        (f"status of all {ctl_n} services, a client process per call, median ↓", "ctl.all_ms", "median", "ms", SVC,
         {"floor": "— ¹"}),
        ("the same, p99 ↓", "ctl.all_ms", "p99", "ms", SVC, {"floor": "— ¹"}),
        ("status of one service, client process, median ↓", "ctl.one_ms", "median", "ms", SVC, {"floor": "— ¹"}),
        (f"status of all {ctl_n}, the request alone (in-process), median ↓", "ctl.raw_ms", "median", "ms", SVC,
         {"floor": "— ¹"}),
    ]


def table(d):
    out = []
    out.append("| metric | " + " | ".join(COLS) + " |")
    out.append("|---" * (len(COLS) + 1) + "|")
    for label, metric, agg, unit, cols, na in rows(d):
        if metric is None:
            out.append(f"| {label} | " + " | ".join(
                f"**{c}**" if c in cols else "" for c in COLS) + " |")
            continue
        if not d.has(metric):
            continue
        t = d.get(metric, "tend", agg)
        cells = []
        for c in COLS:
            if c not in cols:
                cells.append("")
                continue
            if c in na:
                cells.append(na[c])
                continue
            v = d.get(metric, c, agg)
            if v is None:
                cells.append("")
                continue
            cells.append(fmt(v, unit) + ("" if c == "tend" else ratio(v, t)))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def details(d):
    out = ["| metric | program | samples | median | min | max | p99 |",
           "|---|---|---|---|---|---|---|"]
    for (metric, who), v in sorted(d.vals.items()):
        out.append(f"| {metric} | {who} | {len(v)} | {statistics.median(v):,.3f} | "
                   f"{min(v):,.3f} | {max(v):,.3f} | {p99(v):,.3f} |")
    out.append("")
    for k in sorted(d.info):
        out.append(f"- {k}: {d.info[k]}")
    return "\n".join(out)


def notes(d):
    i = d.info
    direct = d.get("log.direct_mbs", "floor", "median")
    out = [
        "Each cell is the median of the runs (or the p99, the slowest, or the "
        "one value, as the row says), with (×N) = that program's value / "
        "tend's on the same row: below 1 the rival is smaller or faster when "
        "↓ marks the row, slower when ↑ does. The spread of every cell (sample "
        "count, min, max, p99) is in `bench-details.md` in the build directory.",
        "",
        "- **floor** is `bench/floor.c`, the least an init or a supervisor "
        "must do: a reap loop, signal forwarding, immediate respawn, parallel "
        "stop (TERM to all, wait). It is what the others cost on top. As PID 1 "
        "it runs the command as tini does (`floor -1 -- cmd`); with `-p` it "
        "copies each service's output to its own stdout as it comes, a `cat` "
        "in the middle, with no lines and no framing.",
        "- **The PID-1 job**: each init is PID 1 of a new PID and mount "
        "namespace, as in a container, all on one CPU (so that the times do "
        "not depend on where the scheduler puts each process). Exec latency: from just before the "
        "init's `execve` until the first instruction of the child's `main`. "
        "Orphans: the child hands the init "
        f"{int(i.get('pid1.orphans', '4000')):,} zombies at once (their parent "
        "exits) and times until the last is reaped; a run lasts some "
        "milliseconds, so the best run is reported (other processes only ever "
        "slow one down). Signals: `SIGUSR1` sent to "
        "the init from outside the namespace, until the child's `sigwaitinfo` "
        "returns; one at a time. Wakeups: timeslices of the init while its "
        "child sleeps; tini wakes once a second (a 1 s `sigtimedwait`). "
        "dumb-init is the one dynamic binary: its PSS shares libc with the "
        "rest of the machine.",
        "- **Services** run under each supervisor as an ordinary process (not "
        "PID 1), each service a static program that sleeps. Memory: PSS of "
        "the supervisor and its helpers (runit: runsvdir and a runsv per "
        "service; s6: s6-svscan and an s6-supervise per service). Idle: "
        "wakeups and CPU of the same processes, all five trees side by side; "
        "runsvdir looks at its directory every 5 s, supervisord wakes every "
        "second.",
        "- **Restart**: `SIGKILL` to a service that has run for over a second, "
        "until the new process's `main` (runit and s6 include the `/bin/sh` "
        "of the `run` script). tend waits `restart-delay` (0.5 s by default, "
        "doubled on each failure in a row) before a restart, by design; the "
        "row below shows tend with 0. s6-supervise 2.11 waited 1 s before every "
        "restart (s6-supervise(8): \"a minimum 1-second delay between two "
        "./run spawns\"); supervisord restarts at a turn of its 1 s loop. "
        "The kills come 0.2 to 0.5 s apart, at random, so that they fall at "
        "every point of such a loop.",
        "- **Shutdown**: from the stop request each documents (tend, floor, "
        "supervisord: SIGTERM; runit: SIGHUP to runsvdir; s6: `s6-svscanctl "
        "-t`) until the supervisor and every process under it are gone. "
        "supervisord stops its programs one after another.",
        "- **Logs**: the time runs from the service's first write until its "
        "last byte reached the sink; CPU is the supervisor's or logger's own "
        "(utime+stime, 10 ms ticks). tend frames each line (`gen | line`); "
        "supervisord and the floor pass on what they read as it is; s6-log "
        "(`-b 1`, as s6-overlay passes lines on) and svlogd handle each line. "
        "Every byte is counted at the reader, and each file setup ends with "
        "the last line whole.",
        "- ¹ The floor has no control interface. "
        "² runit has no logger in the path unless a service has a `log/` "
        "directory: runsv passes the service's stdout on, so the service "
        "writes to the container's pipe itself"
        + (f" (the pipe alone: {direct:,.0f} MB/s)" if direct else "")
        + "; its logger, svlogd, is in the file rows. "
        "³ The floor writes no files.",
        "- `ctl`: each client is a process per call, timed from `posix_spawn` "
        "to `waitpid`; s6 has no status command for a whole scan directory, "
        "so its \"all\" is 100 `s6-svstat` calls; runit's is one `sv status` "
        "naming the 100 directories; supervisorctl is a Python program. The "
        "request alone: one connection, the request and the whole reply, "
        "from inside one Python process.",
    ]
    loads = [f"{k.split('.')[0]}: {i[k]}" for k in
             ("pid1.load", "svc.load", "ctl.load", "log.load") if k in i]
    if loads:
        out.append("- Load average (1, 5, 15 min) around each part: "
                   + "; ".join(loads) + ".")
    return "\n".join(out)


def main():
    args = sys.argv[1:]
    want_details = args[:1] == ["--details"]
    if want_details:
        args = args[1:]
    d = Data(args)
    if want_details:
        print(details(d))
    else:
        print(table(d))
        print()
        print(notes(d))


main()
