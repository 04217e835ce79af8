#!/bin/bash
# Configs at the edges (tend as PID 1 of a namespace where it runs):
# - huge numbers (1e308, 1e400, 1e-400, 2^64, 20 digits, inf, nan, hex
#   floats) in every numeric key: each is an error naming its file, line
#   and key; `--check` and a boot both exit 1, and the boot starts nothing.
# - the largest values allowed (durations of 1e7 s, log-max-size 2^62,
#   log-keep 1000, restart-limit 10^9, log-buffer 64 MiB): `--check` is
#   fine; tend runs them: a crashing service waits 1e7 s in backoff (no
#   overflow into a restart loop), tend stays small, and with drain-delay
#   1e7 and shutdown-timeout 3 a SIGTERM still ends tend with 0 after 3 s.
# - deep nesting (10,000 braces, lists or sections inside each other,
#   5,000 nested ${), a file over 1 MiB, a 300 KB line, a 1,000,000-byte
#   command, 20,000 env entries and a 100 KB value: each is an error with
#   its line (the 1 MiB file: its name) or fine; tend never crashes (exit
#   0 or 1, nothing from a sanitizer); the service with the big
#   environment runs and has it.
# - 5,000 services (500 running, 4,500 oneshots; 2,000 with sanitizers,
#   whose memory makes each fork slow): `--check` is fine, tend starts
#   them all, `tendctl status` lists them, and while they start answers
#   within 100 ms (SPEC §5, the median of several requests; 500 ms with
#   sanitizers), never later than 2 s (5 s); a reload removes 2,000, adds 100
#   and changes 100 (restarted), exactly (with sanitizers 800, 40, 40);
#   SIGTERM ends tend with 0 within its shutdown-timeout. 3,000 services
#   with an error in every third: each of the 1,000 errors is reported
#   with its line.
. "$(dirname "$0")/lib.sh"

# check_run NAME FILE: `tend --check -c FILE`; sets CHECK_RC and CHECK_OUT
# (stdout and stderr); fails the test on a crash or a sanitizer report.
check_run() {
	"$TEND" --check -c "$2" >"$T/check.out" 2>&1
	CHECK_RC=$?
	CHECK_OUT=$(head -c 20000 "$T/check.out")
	((CHECK_RC == 0 || CHECK_RC == 1)) ||
		fail "[$1] tend --check exited $CHECK_RC: $(head -c 600 "$T/check.out")"
	if grep -q -e 'Sanitizer' -e 'runtime error' "$T/check.out"; then
		fail "[$1] tend --check: $(grep -m3 -e 'Sanitizer' -e 'runtime error' "$T/check.out")"
	fi
}

# ---- huge numbers: one bad value a line, each line's number known
exec 3>"$T/huge.conf"
ln=0
emit() {
	printf '%s\n' "$1" >&3
	ln=$((ln + 1))
}
declare -A WANT=() # line -> key
bad() {
	emit "	$1 = $2"
	WANT[$ln]=$1
}
emit "shutdown-timeout = 1e308"
WANT[$ln]=shutdown-timeout
emit "drain-delay = 99999999999999999999"
WANT[$ln]=drain-delay
emit "straggler-timeout = 1e400"
WANT[$ln]=straggler-timeout
emit "log-buffer = 18446744073709551616"
WANT[$ln]=log-buffer
i=0
for kv in "restart-delay 1e308" "restart-delay-max 99999999999999999999" \
	"restart-limit 99999999999999999999" "restart-limit 18446744073709551616" \
	"restart-limit 4294967296" "stable-after -1e308" "stop-timeout 1e-400" \
	"ready-timeout inf" "health-interval nan" "health-timeout 0x1p1023" \
	"health-retries 4294967297" "log-max-size 18446744073709551616" \
	"log-max-size 4611686018427387905" "log-keep 99999999999" \
	"umask 99999999999" "restart-delay 1e7.5" "stop-timeout 1e999"; do
	i=$((i + 1))
	emit "service \"h$i\" {"
	emit "	command = \"$TESTCHILD sleep\""
	# shellcheck disable=SC2086
	bad $kv
	emit "}"
