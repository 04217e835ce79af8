#!/usr/bin/env bash
# The web-stack example (examples/web-stack) under tend, tend as PID 1 of a
# fresh PID namespace (unshare --pid --fork --mount-proc). Asserts what tend
# did, from tend's own log lines (stamped as they arrive) and from each
# daemon's own evidence (its output, its pid, its uid):
#
#   start   every service starts only once its `depends` are ready or done
#           (tend's log order), each daemon reports the pid tend started and
#           says nothing before tend started it; pids follow the start order
#   users   every process of every service runs as its configured user, in
#           its own session and process group, stdin on /dev/null
#   work    nginx -> app -> redis: the visit counter goes up by one a request
#   crash   kill -9 of the app's main process: tend logs `killed by SIGKILL`,
#           restarts it after its backoff with a new pid; the counter goes on
#   stop    SIGTERM to tend: nginx gets SIGQUIT (from PID 1) and exits 0
#           before the app gets its stop signal; a request in flight through
#           nginx is still answered; the app stops before redis; redis saves
#           dump.rdb on its TERM; every stop is graceful (no SIGKILL), no
#           straggler; tend exits 0 within shutdown-timeout (< 9 s), nothing
#           of the namespace is left, every port is free again
#   logs    what tend did with the daemons' output (every service is piped,
#           log-format prefix): nginx's error log, gunicorn's access log of
#           the test's requests and redis' log reach tend's output as
#           `NAME | line`; `tendctl log -n 5 app` gives the app's last lines,
#           as in tend's output; no line of tend's output is torn. A second,
#           short run keeps tend's stdout and stderr apart (as `docker logs`
#           does): each daemon's lines are on the stream it wrote them to,
#           tend's own on stderr
#
# Run as root: tests/webstack/t_stack.sh   (installs the stack's packages)
#   TEND=PATH     the tend binary (default: build-release/tend, built with
#                 tendctl if missing)
#   TENDCTL=PATH  tendctl (default: the one beside TEND)
#   KEEP=1        keep the work directory (tend's stamped log, the state)
# Prints PASS:/FAIL: lines and "N passed, N failed"; exits 1 on a failure,
# 2 when it cannot run.
set -uo pipefail
export LC_ALL=C

case ${TEND:-} in
/* | '') ;;
*/*) TEND=$PWD/$TEND ;; # relative to where it was run from
esac
case ${TENDCTL:-} in
/* | '') ;;
*/*) TENDCTL=$PWD/$TENDCTL ;;
esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib/webstack.sh
. scripts/lib/webstack.sh

if [ "$(id -u)" != 0 ]; then
	echo "t_stack: must run as root (the services switch users)" >&2
	exit 2
fi
webstack_install || exit 2
if [ -z "${TEND:-}" ]; then
	TEND=$ROOT/build-release/tend
	if [ ! -x "$TEND" ] || [ ! -x "$ROOT/build-release/tendctl" ]; then
		tend_install_packages "${TEND_BUILD_PACKAGES[@]}" || exit 2
		{ [ -f build-release/build.ninja ] ||
			meson setup build-release --buildtype=release >/dev/null; } &&
			ninja -C build-release tend tendctl >/dev/null || exit 2
	fi
fi
[ -x "$TEND" ] || { echo "t_stack: no tend binary at $TEND" >&2; exit 2; }
[ -n "${TENDCTL:-}" ] || TENDCTL=$(dirname "$TEND")/tendctl
umask 022

CONF=examples/web-stack/tend.conf
work=$(mktemp -d /tmp/tend-tstack.XXXXXX) || exit 2
chmod 755 "$work" # the services' users go through it to their state
export WEBSTACK_STATE="$work/state"
export WEBSTACK_DIR="$ROOT/examples/web-stack"
STATE=$WEBSTACK_STATE
LOG=$work/log # tend's stdout and stderr, each line as "USEC line"
C=$work/conf

passed=0
failed=0
ns_pid=    # unshare
cat_pids=  # the second run's readers of tend's stdout and stderr
tend_pid=  # tend, PID 1 inside
stamp_pid= # the loop that stamps tend's output
curl_pid=

pass() { printf 'PASS: %s\n' "$*"; passed=$((passed + 1)); }
fail() { printf 'FAIL: %s\n' "$*"; failed=$((failed + 1)); }
note() { printf '      %s\n' "$*"; }
check() { # check DESCRIPTION CMD...
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}

