#!/usr/bin/env bash
# valgrind memcheck over a short soak (issue 8): tend (a debug build) runs
# under valgrind as a child subreaper, in a network namespace of its own
# (testchild netns: the ports of its probes are free whatever else runs),
# with ten services that crash and are restarted (exit codes, signals,
# orphans, output on both streams, one to a rotating log file, one behind
# HTTP readiness and a TCP health check, one with an exec health check),
# a tendctl loop beside them (status, status --json, metrics, restart,
# log -n 5, check), a `tendctl events` client and a `tendctl log -f` one.
# Halfway, a reload (SIGHUP) with a changed file: a service removed, one
# added, one whose command changed, one whose restart delay changed, and
# the global log-format and log-timestamps changed. Then SIGTERM.
#
# Passes when valgrind reports no error and no definite or indirect leak
# (--errors-for-leak-kinds=definite,indirect --error-exitcode=99: tend's
# exit status is 0, not 99), in tend and in the children it forks before
# they exec; when --track-fds=yes finds nothing open at tend's exit but 0-2
# and what tend inherited (valgrind's log file shows so; tend is started
# with nothing else open); and when tend counted every orphan. "still reachable" blocks (libev, libconfuse, glibc)
# are fine: tend exits without freeing what lives as long as it does.
#
# Environment: TEND (a debug build; default build-debug/tend), TENDCTL,
# TESTCHILD (default: beside TEND), VALGRIND (default: valgrind),
# MEMCHECK_CYCLES (crash-and-restart cycles, default 200). Run as root.
# Prints PASS:/FAIL: lines and "N passed, N failed"; exits 1 on a failure,
# 2 when it cannot run.
set -uo pipefail
export LC_ALL=C

# shellcheck source=tests/soak/lib.sh
. "$(dirname "$0")/lib.sh"
soak_binaries memcheck build-debug
: "${VALGRIND:=valgrind}"
if ! command -v "$VALGRIND" >/dev/null; then
	echo "memcheck: no $VALGRIND (apt-get install valgrind)" >&2
	exit 2
fi
soak_need_root memcheck "network namespace"
if grep -qa __asan_init "$TEND"; then
	echo "memcheck: $TEND is built with AddressSanitizer: valgrind cannot run it" >&2
	exit 2
fi

CYCLES=${MEMCHECK_CYCLES:-200}
SHUTDOWN_TIMEOUT=20

# shellcheck source=tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"
counting

ulimit -c 0
PORT=17301

# ------------------------------------------------------------------ config

# svc NAME ARGS [LINE...]: a service running `testchild ARGS`.
svc() {
	local name=$1 args=$2 l
	shift 2
	printf 'service "%s" {\n\tcommand = "%s %s"\n' "$name" "$TESTCHILD" "$args"
	for l in "$@"; do
		printf '\t%s\n' "$l"
	done
	printf '}\n'
}
fast=('restart-delay = 0.02' 'restart-delay-max = 0.05')

# conf VERSION: the file, before (1) and after (2) the reload.
conf() {
	local v=$1
	printf 'shutdown-timeout = %s\nlog-buffer = 4096\n' "$SHUTDOWN_TIMEOUT"
	((v == 2)) && printf 'log-format = "json"\nlog-timestamps = true\n'
	svc m0 "stamp $T/m0.rec --run 50 --say $((v == 1 ? 40 : 20)) --exit 1" "${fast[@]}"
	if ((v == 1)); then
		svc m1 "stamp $T/m1.rec --run 80 --die SEGV" "${fast[@]}"
	else
		svc m1 "stamp $T/m1.rec --run 80 --die SEGV" 'restart-delay = 0.03' \
			'restart-delay-max = 0.06'
	fi
	svc m2 "stamp $T/m2.rec --run 60 --orphans 3 --exit 0" "${fast[@]}"
	svc m3 "stamp $T/m3.rec --run 40 --say 100 --exit 2" "${fast[@]}" \
		"log = \"file:$T/m3.log\"" 'log-max-size = 4096' 'log-keep = 2'
	svc m4 "stamp $T/m4.rec --run 70 --orphans 1 --say 20 --die USR1" "${fast[@]}"
	svc m5 "stamp $T/m5.rec --say 5"
	svc m6 "http $PORT $T/m6.rec" "ready = \"http://127.0.0.1:$PORT/\"" \
		"health-check = \"tcp:$PORT\"" 'health-interval = 0.3'
	svc m7 "stamp $T/m7.rec --say 3" "health-check = \"exec:$TESTCHILD exit 0\"" \
		'health-interval = 0.3' 'depends = {"m6"}'
	svc m8 "stamp $T/m8.rec --run 90 --say 3 --exit 0" "${fast[@]}"
	if ((v == 1)); then
		svc m9 "stamp $T/m9.rec --run 30 --die KILL" "${fast[@]}"
	else
		svc m10 "stamp $T/m10.rec --run 50 --say 10 --exit 3" "${fast[@]}"
	fi
}
conf 1 | write_conf "$T/tend.conf"