done
exec 3>&-
check_run huge "$T/huge.conf"
expect_eq "[huge] tend --check's exit status" 1 "$CHECK_RC"
for l in "${!WANT[@]}"; do
	grep -qF "$T/huge.conf:$l: ${WANT[$l]}" "$T/check.out" ||
		fail "[huge] no error for line $l ('$(sed -n "${l}p" "$T/huge.conf" | sed 's/^[[:space:]]*//')'): $(head -c 2000 "$T/check.out")"
done
n=$(grep -c "^$T/huge.conf:[0-9]*: " "$T/check.out")
expect_eq "[huge] errors reported" "${#WANT[@]}" "$n"
log "[huge] ${#WANT[@]} errors, e.g. $(grep -m1 restart-limit "$T/check.out")"
# An exponent with a sign is not a token libconfuse reads unquoted: a
# syntax error, on its line, that ends the parse.
printf 'service "a" {\n\tcommand = "%s sleep"\n\tstop-timeout = 1.0e+400\n}\n' "$TESTCHILD" >"$T/plus.conf"
check_run plus "$T/plus.conf"
expect_eq "[huge] tend --check's exit status for 1.0e+400" 1 "$CHECK_RC"
grep -q "^$T/plus.conf:3: " "$T/check.out" || fail "[huge] 1.0e+400: $CHECK_OUT"
log "[huge] 1.0e+400: $(head -n 1 "$T/check.out")"
RUN=huge start_tend ns -c "$T/huge.conf"
wait_exit "$JOB_PID" 10
expect_eq "[huge] tend's exit status at boot" 1 "$EXIT_CODE"
grep -q "nothing started\|$T/huge.conf:" "$ERR" || fail "[huge] tend's boot said nothing: $(head -c 300 "$ERR")"
grep -q 'started as pid' "$ERR" && fail "[huge] a service started: $(grep -m1 'started as pid' "$ERR")"

# ---- the largest values allowed
write_conf "$T/max.conf" <<CONF
shutdown-timeout = 3
drain-delay = 1e7
straggler-timeout = 1e7
log-buffer = 67108864
service "big" {
	command = "$TESTCHILD tick 50 --tag big"
	restart-delay = 1e7
	restart-delay-max = 1e7
	restart-limit = 1000000000
	stable-after = 1e7
	stop-timeout = 1e7
	ready-timeout = 1e7
	health-check = "exec:/bin/true"
	health-interval = 1e7
	health-timeout = 1e7
	health-retries = 1000000
	log-max-size = 4611686018427387904
	log-keep = 1000
}
service "crash" {
	command = "$TESTCHILD exit 3"
	restart-delay = 1e7
	restart-delay-max = 1e7
	restart-limit = 1000000000
}
CONF
check_run max "$T/max.conf"
expect_eq "[max] tend --check's exit status" 0 "$CHECK_RC"
grep -q 'configuration OK' <<<"$CHECK_OUT" || fail "[max] $CHECK_OUT"
RUN=max start_tend ns -c "$T/max.conf"
WAIT_WHY="[max] big running" wait_for 10 svc_is big state running
WAIT_WHY="[max] crash in backoff" wait_for 10 svc_is crash state backoff
log_has "service crash: running -> backoff (restart in 1e+07 s)" ||
	fail "[max] no 1e7 s backoff for crash: $(grep 'service crash' "$ERR" | tail -n 3)"
holds 2000 "[max] crash restarted before its 1e7 s delay" svc_is crash restarts 1
rss=$(status_field "$TEND_PID" VmRSS | sed 's/ kB$//')
log "[max] tend's VmRSS ${rss} kB with log-buffer 64 MiB"
((rss < 100000)) || fail "[max] tend's VmRSS is $rss kB"
now_ms
t0=$NOW_MS
kill -TERM "$TEND_PID"
wait_exit "$JOB_PID" 15
now_ms
expect_eq "[max] tend's exit status after SIGTERM" 0 "$EXIT_CODE"
((NOW_MS - t0 >= 2800 && NOW_MS - t0 < 4500)) ||
	fail "[max] tend exited $((NOW_MS - t0)) ms after SIGTERM: expected shutdown-timeout (3 s) despite drain-delay 1e7"
log "[max] exit 0 $((NOW_MS - t0)) ms after SIGTERM (drain-delay 1e7, shutdown-timeout 3)"

# ---- deep nesting, long lines
python3 - "$T" "$TESTCHILD" <<'PY' || fail "cannot write the nested configs"
import sys
T, tc = sys.argv[1:3]
def w(name, text):
    open("%s/%s.conf" % (T, name), "w").write(text)