cleanup() {
	[ -n "$curl_pid" ] && kill "$curl_pid" 2>/dev/null
	# SIGKILL to PID 1 of the namespace ends every process in it. tend is
	# unshare's child: found there if not known yet.
	[ -z "$tend_pid" ] && [ -n "$ns_pid" ] &&
		tend_pid=$(tr -d ' \n' <"/proc/$ns_pid/task/$ns_pid/children" 2>/dev/null)
	[ -n "$tend_pid" ] && [ -e "/proc/$tend_pid" ] && kill -KILL "$tend_pid" 2>/dev/null
	[ -n "$ns_pid" ] && { kill -KILL "$ns_pid" 2>/dev/null; wait "$ns_pid" 2>/dev/null; }
	for p in $cat_pids; do
		wait_until 3 gone "$p" || kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$stamp_pid" ]; then
		wait_until 3 gone "$stamp_pid" || kill "$stamp_pid" 2>/dev/null
		wait "$stamp_pid" 2>/dev/null
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
# wait_until SECONDS CMD...: polls CMD until it succeeds or time runs out.
wait_until() {
	local end=$(($(now_us) + $1 * 1000000))
	shift
	until "$@"; do
		[ "$(now_us)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
gone() { # gone PID: exited (or a zombie)
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	[ "${s%% *}" = Z ]
}
# ms USEC: "1.234 s"
secs() { printf '%d.%03d s' $(($1 / 1000000)) $((($1 % 1000000) / 1000)); }

# ------------------------------------------------------------- tend's log

# lno [-a AFTER] REGEX: number of the first line of the log (after line
# AFTER) that matches the extended REGEX; empty when none.
lno() {
	local after=0
	[ "$1" = -a ] && { after=$2; shift 2; }
	RE=$1 awk -v a="$after" 'NR > a && substr($0, index($0, " ") + 1) ~ ENVIRON["RE"] { print NR; exit }' "$LOG"
}
# stamp LINENO: when that line arrived (us since tend started).
stamp() { sed -n "${1}{s/ .*//p;q}" "$LOG"; }
# text LINENO: the line, without its stamp.
text() { sed -n "${1}{s/^[0-9]* //p;q}" "$LOG"; }
in_log() { [ -n "$(lno "$@")" ]; }
lt() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
T() { echo "^tend: $*"; } # a line of tend's own
show_tend_log() {
	local from=${1:-1}
	awk -v f="$from" 'NR >= f && $2 == "tend:"' "$LOG" |
		while read -r us rest; do printf '      %9s  %s\n' "$(secs "$us")" "$rest"; done
}

# ------------------------------------------------------------ processes

# The processes of the namespace, seen from here: tend's children, and the
# host pid of the process that tend calls NSPID.
tend_children() { cat "/proc/$tend_pid/task/"*/children 2>/dev/null; }
nspid() { awk '/^NSpid:/ { print $NF }' "/proc/$1/status" 2>/dev/null; }
host_pid() { # host_pid NSPID: among tend's children
	local c
	for c in $(tend_children); do
		[ "$(nspid "$c")" = "$1" ] && { echo "$c"; return 0; }
	done
	return 1
}
# the pid tend logged for SERVICE's last start (after line AFTER)
logged_pid() {
	local n
	n=$(RE="^tend: service $1: started as pid " awk -v a="${2:-0}" \
		'NR > a && substr($0, index($0, " ") + 1) ~ ENVIRON["RE"] { n = $NF } END { print n }' "$LOG")
	echo "$n"
}
pgroup_procs() { ps -e -o pid=,pgid= | awk -v g="$1" '$2 == g { printf "%s ", $1 }'; }
pgroup_empty() { [ -z "$(pgroup_procs "$1")" ]; }

# ------------------------------------------------------------ the config

cfg() { cat "$C/svc/$1/$2"; }
deps=()
port_free() { # port_free tcp|udp PORT
	python3 - "$1" "$2" <<'PY'
import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[2])))
except OSError:
    sys.exit(1)
PY
}
ports_busy() { # prints the busy ones
	local p busy=
	for p in "${TCP_PORTS[@]}"; do port_free tcp "$p" || busy+=" tcp/$p"; done
	port_free udp "$SYSLOG_PORT" || busy+=" udp/$SYSLOG_PORT"
	printf '%s' "$busy"
}
ports_all_free() { [ -z "$(ports_busy)" ]; }

if ! webstack_conf_dump "$CONF" "$C"; then
	fail "$CONF parses"
	echo "0 passed, 1 failed"
	exit 1