# --------------------------------------------------------------- helpers

cat >"$T/st.py" <<'PY'
import json, sys
d = json.load(sys.stdin)
print(sum(s["restarts"] for s in d["services"]), d["orphans_reaped"],
      " ".join("%s:%s" % (s["name"], s["state"]) for s in d["services"]))
PY
# st: sets CYC (restarts in all) and SVCS (name:state ...).
st() {
	soak_status "$T/st.py"
	read -r CYC _ SVCS <<<"$ST_LINE"
}
cycles_reach() {
	st
	((CYC >= $1))
}

# ctl_op OKS ARGS...: one tendctl command; a failure (an exit status not in
# OKS) goes to ctl.bad.
ctl_op() {
	local oks=$1 out rc
	shift
	out=$(timeout -k 5 120 "$TENDCTL" -S "$TEND_SOCK" "$@" 2>&1 </dev/null)
	rc=$?
	case " $oks " in
	*" $rc "*) ;;
	*) printf '%s: exit %s: %s\n' "$*" "$rc" "${out:0:300}" >>"$T/ctl.bad" ;;
	esac
	echo "$1 $rc" >>"$T/ctl.log"
}
ctl_loop() {
	trap - EXIT
	while [ ! -e "$T/ctl.stop" ]; do
		ctl_op 0 status
		ctl_op 0 --json status
		ctl_op 0 metrics
		ctl_op 0 restart m5
		ctl_op 0 log -n 5 m0
		ctl_op 0 log -n 5 m3
		ctl_op "0 1" check
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			_nap
		done
	done
}