w("braces", 'service "a" {\n\tcommand = "%s sleep"\n%s%s\n}\n' % (tc, "{" * 10000, "}" * 10000))
w("lists", 'service "a" {\n\tcommand = "%s sleep"\n\tenv = %s"A=1"%s\n}\n' % (tc, "{" * 10000, "}" * 10000))
w("sections", 'service "a" {\n' * 10000 + "}\n" * 10000)
w("dollars", 'service "a" {\n\tcommand = "%s sleep"\n\tenv = {"A=%s"}\n}\n' % (tc, "${" * 5000 + "X" + "}" * 5000))
w("over1m", "# " + "x" * (1 << 20) + "\n")
w("comment", "# " + "c" * 300000 + "\nservice \"a\" { command = \"%s sleep\" }\n" % tc)
w("longcmd", 'service "a" {\n\tcommand = "%s sleep %s"\n}\n' % (tc, "x" * 1000000))
w("bigenv", 'service "a" {\n\tcommand = "%s sleep"\n\tenv = {"BIG=%s", %s}\n}\n'
  % (tc, "v" * 100000, ", ".join('"K%d=%d"' % (i, i) for i in range(20000))))
PY
for c in braces lists sections; do
	check_run $c "$T/$c.conf"
	expect_eq "[$c] tend --check's exit status" 1 "$CHECK_RC"
	grep -q "^$T/$c.conf:[0-9][0-9]*: " "$T/check.out" ||
		fail "[$c] no error with a line: $(head -c 300 "$T/check.out")"
	log "[$c] $(head -n 1 "$T/check.out" | head -c 200)"
done
check_run over1m "$T/over1m.conf"
expect_eq "[over1m] tend --check's exit status" 1 "$CHECK_RC"
grep -qF "$T/over1m.conf" "$T/check.out" || fail "[over1m] the error does not name the file: $CHECK_OUT"
log "[over1m] $(head -n 1 "$T/check.out")"
for c in dollars comment longcmd bigenv; do
	check_run $c "$T/$c.conf"
	log "[$c] exit $CHECK_RC: $(head -n 1 "$T/check.out" | head -c 200)"
	if ((CHECK_RC == 1)); then
		grep -q "^$T/$c.conf:[0-9][0-9]*: " "$T/check.out" ||
			fail "[$c] an error without a line: $(head -c 300 "$T/check.out")"
	fi
done
expect_eq "[bigenv] tend --check's exit status" 0 "$CHECK_RC"
RUN=bigenv start_tend ns -c "$T/bigenv.conf"
WAIT_WHY="[bigenv] a running" wait_for 20 svc_is a state running
svc_host_pid a
v=$(env_of "$SVC_PID" BIG) || fail "[bigenv] no BIG in the service's environment"
expect_eq "[bigenv] length of BIG" 100000 "${#v}"
expect_eq "[bigenv] K19999" 19999 "$(env_of "$SVC_PID" K19999)"
kill -TERM "$TEND_PID"
wait_exit "$JOB_PID" 15
expect_eq "[bigenv] tend's exit status after SIGTERM" 0 "$EXIT_CODE"

# ---- thousands of services
RUNNING=500
ONESHOTS=4500
if grep -qa __asan_init "$TEND"; then
	# Each start forks tend: with AddressSanitizer's memory (its quarantine
	# above all) that is slow; 2,000 services are still thousands.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
	RUNNING=200
	ONESHOTS=1800
	log "tend is built with AddressSanitizer: $((RUNNING + ONESHOTS)) services, ASAN_OPTIONS=$ASAN_OPTIONS"
fi
# How long tendctl status may wait while the services start (SPEC §5:
# the loop never delays an answer by more than 100 ms). The loop starts
# services for a few milliseconds a turn and serves the control socket
# first in each, so a request waits for a few short turns. Two bounds: the
# median of several requests, the one SPEC's 100 ms is about, which a
# single request slowed by the machine (two CPUs, another test beside,
# 5,000 processes starting) cannot fail; and every request, a loose one
# that only a loop stuck for a long while fails. With sanitizers a fork
# takes milliseconds and building the reply tens, hence more room.
BOOT_STATUS_MEDIAN_MAX=$(_scale 100)
BOOT_STATUS_MAX=$(_scale 2000)
if grep -qa __asan_init "$TEND"; then
	BOOT_STATUS_MEDIAN_MAX=$(_scale 500)
	BOOT_STATUS_MAX=$(_scale 5000)