fi
mapfile -t ORDER <"$C/order"
SIMPLE=() # the services with a process that runs
for s in "${ORDER[@]}"; do
	[ "$(cfg "$s" disabled)" = true ] && continue
	[ "$(cfg "$s" type)" = oneshot ] || SIMPLE+=("$s")
done
SYSLOG_PORT=$(awk -F= '/^SYSLOG_PORT=/ { print $2 }' RS='\0' "$C/svc/rsyslog/env")
APP_ADDR=$(arg app --bind)
REDIS_PORT=$(arg redis --port)
EXPORTER_ADDR=$(arg node-exporter --web.listen-address)
NGINX_ADDR=$(sed -n 's/^ *listen  *\([0-9.:]*\);.*/\1/p' examples/web-stack/nginx.conf)
TCP_PORTS=("${NGINX_ADDR##*:}" "${APP_ADDR##*:}" "$REDIS_PORT" "${EXPORTER_ADDR##*:}")
SHUTDOWN_TIMEOUT=$(cat "$C/global/shutdown-timeout")

# Another run of the stack (the demo, check-pieces) may hold the ports: give
# it time to end.
if ! ports_all_free; then
	echo "t_stack: ports in use:$(ports_busy); waiting up to 60 s for them" >&2
	if ! wait_until 60 ports_all_free; then
		echo "t_stack: ports in use:$(ports_busy) (is the stack running already?)" >&2
		exit 2
	fi
fi

# ------------------------------------------------------------ start

sock_args=()
if "$TEND" --help 2>&1 | grep -q -- '-S'; then
	sock_args=(-S "$work/tend.sock")
fi
echo "== tend -c $CONF, as PID 1 of a new PID namespace (state in $STATE)"
mkfifo "$work/out"
T0=$(now_us)
# Every line of tend's output (its own lines, and the services' output that
# reaches it) gets the time it arrived, in us since tend's start.
STAMP_PY='
import sys, time
t0 = int(sys.argv[1]) / 1e6
for line in sys.stdin.buffer:
    t = time.time()
    sys.stdout.write("%d %s\n" % ((t - t0) * 1e6, line.rstrip(b"\n").decode("utf-8", "replace")))
    sys.stdout.flush()
'
python3 -c "$STAMP_PY" "$T0" <"$work/out" >"$LOG" &
stamp_pid=$!
unshare --pid --fork --mount-proc "$TEND" "${sock_args[@]}" -c "$CONF" \
	</dev/null >"$work/out" 2>&1 &
ns_pid=$!

tend_is_up() {
	tend_pid=$(tr -d ' \n' <"/proc/$ns_pid/task/$ns_pid/children" 2>/dev/null)
	[ -n "$tend_pid" ] && [ "$(readlink "/proc/$tend_pid/exe")" = "$(readlink -f "$TEND")" ]
}
if ! wait_until 5 tend_is_up; then
	fail "tend runs in the namespace"
	echo "$passed passed, $failed failed"
	exit 1
fi
NS=$(readlink "/proc/$tend_pid/ns/pid")
check "tend is PID 1 of its namespace (pid $tend_pid here)" [ "$(nspid "$tend_pid")" = 1 ]