orphan_lines() { cat "$T"/*.rec | grep -c '^orphan '; }

# ------------------------------------------------------------------- run

# shellcheck disable=SC2054 # the commas are valgrind's
VG=("$VALGRIND" --tool=memcheck --leak-check=full
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99
	--track-fds=yes --log-file="$T/vg.%p.log")
TEND_WRAP=("$TESTCHILD" netns "$TESTCHILD" closefds "${VG[@]}")
start_tend sub -c "$T/tend.conf"
log "tend under valgrind: pid $TEND_PID"
soak_clients 60
bg "$TENDCTL" -S "$TEND_SOCK" log -f m4 >"$T/follow.out" 2>"$T/follow.err"
FOLLOW_PID=$BG_PID
soak_loop_start

now_ms
t0=$NOW_MS
WAIT_WHY="$((CYCLES / 2)) cycles" wait_for 600 cycles_reach $((CYCLES / 2))
log "$CYC cycles; reload"
conf 2 | write_conf "$T/tend.conf"
kill -s HUP "$TEND_PID"
reloaded() {
	st
	case " $SVCS " in
	*" m9:"*) return 1 ;;
	*" m10:"*) return 0 ;;
	esac
	return 1
}
check "the reload applied: m9 gone, m10 in" wait_quiet 60 reloaded
check "m0 restarted with its new command" \
	wait_quiet 60 grep -q '"service": "m0", .*"msg": "say [0-9]* 1/20"' "$T/tend.out"
WAIT_WHY="$CYCLES cycles" wait_for 600 cycles_reach "$CYCLES"
now_ms
log "$CYC cycles in $((NOW_MS - t0)) ms"

: >"$T/ctl.stop"
soak_loop_end 300
soak_loop_check
both_alive() { alive "$EVENTS_PID" && alive "$FOLLOW_PID"; }
check "tendctl events and log -f are still connected" both_alive

kill -s TERM "$TEND_PID"
wait_exit "$JOB_PID" $((SHUTDOWN_TIMEOUT + 60))
check "tend under valgrind exits 0 after SIGTERM (99: valgrind found errors; got $EXIT_CODE)" \
	test "$EXIT_CODE" = 0
WAIT_WHY="the tendctl clients to end" wait_for 10 not_alive "$EVENTS_PID"
WAIT_WHY="the tendctl clients to end" wait_for 10 not_alive "$FOLLOW_PID"
n=$(orphan_lines)
# (in JSON since the reload)
last=$(grep 'exiting with' "$T/tend.err" | tail -n 1)
log "tend's last words: $last"
check "tend's exit line counts every orphan ($n)" \
	grep -q "\"exiting with 0; $n orphans reaped\"}$" <<<"$last"
check "rotated log files of m3" test -s "$T/m3.log.1"

# ---------------------------------------------------------- valgrind logs

main_log=$T/vg.$TEND_PID.log
[ -s "$main_log" ] || fail "no valgrind log for tend ($main_log)"
python3 - "$main_log" "$T"/vg.*.log >"$T/vg.txt" 2>&1 <<'PY'
import glob, re, sys
main, logs = sys.argv[1], sys.argv[2:]
prefix = re.compile(r"^==\d+== ?")
problems = []

def body(path):
    return [prefix.sub("", l.rstrip("\n")) for l in open(path, errors="replace")]

m = body(main)
text = "\n".join(m)
es = re.search(r"ERROR SUMMARY: (\d+) errors", text)
print("tend: %s" % (es.group(0) if es else "no ERROR SUMMARY"))
if not es or es.group(1) != "0":
    problems.append("tend: %s" % (es.group(0) if es else "no ERROR SUMMARY"))
for kind in ("definitely lost", "indirectly lost"):
    g = re.search(kind + r": ([\d,]+) bytes in ([\d,]+) blocks", text)
    if g and g.group(1) != "0":
        problems.append("tend: %s" % g.group(0))
    if g:
        print("tend: %s" % g.group(0))
for what in (r"in use at exit: [\d,]+ bytes in [\d,]+ blocks",
             r"still reachable: [\d,]+ bytes in [\d,]+ blocks",
             r"All heap blocks were freed -- no leaks are possible"):
    g = re.search(what, text)
    if g:
        print("tend: %s" % g.group(0))
fds = re.search(r"FILE DESCRIPTORS: \d+ open(?: \(\d+ std\))? at exit", text)
print("tend: %s" % (fds.group(0) if fds else "no FILE DESCRIPTORS line"))
if not fds:
    problems.append("tend: no FILE DESCRIPTORS line (--track-fds)")
for i, l in enumerate(m):
    g = re.match(r"Open (?:file descriptor|\S+ socket) (\d+):", l)
    if not g:
        continue
    block = m[i + 1:i + 3]
    inherited = any("<inherited from parent>" in b for b in block)
    if int(g.group(1)) > 2 and not inherited:
        problems.append("tend: fd left open at exit: %s %s" % (l, " ".join(b.strip() for b in block)))
# The children between fork and exec: any error report at all. Not
# "possibly lost": a child forked while a reload's thread ran holds that
# thread's memory (its stack and TLS, 272 bytes) with no thread to point to
# it; the thread itself is joined in tend (tend's own log above).
nchild = 0
for p in logs:
    if p == main:
        continue
    nchild += 1
    for l in body(p):
        if re.search(r"Invalid |uninitialised|Syscall param|Conditional jump|"
                     r"Mismatched|invalid file descriptor|Warning|ERROR SUMMARY: [1-9]|"
                     r"(definitely|indirectly) lost: [1-9]", l):
            problems.append("%s: %s" % (p.rsplit("/", 1)[-1], l))
            break
print("children's logs (fork to exec): %d" % nchild)
if problems:
    print("PROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
PY
rc=$?
sed 's/^/  /' "$T/vg.txt"
check "valgrind: no error, no definite or indirect leak, no fd left open (tend and its children before exec)" \
	test "$rc" = 0
if [ "$rc" != 0 ]; then
	echo "--- tend's valgrind log (first 200 lines)"
	sed -n 1,200p "$main_log"
fi

summary
((failed == 0))