fi
TOTAL=$((RUNNING + ONESHOTS))
REMOVE=$((ONESHOTS * 4 / 9))
ADD=$((RUNNING / 5))
CHANGE=$((RUNNING / 5))
# many RUNNING EXTRA FIRST_ONESHOT CHANGED: RUNNING simple services
# r0000..., EXTRA more after them, the oneshots from FIRST_ONESHOT to
# ONESHOTS; the first CHANGED simple ones run another command.
many() {
	python3 - "$TESTCHILD" "$ONESHOTS" "$@" <<'PY'
import sys
tc, oneshots, running, extra, first, changed = sys.argv[1], *map(int, sys.argv[2:])
print("shutdown-timeout = 20")
for i in range(running + extra):
    cmd = "stamp /dev/null" if i < changed else "sleep"
    print('service "r%04d" {\n\tcommand = "%s %s"\n}' % (i, tc, cmd))
for i in range(first, oneshots):
    print('service "o%04d" {\n\tcommand = "%s exit 0"\n\ttype = oneshot\n}' % (i, tc))
PY
}
count_is() {
	local v
	v=$(ctl_json "sum(1 for s in d['services'] if s['state'] == '$1')") || return 1
	[ "$v" = "$2" ]
}
# boot_status: one `tendctl --json status` (it prints the reply as it
# came: the time is tend's answer, not the formatting of 5,000 lines),
# timed; fails unless it lists every service. Appends the time to
# BOOT_ALL, and to BOOT_DURING when the reply shows the start still going
# on (a service waiting or starting); sets BOOT_STARTING to 1 or 0.
BOOT_ALL=()
BOOT_DURING=()
boot_status() {
	local t0 rc n
	now_ms
	t0=$NOW_MS
	timeout -k 5 60 "$TENDCTL" -S "$TEND_SOCK" --json status \
		>"$T/boot.json" 2>"$T/boot.err" </dev/null
	rc=$?
	now_ms
	((rc == 0)) || fail "[many] tendctl status while the services start: exit $rc: $(head -c 300 "$T/boot.err")"
	n=$(grep -o '"name": *"' "$T/boot.json" | wc -l)
	expect_eq "[many] services in tendctl status while they start" "$TOTAL" "$n"
	BOOT_ALL+=($((NOW_MS - t0)))
	BOOT_STARTING=0
	if grep -q -e '"state": *"waiting"' -e '"state": *"starting"' "$T/boot.json"; then
		BOOT_STARTING=1
		BOOT_DURING+=($((NOW_MS - t0)))
	fi
}
# median N...: the median of the integers (the lower middle one of an even count).
median() {
	printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}
many $RUNNING 0 0 0 | write_conf "$T/many.conf"
now_ms
t0=$NOW_MS
check_run many "$T/many.conf"
now_ms
expect_eq "[many] tend --check's exit status" 0 "$CHECK_RC"
head -n 1 "$T/check.out" | grep -q "$TOTAL services" ||
	fail "[many] $(head -n 1 "$T/check.out")"