http() { curl -sS --max-time 5 "$@"; }
stack_up() { [ "$(curl -s --max-time 2 "http://$NGINX_ADDR/health")" = ok ]; }
all_running() {
	local s
	for s in "${SIMPLE[@]}"; do in_log "$(T "service $s: .*-> running$")" || return 1; done
}
if ! wait_until 20 all_running || ! wait_until 20 stack_up; then
	fail "the stack comes up: /health through nginx on $NGINX_ADDR"
	show_tend_log
	tail -n 30 "$LOG"
	echo "$passed passed, $failed failed"
	exit 1
fi
pass "the stack is up: every service running, /health through nginx on $NGINX_ADDR says ok ($(secs "$(($(now_us) - T0))") after the start)"

echo "== start order"
show_tend_log
declare -A NSPID=() HPID=()
for s in "${SIMPLE[@]}"; do
	NSPID[$s]=$(logged_pid "$s")
	HPID[$s]=$(host_pid "${NSPID[$s]}")
done
# Every dependency is ready (simple: running; oneshot: done) before the
# dependent is started, in tend's log.
for s in "${ORDER[@]}"; do
	cfg_list deps "$s" depends
	started=$(lno "$(T "service $s: started as pid ")")
	for d in "${deps[@]}"; do
		if [ "$(cfg "$d" type)" = oneshot ]; then
			ready=$(lno "$(T "service $d: pid [0-9]+ exited with 0$")")
			what="exited with 0"
		else
			ready=$(lno "$(T "service $d: .*-> running$")")
			what="running"
		fi
		check "tend's log: $d $what (line $ready) before $s started (line $started)" lt "$ready" "$started"
	done
done
check "prepare did its work: its line 'state directory ... ready', STATE/redis owned by redis" \
	eval 'in_log "prepare: state directory .* ready" && [ "$(stat -c %U "$STATE/redis")" = redis ]'

# Each daemon's own evidence: the pid it reports is the one tend logged,
# and its first line comes after tend said its dependencies were ready.
own_line() { # own_line SERVICE: the daemon's first line that names its pid
	local p=${NSPID[$1]}
	case $1 in
	redis) lno "pid=$p, just started" ;;
	app) lno "\\[$p\\] \\[INFO\\] Starting gunicorn" ;;
	nginx) lno " $p#$p: " ;;
	node-exporter) lno "msg=\"Starting node_exporter\"" ;;
	esac
}
for s in redis app nginx; do
	ol=$(own_line "$s")
	check "$s: its own first line (line ${ol:-none}) names pid ${NSPID[$s]}, the pid tend logged" [ -n "$ol" ]
	cfg_list deps "$s" depends
	for d in "${deps[@]}"; do
		if [ "$(cfg "$d" type)" = oneshot ]; then
			ready=$(lno "$(T "service $d: pid [0-9]+ exited with 0$")")
		else
			ready=$(lno "$(T "service $d: .*-> running$")")
		fi
		check "$s: says nothing (line $ol) before tend has $d ready (line $ready)" lt "$ready" "$ol"
	done
done
rs_pid=$(cat "$STATE/rsyslog/rsyslogd.pid" 2>/dev/null)
check "rsyslog: its pid file says ${rs_pid:-nothing}, the pid tend logged (${NSPID[rsyslog]})" \
	[ "$rs_pid" = "${NSPID[rsyslog]}" ]
ng_pid=$(cat "$STATE/nginx/nginx.pid" 2>/dev/null)
check "nginx: its pid file says ${ng_pid:-nothing}, the pid tend logged (${NSPID[nginx]})" \
	[ "$ng_pid" = "${NSPID[nginx]}" ]
prep_pid=$(awk '/^[0-9]+ tend: service prepare: started as pid/ { print $NF; exit }' "$LOG")
check "pids in the namespace follow the start order: prepare $prep_pid < rsyslog ${NSPID[rsyslog]}, redis ${NSPID[redis]} < app ${NSPID[app]} < nginx ${NSPID[nginx]}" \
	eval '[ "$prep_pid" -lt "${NSPID[rsyslog]}" ] && [ "$prep_pid" -lt "${NSPID[redis]}" ] &&
		[ "${NSPID[redis]}" -lt "${NSPID[app]}" ] && [ "${NSPID[rsyslog]}" -lt "${NSPID[app]}" ] &&
		[ "${NSPID[app]}" -lt "${NSPID[nginx]}" ]'

echo "== the process tree"
ps -o pid,ppid,pgid,sid,user,cmd --forest -p "$tend_pid" --sid "$(for s in "${SIMPLE[@]}"; do echo "${HPID[$s]}"; done | paste -sd,)" |
	cut -c1-150 | sed 's/^/      /'

echo "== users"
# user_ok SERVICE HOSTPID: every process of its process group has the
# configured uid (real, effective, saved, fs) and the user's primary gid.
user_ok() {
	local s=$1 p=$2 u want wantg pids q bad=
	u=$(cfg "$s" user)
	want=$([ -n "$u" ] && id -u "$u" || echo 0)
	wantg=$([ -n "$u" ] && id -g "$u" || echo 0)
	pids=$(pgroup_procs "$p")
	for q in $pids; do
		awk -v u="$want" -v g="$wantg" '
			/^Uid:/ { if ($2 != u || $3 != u || $4 != u || $5 != u) bad = 1 }
			/^Gid:/ { if ($2 != g || $3 != g || $4 != g || $5 != g) bad = 1 }
			END { exit bad }' "/proc/$q/status" 2>/dev/null || bad+=" $q"
	done
	USER_NOTE="${u:-root} (uid $want gid $wantg): process group $p = {${pids% }}"
	[ -n "$pids" ] && [ -z "$bad" ]
}
for s in "${SIMPLE[@]}"; do
	p=${HPID[$s]}
	if [ -z "$p" ]; then
		fail "$s: tend's child with pid ${NSPID[$s]} (namespace) found"
		continue
	fi
	check "$s: pid ${NSPID[$s]} (here $p) runs as $(user_ok "$s" "$p"; echo "$USER_NOTE")" user_ok "$s" "$p"
	read -r sid pgid < <(ps -o sid=,pgid= -p "$p")
	check "$s: session and process group leader (sid $sid, pgid $pgid), stdin $(readlink "/proc/$p/fd/0")" \
		eval '[ "$sid" = "$p" ] && [ "$pgid" = "$p" ] && [ "$(readlink /proc/$p/fd/0)" = /dev/null ]'
