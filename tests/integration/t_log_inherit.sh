#!/bin/bash
# log = "inherit" and "null", and the single-mode app: tend never changes
# the file status flags (O_NONBLOCK) of the fds it shares with children.
# - config mode (tend as PID 1), tend's stdout a pipe read slowly while a
#   piped service keeps tend's own writing busy: an inherit service's fd 1
#   is tend's (the same flags in /proc/PID/fdinfo/1, O_NONBLOCK clear, all
#   along); a service flooding its inherited stdout for 2 s never gets
#   EAGAIN; inherited lines appear unprefixed; a `null` service runs and
#   nothing of it appears anywhere.
# - single mode (PID 1 and subreaper): the app floods a slowly read pipe
#   without EAGAIN and its fd 1 keeps the flags tend got.
# - a non-blocking stdout given to tend stays non-blocking for the app and
#   for an inherit service (tend clears nothing either).
. "$(dirname "$0")/lib.sh"

NB=$((8#4000))      # O_NONBLOCK
CLOEXEC=$((8#2000000))

# flags_ok HOSTPID WHAT: fd 1 of HOSTPID has tend's fd 1's flags (the
# close-on-exec bit aside, it is per fd), O_NONBLOCK clear.
flags_ok() {
	local a b
	a=$(fd_flags "$TEND_PID" 1) || return 0
	b=$(fd_flags "$1" 1) || return 0
	a=$((8#$a & ~CLOEXEC))
	b=$((8#$b & ~CLOEXEC))
	((a & NB)) && fail "O_NONBLOCK is set on tend's fd 1 (flags $(printf %o "$a")) with $2 running"
	((a == b)) || fail "$2: fd 1 flags $(printf %o "$b"), tend's $(printf %o "$a")"
	SAMPLES=$((SAMPLES + 1))
}

# flood_over REC HOSTPID WHAT: the flood recorded its end; meanwhile checks
# the flags of HOSTPID (the flood itself, or a sibling sharing its fd 1).
flood_over() {
	flags_ok "$2" "$3"
	grep -q '^flood ' "$1"
}

# flood_clean REC WHAT: the flood saw O_NONBLOCK clear from start to end and
# never got EAGAIN.
flood_clean() {
	local rec
	rec=$(tr '\n' ';' <"$1")
	expect_eq "$2: its record" "flags O_NONBLOCK=0;flags-end O_NONBLOCK=0;" \
		"$(grep '^flags' "$1" | tr '\n' ';')"
	grep -q '^flood ok [1-9]' "$1" || fail "$2: $rec"
	log "$2: $rec"
}

# ---- config mode: inherit and null
write_conf "$T/tend.conf" <<CONF
service "inh" {
	command = "$TESTCHILD flood $T/inh.rec 2"
	restart = never
	log = "inherit"
}
service "inhsleep" {
	command = "$TESTCHILD sleep"
	log = "inherit"
}
service "inhl" {
	command = "$TESTCHILD lines 3 --tag inhl"
	restart = never
	log = "inherit"
}
service "busy" {
	command = "$TESTCHILD lines 20000 --tag busy --len 60"
	restart = never
}
service "nul" {
	command = "$TESTCHILD tick 2 --tag nul"
	log = "null"
}
CONF
mkfifo "$T/tend.pipe" || fail "mkfifo"
slow_reader "$T/tend.pipe" "$T/tend.out" "$T/go" 4096 10
TEND_STDOUT=$T/tend.pipe start_tend ns -c "$T/tend.conf"
WAIT_WHY="inhsleep running" wait_for 10 svc_is inhsleep state running
svc_pid "$(svc_json inhsleep pid)"
sleeper=$SVC_PID
log "tend's fd 1: flags $(fd_flags "$TEND_PID" 1); inhsleep's: $(fd_flags "$sleeper" 1)"
SAMPLES=0
WAIT_WHY="the end of inh's flood" wait_for 30 flood_over "$T/inh.rec" "$sleeper" inhsleep
flood_clean "$T/inh.rec" "inherit service flooding a slow pipe ($SAMPLES flag samples)"
WAIT_WHY="inh done" wait_for 10 svc_is inh state "done"
svc_is inh exit_code 0 || fail "inh's exit code: $(svc_json inh exit_code)"
svc_is nul state running || fail "nul is not running: $(svc_json nul state)"
ctl_expect 0 --json status
touch "$T/go"
WAIT_WHY="busy done" wait_for 30 svc_is busy state "done"
term_tend 20
wait_exit "$READER_PID" 10
grep -aq 'inhl 1/3' "$T/tend.out" || fail "inhl's lines are not on tend's stdout"
grep -aq 'inhl |' "$T/tend.out" && fail "inhl's lines are prefixed: $(grep -a 'inhl' "$T/tend.out" | head -n 3)"
grep -aq '^busy | busy 20000/20000 ' "$T/tend.out" || fail "busy's last line is not on tend's stdout"
grep -aqE '(^|[^a-z])nul [0-9]' "$T/tend.out" && fail "the null service's output is on tend's stdout"
grep -av '^tend: ' "$ERR" | grep -aqE '(^|[^a-z])nul [0-9]' && fail "the null service's output is on tend's stderr"
log "inherit: lines unprefixed; null: nothing"

# ---- single mode
for mode in ns sub; do
	rm -f "$T/go" "$T/tend.out"
	slow_reader "$T/tend.pipe" "$T/tend.out" "$T/go" 4096 10
	TEND_STDOUT=$T/tend.pipe RUN=single-$mode start_tend "$mode" -- \
		"$TESTCHILD" flood "$T/single-$mode.rec" 2
	WAIT_WHY="the app under tend" wait_for 10 tend_child_running "$(readlink -f "$TESTCHILD")"
	SAMPLES=0
	WAIT_WHY="the end of the app's flood" wait_for 30 flood_over "$T/single-$mode.rec" "$FOUND" app
	touch "$T/go"
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] tend's exit status (the app's)" 0 "$EXIT_CODE"
	wait_exit "$READER_PID" 10
	flood_clean "$T/single-$mode.rec" "[$mode] single-mode app flooding a slow pipe ($SAMPLES flag samples)"
done

# ---- a non-blocking stdout stays non-blocking
NONBLOCK=(python3 -c 'import fcntl, os, sys
fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK)
os.execv(sys.argv[1], sys.argv[1:])')
TEND_WRAP=("${NONBLOCK[@]}")
RUN=nb-single start_tend ns -- "$TESTCHILD" flood "$T/nb-single.rec" 0
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status (the app's)" 0 "$EXIT_CODE"
expect_eq "single-mode app's record with a non-blocking stdout" \
	"flags O_NONBLOCK=1;flags-end O_NONBLOCK=1;flood ok 0;" "$(tr '\n' ';' <"$T/nb-single.rec")"
write_conf "$T/nb.conf" <<CONF
service "inh" {
	command = "$TESTCHILD flood $T/nb-inh.rec 0"
	restart = never
	log = "inherit"
}
CONF
TEND_WRAP=("${NONBLOCK[@]}")
RUN=nb-conf start_tend ns -c "$T/nb.conf"
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status once inh is done" 0 "$EXIT_CODE"
expect_eq "inherit service's record with a non-blocking stdout" \
	"flags O_NONBLOCK=1;flags-end O_NONBLOCK=1;flood ok 0;" "$(tr '\n' ';' <"$T/nb-inh.rec")"
log "a non-blocking stdout stays non-blocking for the app and an inherit service"
pass