log "[many] tend --check of $TOTAL services: $((NOW_MS - t0)) ms"
RUN=many start_tend ns -c "$T/many.conf"
now_ms
t0=$NOW_MS
# While the services start: the loop never waits (SPEC §5), so tendctl
# gets its answer at once (checked at the end, after the rest): nine
# requests one after the other, as long as the start goes on.
WAIT_WHY="[many] the control socket" wait_for 10 test -S "$TEND_SOCK"
BOOT_STARTING=1
while ((BOOT_STARTING && ${#BOOT_ALL[@]} < 9)); do
	boot_status
done
WAIT_WHY="[many] $RUNNING running" wait_for 60 count_is running $RUNNING
WAIT_WHY="[many] $ONESHOTS oneshots done" wait_for 60 count_is "done" $ONESHOTS
now_ms
log "[many] all started in $((NOW_MS - t0)) ms; tend: $(fd_count "$TEND_PID") fds, VmRSS $(status_field "$TEND_PID" VmRSS)"
ctl_expect 0 status
expect_eq "[many] lines of tendctl status" $((TOTAL + 1)) "$(wc -l <<<"$CTL_OUT")"

# Reload: the first REMOVE oneshots removed, ADD simple services added
# after the others, the first CHANGE of them changed.
many $RUNNING $ADD $REMOVE $CHANGE | write_conf "$T/many.conf"
now_ms
t0=$NOW_MS
ctl --json reload
now_ms
expect_eq "[many] tendctl reload's exit status" 0 "$CTL_RC"
python3 - "$CTL_OUT" $ADD $REMOVE $CHANGE $((TOTAL - REMOVE - CHANGE)) >"$T/py.txt" 2>&1 <<'PY' || fail "[many] reload: $(cat "$T/py.txt")"
import json, sys
d = json.loads(sys.argv[1])
add, remove, change, same = map(int, sys.argv[2:])
want = {"added": add, "removed": remove, "restarted": change, "changed": 0, "unchanged": same}
got = {k: len(d.get(k, [])) for k in want}
if got != want or not d.get("applied"):
    raise SystemExit("got %s, expected %s" % (got, want))
if sorted(d["restarted"]) != ["r%04d" % i for i in range(change)]:
    raise SystemExit("restarted: %s..." % sorted(d["restarted"])[:5])
print(got)
PY
log "[many] reload in $((NOW_MS - t0)) ms: $(cat "$T/py.txt")"
WAIT_WHY="[many] $((RUNNING + ADD)) running after the reload" wait_for 60 count_is running $((RUNNING + ADD))
WAIT_WHY="[many] the removed oneshots gone" wait_for 30 \
	ctl_true "len(d['services']) == $((TOTAL + ADD - REMOVE))"
now_ms
t0=$NOW_MS
kill -TERM "$TEND_PID"
wait_exit "$JOB_PID" 30
now_ms
expect_eq "[many] tend's exit status after SIGTERM" 0 "$EXIT_CODE"
((NOW_MS - t0 < 20000)) || fail "[many] tend took $((NOW_MS - t0)) ms to exit: shutdown-timeout is 20 s"
log "[many] $((RUNNING + ADD)) services stopped, exit 0 $((NOW_MS - t0)) ms after SIGTERM"

# 3,000 services, an error in every third: each reported with its line.
python3 - "$T/errs.conf" "$T/errs.want" "$TESTCHILD" <<'PY' || fail "cannot write errs.conf"
import sys
conf, want, tc = sys.argv[1:4]
out, lines, n = [], [], 0
for i in range(3000):
    out.append('service "e%04d" {' % i)
    out.append('\tcommand = "%s sleep"' % tc)
    if i % 3 == 2:
        out.append("\tstop-timeout = -1")
        lines.append("%s:%d: stop-timeout" % (conf, len(out)))
    out.append("}")
open(conf, "w").write("\n".join(out) + "\n")
open(want, "w").write("\n".join(lines) + "\n")
PY
check_run errs "$T/errs.conf"
expect_eq "[errs] tend --check's exit status" 1 "$CHECK_RC"
grep -o "^$T/errs.conf:[0-9]*: stop-timeout" "$T/check.out" >"$T/errs.got"
cmp -s "$T/errs.want" "$T/errs.got" ||
	fail "[errs] $(wc -l <"$T/errs.got") errors reported, expected $(wc -l <"$T/errs.want") with these lines; first difference: $(diff "$T/errs.want" "$T/errs.got" | head -n 3 | tr '\n' ' ')"
log "[errs] 1000 errors, each with its line"

log "[many] tendctl status while the $TOTAL services started: ${BOOT_DURING[*]} ms (all requests: ${BOOT_ALL[*]})"
# Nine requests take well under a second; 5,000 forks, seconds.
((${#BOOT_DURING[@]} >= 3)) ||
	fail "[many] only ${#BOOT_DURING[@]} of the status requests came while the services started"
for ms in "${BOOT_ALL[@]}"; do
	((ms <= BOOT_STATUS_MAX)) ||
		fail "[many] a tendctl status took $ms ms while the $TOTAL services started (at most $BOOT_STATUS_MAX): the loop waited"
done
ms=$(median "${BOOT_DURING[@]}")
((ms <= BOOT_STATUS_MEDIAN_MAX)) ||
	fail "[many] tendctl status took $ms ms (the median of ${BOOT_DURING[*]}) while the $TOTAL services started, more than $BOOT_STATUS_MEDIAN_MAX"
pass