done

echo "== nginx -> app -> redis"
counter() { http "http://$NGINX_ADDR/" | sed -n 's/^visits: \([0-9]*\)$/\1/p'; }
v1=$(counter)
v2=$(counter)
v3=$(counter)
check "GET / through nginx, three times: visits $v1, $v2, $v3" \
	eval '[ -n "$v1" ] && [ "$v2" = $((v1 + 1)) ] && [ "$v3" = $((v2 + 1)) ]'
check "the app logged visit $v3 to rsyslog (STATE/log/messages.log)" \
	wait_until 5 grep -q "webapp\[[0-9]*\]: visit $v3\$" "$STATE/log/messages.log"

echo "== the daemons' output, through tend"
# No service of the stack sets `log`: each one's stdout and stderr are
# pipes that tend reads, and each line reaches tend's output as
# "NAME | line" (log-format prefix). Here tend's stdout and stderr are one
# pipe, so their lines are in the order tend wrote them; the second run at
# the end keeps the two apart.
# The regexes are awk's (ERE); [|], [?] and [.] are the characters.
probe=logs-$$-$RANDOM
http "http://$NGINX_ADDR/health?probe=$probe" >/dev/null
line_or_none() { if [ -n "$1" ]; then text "$1"; else echo "no such line"; fi; }
np=${NSPID[nginx]}
ol=$(lno "^nginx [|] .* [[]notice[]] $np#$np: start worker processes$")
check "nginx's error log (-e stderr, notice) is in tend's output: $(line_or_none "$ol")" [ -n "$ol" ]
ol=$(lno "^redis [|] ${NSPID[redis]}:M .* Ready to accept connections")
check "redis' log is in tend's output: $(line_or_none "$ol")" [ -n "$ol" ]
access() { echo "^app [|] .*\"GET $1 HTTP/1[.][01]\" 200 "; }
check "gunicorn's access log (--access-logfile -) of the test's GET /health?probe=$probe through nginx is in tend's output as 'app | ...'" \
	wait_until 5 in_log "$(access "/health[?]probe=$probe")"
note "$(line_or_none "$(lno "$(access "/health[?]probe=$probe")")")"
visits() { awk -v re="$(access "/")" '{ sub(/^[0-9]+ /, "") } $0 ~ re' "$LOG" | wc -l; }
check "gunicorn's access log: one 'app | ... \"GET / HTTP/1.1\" 200' line for each of the test's 3 visits (has $(visits))" \
	wait_until 5 eval '[ "$(visits)" = 3 ]'
# The app's last lines in tend's output (both streams: one pipe here), as
# the app wrote them, and what tendctl log says. A line that arrives in
# between makes them differ for a moment: compared until they agree.
app_tail() { awk '{ sub(/^[0-9]+ /, "") } sub(/^app [|] /, "")' "$LOG" | tail -n 5; }
ctl_tail=
same_tail() {
	ctl_tail=$("$TENDCTL" "${sock_args[@]}" log -n 5 app 2>&1) &&
		[ -n "$ctl_tail" ] && [ "$ctl_tail" = "$(app_tail)" ]
}
check "tendctl log -n 5 app: the app's last 5 lines, the same text as in tend's output" \
	wait_until 5 same_tail
printf '%s\n' "$ctl_tail" | cut -c1-150 | sed 's/^/      tendctl: /'

echo "== kill -9 of the app's main process"
app_old=
for c in $(tend_children); do
	grep -qs gunicorn "/proc/$c/cmdline" && app_old=$c
done
check "the app's main process: tend's child running gunicorn, pid $app_old here, ${NSPID[app]} in tend's log" \
	eval '[ -n "$app_old" ] && [ "$(nspid "$app_old")" = "${NSPID[app]}" ]'
mark=$(wc -l <"$LOG")
kill -KILL "$app_old"
killed() { lno -a "$mark" "$(T "service app: pid ${NSPID[app]} killed by SIGKILL$")"; }
restarted() {
	local k
	k=$(killed)
	[ -n "$k" ] && in_log -a "$k" "$(T "service app: started as pid ")"
}
check "tend's log: app: pid ${NSPID[app]} killed by SIGKILL" wait_until 5 eval '[ -n "$(killed)" ]'
check "tend's log: app started again" wait_until 10 restarted
kl=$(killed)
sl=$(lno -a "${kl:-$mark}" "$(T "service app: started as pid ")")
new_ns=$(logged_pid app "${kl:-$mark}")
delay=$(($(stamp "${sl:-1}") - $(stamp "${kl:-1}")))
check "app: new pid $new_ns (was ${NSPID[app]}), restarted $(secs "$delay") after the kill (restart-delay 0.5 s)" \
	eval '[ -n "$new_ns" ] && [ "$new_ns" != "${NSPID[app]}" ] && [ "$delay" -ge 400000 ] && [ "$delay" -le 2000000 ]'
show_tend_log "$((mark + 1))" | grep ' app: '
# The dead master's workers are orphans now: tend leaves them running
# (docs/decisions.md, "its helpers stay") and they keep the listening
# socket. A gunicorn sync worker notices its parent is gone when a request
# wakes it, or after timeout/2 (15 s) idle: traffic, here GET /health (it
# does not count a visit) straight to the app's port, makes them go, as a
# real stack's traffic would. Without it the new app cannot bind its port
# until they are gone: it retries, exits 1, and tend restarts it again.
orphans_gone() {
	pgroup_empty "$app_old" && return 0
	curl -s --max-time 1 "http://$APP_ADDR/health" >/dev/null
	return 1
}
check "the old app's workers are gone (process group $app_old empty)" wait_until 10 orphans_gone
app_new=
find_new_app() {
	local c
	for c in $(tend_children); do
		[ "$c" != "$app_old" ] && grep -qs gunicorn "/proc/$c/cmdline" && app_new=$c && return 0
	done
	return 1
}
check "the new app is tend's child (pid $new_ns inside), listening" \
	wait_until 10 eval 'find_new_app && [ "$(nspid "$app_new")" = "$new_ns" ] &&
		in_log "\\[$new_ns\\] \\[INFO\\] Listening at: "'
check "the new app runs as $(cfg app user) too" user_ok app "$app_new"
check "app: started once after the kill (no failed start)" \
	[ "$(awk -v k="${kl:-0}" 'NR > k && / tend: service app: started as pid /' "$LOG" | wc -l)" = 1 ]
HPID[app]=$app_new
NSPID[app]=$new_ns
v4=
next_visit() { v4=$(curl -sf --max-time 2 "http://$NGINX_ADDR/" | sed -n 's/^visits: //p'); [ -n "$v4" ]; }
wait_until 10 next_visit
check "the counter goes on through nginx: visits $v4 (was $v3)" [ "$v4" = $((v3 + 1)) ]

echo "== SIGTERM to tend"
# A request in flight through nginx at the stop: nginx's QUIT lets it finish,
# which needs the app still running: tend stops the app after nginx only.
marks=$(grep -c 'slow request' "$STATE/log/messages.log")
slow_arrived() { [ "$(grep -c 'slow request' "$STATE/log/messages.log")" -gt "$marks" ]; }
curl -sS --max-time 10 "http://$NGINX_ADDR/slow?seconds=0.5" >"$work/slow.out" 2>&1 &
curl_pid=$!
wait_until 5 slow_arrived || note "the slow request did not reach the app in 5 s"
for s in "${SIMPLE[@]}"; do NSPID[$s]=$(logged_pid "$s"); done
# Every process of the namespace now, as pid:starttime (a pid may be reused).
starttime() { local st; st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; st=${st##*) }; set -- $st; echo "${20}"; }
in_ns=()
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$NS" ] || continue
	st=$(starttime "${p#/proc/}") && in_ns+=("${p#/proc/}:$st")
done
mark=$(wc -l <"$LOG")
t_term=$(now_us)
kill -TERM "$tend_pid"
wait_until $((SHUTDOWN_TIMEOUT + 5)) gone "$ns_pid"
t_exit=$(now_us)
wait "$ns_pid"
rc=$?
ns_pid=
took=$((t_exit - t_term))
wait "$curl_pid"
curl_pid=
wait_until 5 gone "$stamp_pid"
wait "$stamp_pid" 2>/dev/null
stamp_pid=
show_tend_log "$((mark + 1))"

check "tend exited with 0 (got $rc)" [ "$rc" = 0 ]
check "tend exited $(secs "$took") after SIGTERM (< 9 s; shutdown-timeout $SHUTDOWN_TIMEOUT s)" [ "$took" -lt 9000000 ]
check "tend's last line: exiting with 0" in_log -a "$mark" "$(T "exiting with 0; ")"
stopping() { lno -a "$mark" "$(T "service $1: running -> stopping$")"; }
ended() { lno -a "$mark" "$(T "service $1: pid ${NSPID[$1]} (exited with|killed by) ")"; }
for s in "${ORDER[@]}"; do
	cfg_list deps "$s" depends
	[ "$(cfg "$s" type)" = oneshot ] && continue
	for d in "${deps[@]}"; do
		[ "$(cfg "$d" type)" = oneshot ] && continue
		check "stop order: $s ended (line $(ended "$s")) before $d got its stop signal (line $(stopping "$d"))" \
			lt "$(ended "$s")" "$(stopping "$d")"
	done
done
ng=$(ended nginx)
check "nginx exited with 0 (graceful) per tend's log: $(text "${ng:-1}")" \
	in_log -a "$mark" "$(T "service nginx: pid ${NSPID[nginx]} exited with 0$")"
q=$(lno -a "$mark" " ${NSPID[nginx]}#${NSPID[nginx]}: signal 3 \\(SIGQUIT\\) received from 1,")
check "nginx's master says it got SIGQUIT from PID 1 (tend) (line $q), before it exited (line $ng)" lt "$q" "$ng"
gt=$(lno -a "$mark" "\\[${NSPID[app]}\\] \\[INFO\\] Handling signal: term")
check "the app's master got TERM (line $gt) after nginx had exited (line $ng)" lt "$ng" "$gt"
ap=$(ended app)
rt=$(lno -a "$mark" "Received SIGTERM scheduling shutdown")
check "redis got TERM (line $rt) after the app had exited (line $ap)" lt "$ap" "$rt"
check "the request in flight at the TERM was answered through nginx: '$(cat "$work/slow.out")'" \
	grep -q '^done after 0.5 s$' "$work/slow.out"
for s in "${SIMPLE[@]}"; do
	e=$(ended "$s")
	sig=$(cfg "$s" stop-signal)
	sig=${sig#SIG}
	st=$(stopping "$s")
	check "$s: stopped with SIG$sig, $(text "${e:-1}" | sed 's/^tend: service [^:]*: //') $(
		[ -n "$st" ] && [ -n "$e" ] && secs "$(($(stamp "$e") - $(stamp "$st")))") after it" \
		eval '[ -n "$e" ] && text "$e" | grep -Eq "(exited with 0|killed by SIG$sig)\$"'
done
check "no SIGKILL from tend at the shutdown (every stop was within its stop-timeout)" \
	eval '! in_log -a "$mark" "$(T "service .*: pid [0-9]+ killed by SIGKILL")"'
check "no straggler: every process ended with its service" \
	eval '! in_log -a "$mark" "$(T "services stopped; sending TERM to the remaining processes")"'
rd=$(lno -a "$rt" "DB saved on disk")
check "redis saved its data on TERM: 'DB saved on disk' (line $rd), STATE/redis/dump.rdb holds visits" \
	eval '[ -n "$rd" ] && [ -s "$STATE/redis/dump.rdb" ] && grep -aq visits "$STATE/redis/dump.rdb" &&
		[ "$(stat -c %Y "$STATE/redis/dump.rdb")" -ge "$((t_term / 1000000))" ]'

left=
for s in "${SIMPLE[@]}"; do [ -e "/proc/${HPID[$s]}" ] && left+=" $s:${HPID[$s]}"; done
check "every service process is gone${left:+ (left:$left)}" [ -z "$left" ]
left=
for ps in "${in_ns[@]}"; do
	[ "$(starttime "${ps%%:*}")" = "${ps#*:}" ] && left+=" ${ps%%:*}"
done
check "nothing is left of the ${#in_ns[@]} processes the namespace had at the TERM${left:+ (left:$left)}" \
	eval '[ "${#in_ns[@]}" -gt 5 ] && [ -z "$left" ]'
check "every port is free again" wait_until 5 ports_all_free

# Every line is a service's, prefixed, or tend's own: a line torn apart or
# two run together would start otherwise. (No service of the stack logs
# "inherit", whose lines would reach tend's output unprefixed.)
torn() { # torn FILE [STAMPED]: the lines that are neither
	awk -v st="${2:-0}" 'st { sub(/^[0-9]+ /, "") }
		!/^[a-z0-9_.-]+ [|+] / && !/^tend: / { print; if (++n == 3) exit }' "$1"
}
bad=$(torn "$LOG" 1)
check "every line of tend's output ($(wc -l <"$LOG") lines) is 'NAME | line' or 'tend: ...'${bad:+; not: $bad}" \
	[ -z "$bad" ]

echo "== a second run: tend's stdout and stderr apart"
# As `docker logs` keeps them: each daemon's lines on the stream it wrote
# them to, tend's own on stderr. Only what the first run could not see.
OUT=$work/stdout
ERR=$work/stderr
mkfifo "$work/out.1" "$work/out.2"
cat <"$work/out.1" >"$OUT" &
cat_pids=$!
cat <"$work/out.2" >"$ERR" &
cat_pids+=" $!"
unshare --pid --fork --mount-proc "$TEND" "${sock_args[@]}" -c "$CONF" \
	</dev/null >"$work/out.1" 2>"$work/out.2" &
ns_pid=$!
tend_pid=
all_running2() {
	local s
	for s in "${SIMPLE[@]}"; do grep -Eq "^tend: service $s: .*-> running$" "$ERR" || return 1; done
}
probe=logs-$$-$RANDOM
if wait_until 5 tend_is_up && wait_until 20 all_running2 && wait_until 20 stack_up; then
	http "http://$NGINX_ADDR/health?probe=$probe" >/dev/null
	wait_until 5 grep -Eq "$(access "/health[?]probe=$probe")" "$OUT"
else
	fail "the second run: the stack comes up"
fi
[ -n "$tend_pid" ] && kill -TERM "$tend_pid"
if ! wait_until $((SHUTDOWN_TIMEOUT + 5)) gone "$ns_pid"; then
	tend_is_up && kill -KILL "$tend_pid" # the namespace ends with its PID 1
	kill -KILL "$ns_pid"
fi
wait "$ns_pid"
rc=$?
ns_pid=
for p in $cat_pids; do
	wait_until 3 gone "$p" || kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
cat_pids=
check "the second run: tend exited with 0 (got $rc), its last line on stderr: $(tail -n 1 "$ERR")" \
	eval '[ "$rc" = 0 ] && tail -n 1 "$ERR" | grep -q "^tend: exiting with 0; "'
bad=$(torn "$OUT")
check "tend's stdout: $(wc -l <"$OUT") lines, each 'NAME | line' (none of tend's own, none torn)${bad:+; not: $bad}" \
	eval '[ -s "$OUT" ] && [ -z "$bad" ]'
bad=$(torn "$ERR")
check "tend's stderr: $(wc -l <"$ERR") lines, each 'NAME | line' or 'tend: ...'${bad:+; not: $bad}" \
	eval '[ -s "$ERR" ] && [ -z "$bad" ]'
on() { grep -Eq "$2" "$1"; } # on FILE ERE
check "nginx's error log is on tend's stderr ('nginx | ... [notice] ... start worker processes'), nothing of nginx on its stdout" \
	eval 'on "$ERR" "^nginx [|] .* [[]notice[]] [0-9]+#[0-9]+: start worker processes$" && ! on "$OUT" "^nginx "'
check "gunicorn's access log is on tend's stdout ('app | ... \"GET /health?probe=$probe ...\" 200'), its error log on stderr ('app | ... [INFO] Listening at: ')" \
	eval 'on "$OUT" "$(access "/health[?]probe=$probe")" && ! on "$ERR" "^app [|] .*\"GET " &&
		on "$ERR" "^app [|] .* [[]INFO[]] Listening at: " && ! on "$OUT" "^app [|] .* [[]INFO[]] "'
check "redis' log is on tend's stdout ('redis | ... Ready to accept connections'), nothing of redis on its stderr" \
	eval 'on "$OUT" "^redis [|] .* Ready to accept connections" && ! on "$ERR" "^redis "'
check "every port is free again after the second run" wait_until 5 ports_all_free

if [ "$failed" != 0 ]; then
	echo "== tend's output (stamped, us since its start)"
	grep -v 'collector=' "$LOG" | tail -n 80
	for f in "$OUT" "$ERR"; do
		[ -s "$f" ] || continue
		echo "== the second run: ${f##*/}"
		grep -v 'collector=' "$f" | tail -n 30
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
