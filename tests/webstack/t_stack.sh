#!/usr/bin/env bash
# The web-stack example (examples/web-stack) under tend, tend as PID 1 of a
# fresh PID namespace (unshare --pid --fork --mount-proc). Asserts what tend
# did, from tend's own log lines (stamped as they arrive) and from each
# daemon's own evidence (its output, its pid, its uid):
#
#   start   every service starts only once its `depends` are ready or done
#           (tend's log order): a service with a `ready` probe is ready when
#           tend logs `ready (PROBE)`, and only then running; each daemon
#           reports the pid tend started and says nothing before tend had
#           its dependencies ready; pids follow the start order
#   ready   each probe as the daemons saw it: redis said "Ready to accept
#           connections" before the app said anything, the app's first
#           request is tend's ready probe (GET /health, 200), nginx's first
#           is tend's GET /nginx-health; `tendctl status --json` has every
#           service ready, the app `healthy` after its first health check
#           (health-interval after it became ready), `tendctl check` exits 0
#   users   every process of every service runs as its configured user, in
#           its own session and process group, stdin on /dev/null
#   work    nginx -> app -> redis: the visit counter goes up by one a request
#   crash   kill -9 of the app's main process: tend logs `killed by SIGKILL`,
#           stops what it left in its process group (its workers), restarts
#           it after its backoff with a new pid; the counter goes on
#   health  `tendctl stop redis`: the app's /health answers 503 (its own log
#           says so); after health-retries failed checks, health-interval
#           apart, tend stops the app with its stop signal (gunicorn logs
#           "Handling signal: term", exits 0), counts a restart, and the app
#           waits for redis; status --json and events show the failures, the
#           state and the reason; `tendctl check` exits 1. `tendctl start
#           redis`: the app starts once redis is ready, becomes healthy again,
#           check exits 0, nginx ran throughout, the counter goes on
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

# shellcheck source=tests/webstack/lib.sh
. "$(dirname "$0")/lib.sh" # from here on, in the tree's top
webstack_test_init t_stack "the services switch users"
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
events_pid= # tendctl events, during the health check's restart

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
	[ -n "$events_pid" ] && { kill "$events_pid" 2>/dev/null; wait "$events_pid" 2>/dev/null; }
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
ere() { printf '%s' "$1" | sed 's/[][\\.*^$?+(){}|]/\\&/g'; } # a literal, as an ERE
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
# ready_of SERVICE: READY_RE, the line of tend's log that says it is ready
# (a simple service with a probe: `ready (PROBE)`, then it is running;
# without one: running once started; a oneshot: done with 0), and
# READY_WHAT, that in words.
ready_of() {
	if [ "$(cfg "$1" type)" = oneshot ]; then
		READY_WHAT="exited with 0"
		READY_RE=$(T "service $1: pid [0-9]+ exited with 0$")
	elif [ -n "$(cfg "$1" ready)" ]; then
		READY_WHAT="ready ($(cfg "$1" ready))"
		READY_RE=$(T "service $1: $(ere "$READY_WHAT")$")
	else
		READY_WHAT="running (no ready probe)"
		READY_RE=$(T "service $1: .*-> running$")
	fi
}
# ceil EXPR: the least integer >= EXPR, an arithmetic expression of numbers
# from the config (durations may be fractional)
ceil() { awk "BEGIN { x = $1; n = int(x); if (n < x) n++; print n }"; }
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
# A service with a ready probe is running only once tend says the probe
# succeeded; before, it is starting (the process runs, not ready yet).
for s in "${SIMPLE[@]}"; do
	[ -n "$(cfg "$s" ready)" ] || continue
	ready_of "$s"
	rl=$(lno "$READY_RE")
	run=$(lno "$(T "service $s: .*-> running$")")
	sl=$(lno "$(T "service $s: started as pid ")")
	check "tend's log: $s started (line $sl), then $READY_WHAT (line $rl), then starting -> running (line $run)" \
		eval 'lt "$sl" "$rl" && lt "$rl" "$run" && [ "$(text "$run")" = "tend: service $s: starting -> running" ]'
done
# Every dependency is ready (a probe: ready; no probe: running; oneshot:
# done) before the dependent leaves waiting, in tend's log.
for s in "${ORDER[@]}"; do
	cfg_list deps "$s" depends
	started=$(lno "$(T "service $s: waiting -> starting$")")
	for d in "${deps[@]}"; do
		ready_of "$d"
		ready=$(lno "$READY_RE")
		check "tend's log: $d $READY_WHAT (line $ready) before $s: waiting -> starting (line $started)" lt "$ready" "$started"
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
		ready_of "$d"
		ready=$(lno "$READY_RE")
		check "$s: says nothing (line $ol) before tend has $d $READY_WHAT (line $ready)" lt "$ready" "$ol"
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

echo "== readiness and health"
# What the daemons saw of tend's probes. redis says it accepts connections
# once it listens; the app starts only after tend's probe got in.
rr=$(lno "^redis [|] ${NSPID[redis]}:M .* Ready to accept connections")
ol=$(own_line app)
check "redis said 'Ready to accept connections' (line $rr) before the app said anything (line $ol)" lt "$rr" "$ol"
# The first request an HTTP service answers is tend's ready probe (HTTP/1.0,
# User-Agent tend/...): nothing else asks it before it is ready, and tend
# starts no dependent before.
url_path() { local u=${1#http://}; [ "$u" = "${u#*/}" ] && echo / || echo "/${u#*/}"; }
tend_probe() { echo "\"GET $(ere "$(url_path "$(cfg "$1" ready)")") HTTP/1[.]0\" 200 .*\"tend/[^\"]*\"\$"; }
first_app_req=$(awk '{ sub(/^[0-9]+ /, "") } /^app [|] .*"[A-Z]+ [^ ]* HTTP\/[0-9.]+" [0-9]+ / { print; exit }' "$LOG")
check "the app's first request is tend's ready probe, answered 200: ${first_app_req:-none}" \
	eval 'printf "%s\n" "$first_app_req" | grep -Eq "$(tend_probe app)"'
first_nginx_req() { awk '/ nginx: .*"[A-Z]+ [^ ]* HTTP\/[0-9.]+" [0-9]+ / { print; exit }' "$STATE/log/messages.log"; }
check "nginx's first request (its access log, in STATE/log/messages.log) is tend's ready probe, answered 200 by nginx itself" \
	wait_until 5 eval 'first_nginx_req | grep -Eq "$(tend_probe nginx)"'
note "$(first_nginx_req | sed 's/.* nginx: //' | cut -c1-140)"

# status --json: "ready" and "health" of each service, as "NAME ready health"
ctl() { "$TENDCTL" "${sock_args[@]}" "$@"; }
STATUS_PY='
import json, sys
for s in json.load(sys.stdin)["services"]:
    out = []
    for k in sys.argv[1:]:
        v = s.get(k)
        out.append(v if isinstance(v, str) else json.dumps(v))
    print(s["name"], *out)
'
status_of() { # status_of FIELD...: one line a service, "NAME VALUE..."
	ctl status --json 2>/dev/null | python3 -c "$STATUS_PY" "$@"
}
sfield() { status_of "$2" | awk -v s="$1" '$1 == s { print $2 }'; } # sfield SERVICE FIELD
not_ready=$(status_of ready | awk '$2 != "true" { printf " %s", $1 }')
check "tendctl status --json: every service is ready${not_ready:+ (not:$not_ready)}" \
	eval '[ -z "$not_ready" ] && [ "$(status_of ready | wc -l)" = "${#ORDER[@]}" ]'
no_check=$(for s in "${ORDER[@]}"; do [ -z "$(cfg "$s" health-check)" ] && echo "$s"; done | paste -sd' ')
check "tendctl status --json: health null for the services without a health-check ($no_check)" \
	eval '[ -z "$(status_of health | awk -v l=" $no_check " '\''index(l, " " $1 " ") && $2 != "null"'\'')" ]'
HI=$(cfg app health-interval)
HT=$(cfg app health-timeout)
HR=$(cfg app health-retries)
app_healthy() { [ "$(sfield app health)" = healthy ]; }
check "tendctl status --json: app healthy after its first check (health-check $(cfg app health-check), every $HI s)" \
	wait_until "$(ceil "$HI + $HT + 3")" app_healthy
rl=$(lno "$(T "service app: ready ")")
hl=$(lno -a "${rl:-0}" "$(T "service app: healthy$")")
gap=$(($(stamp "${hl:-1}") - $(stamp "${rl:-1}")))
check "tend's log: app healthy (line $hl) $(secs "$gap") after it was ready (line $rl): health-interval $HI s" \
	eval '[ -n "$hl" ] && awk -v d="$gap" -v i="$HI" -v t="$HT" '\''BEGIN { exit !(d >= (i - 0.5) * 1e6 && d <= (i + t + 0.5) * 1e6) }'\'''
ctl check >"$work/check.out" 2>&1
rc=$?
check "tendctl check: exit $rc with every service up$([ -s "$work/check.out" ] && printf '; %s' "$(head -c 200 "$work/check.out")")" [ "$rc" = 0 ]

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
# The dead master's workers are orphans now, holding the listening socket.
# tend sends the app's stop signal to what the dead pid left in its
# process group, so they go before the new app binds the port. (A gunicorn
# sync worker would also notice its parent gone when a request wakes it:
# GET /health straight to the app's port, which counts no visit.)
check "tend's log: app: stopping what pid ${NSPID[app]} left in its process group" \
	in_log -a "$mark" "$(T "service app: stopping what pid ${NSPID[app]} left in its process group$")"
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

echo "== health: redis stopped, the app fails its health check, tend restarts it"
# A real failure: with redis gone, the app's /health answers 503. tend stops
# only redis (`tendctl stop` leaves dependents alone); the app keeps running
# until health-retries checks in a row failed, then tend stops it through
# its stop path, counts a restart, and the app waits for redis to be ready.
# The app restarted just now (kill -9): its first check is still to come.
check "status --json: the new app is healthy (its first check, $HI s after it was ready)" \
	wait_until "$(ceil "$HI + $HT + 3")" app_healthy
restarts0=$(sfield app restarts)
starts0=$(sfield app starts)
nginx0=$(sfield nginx pid)
ctl events >"$work/events" 2>&1 &
events_pid=$!
mark=$(wc -l <"$LOG")
t_stop=$(now_us)
ctl stop redis >"$work/ctl.out" 2>&1
rc=$?
check "tendctl stop redis: exit $rc ($(paste -sd';' "$work/ctl.out")), tend's log: redis exited with 0, stopping -> stopped" \
	eval '[ "$rc" = 0 ] && in_log -a "$mark" "$(T "service redis: pid ${NSPID[redis]} exited with 0$")" &&
		in_log -a "$mark" "$(T "service redis: stopping -> stopped$")"'
# Until tend gives up on it: health_failures as status --json shows them
# while the app still runs, as "FAILURES:HEALTH".
seen=
unhealthy_line() { lno -a "$mark" "$(T "service app: unhealthy: restarting it$")"; }
watch_app() {
	local st f h
	read -r _ st f h < <(status_of state health_failures health | awk '$1 == "app"')
	[ "$st" = running ] && [ "${f:-0}" != 0 ] && [[ " $seen " != *" $f:$h "* ]] && seen+=" $f:$h"
	[ -n "$(unhealthy_line)" ]
}
wait_until "$(ceil "$HI * ($HR + 1) + $HT * $HR + 5")" watch_app
check "tend's log: app: unhealthy: restarting it ($(secs "$(($(now_us) - t_stop))") after redis stopped)" \
	[ -n "$(unhealthy_line)" ]
want_seen=$(for ((i = 1; i < HR; i++)); do printf ' %d:healthy' "$i"; done)
check "status --json while the app still ran: health_failures counted up, health still healthy:${seen:- nothing seen} (want$want_seen)" \
	[ "$seen" = "$want_seen" ]
ul=$(unhealthy_line)
prev=$mark
fails_ok=1
for ((i = 1; i <= HR; i++)); do
	fl=$(lno -a "$prev" "$(T "service app: health check failed \\($i of $HR\\): HTTP status 503$")")
	[ -n "$fl" ] && [ "$fl" -lt "${ul:-0}" ] || fails_ok=0
	[ "$i" = 1 ] && first_fl=$fl
	prev=${fl:-$prev}
done
check "tend's log: app: health check failed (1 of $HR) ... ($HR of $HR): HTTP status 503, then unhealthy" [ "$fails_ok" = 1 ]
# Its stop (at most stop-timeout), its backoff, then it waits for redis.
wait_until "$(ceil "$(cfg app stop-timeout) + $(cfg app restart-delay) + 3")" \
	in_log -a "${ul:-$mark}" "$(T "service app: backoff -> waiting$")"
show_tend_log "$((mark + 1))" | grep -E ' (app|redis): '
gap=$(($(stamp "${ul:-1}") - $(stamp "${first_fl:-1}")))
check "the $HR failed checks were health-interval ($HI s) apart: $(secs "$gap") from the first to the last" \
	awk -v d="$gap" -v i="$HI" -v t="$HT" -v r="$HR" 'BEGIN { exit !(d >= ((r - 1) * i - 0.2) * 1e6 && d <= (r - 1) * (i + t + 0.5) * 1e6) }'
# The app's own word for it: its access log has tend's checks answered 503,
# its syslog line says why.
app_503() { awk -v a="$mark" 'NR > a && /^[0-9]+ app [|] .*"GET \/health HTTP\/1[.]0" 503 .*"tend\/[^"]*"$/' "$LOG" | wc -l; }
check "the app's access log: tend's GET /health answered 503, $HR times or more (has $(app_503))" \
	wait_until 5 eval '[ "$(app_503)" -ge "$HR" ]'
check "the app logged why to rsyslog: $(grep -m1 'webapp\[[0-9]*\]: health: redis: ' "$STATE/log/messages.log" | sed 's/.*webapp/webapp/' | cut -c1-100)" \
	grep -q 'webapp\[[0-9]*\]: health: redis: ' "$STATE/log/messages.log"
# tend stopped it with its stop signal: gunicorn's master says so, exits 0.
sl=$(lno -a "${ul:-$mark}" "$(T "service app: running -> stopping$")")
gt=$(lno -a "${ul:-$mark}" "\\[${NSPID[app]}\\] \\[INFO\\] Handling signal: $(cfg app stop-signal | tr 'A-Z' 'a-z' | sed 's/^sig//')")
el=$(lno -a "${ul:-$mark}" "$(T "service app: pid ${NSPID[app]} exited with 0$")")
check "tend: app running -> stopping (line $sl); gunicorn's master ${NSPID[app]}: 'Handling signal: term' (line $gt); tend: pid ${NSPID[app]} exited with 0 (line $el)" \
	eval 'lt "$ul" "$sl" && lt "$sl" "$gt" && lt "$gt" "$el"'
bl=$(lno -a "${el:-$mark}" "$(T "service app: stopping -> backoff \\(restart in ")")
wl=$(lno -a "${bl:-$mark}" "$(T "service app: backoff -> waiting$")")
check "tend's log: app: stopping -> backoff (line $bl), backoff -> waiting (line $wl): it waits for redis" \
	eval '[ -n "$bl" ] && lt "$bl" "$wl"'
check "no SIGKILL: the app stopped within its stop-timeout" \
	eval '! in_log -a "$mark" "$(T "service app: (still running .*killing it|pid [0-9]+ killed by SIGKILL)")"'
app_waiting() { [ "$(sfield app state)" = waiting ]; }
wait_until 5 app_waiting
read -r _ st rd h hf rs why < <(status_of state ready health health_failures restarts reason | awk '$1 == "app"')
check "status --json: app $st, ready $rd, health $h, health_failures $hf, restarts $rs (was $restarts0), reason: $why" \
	eval '[ "$st" = waiting ] && [ "$rd" = false ] && [ "$h" = unhealthy ] && [ "$rs" = $((restarts0 + 1)) ]'
ctl check >"$work/check.out" 2>&1
rc=$?
check "tendctl check: exit $rc while the app waits: $(paste -sd';' "$work/check.out")" \
	eval '[ "$rc" = 1 ] && grep -q "^app: " "$work/check.out"'
check "nginx ran on: pid $(sfield nginx pid), as before ($nginx0)" [ "$(sfield nginx pid)" = "$nginx0" ]

# Back: redis starts, and once it is ready the app starts again.
mark2=$(wc -l <"$LOG")
ctl start redis >"$work/ctl.out" 2>&1
rc=$?
check "tendctl start redis: exit $rc ($(paste -sd';' "$work/ctl.out"))" [ "$rc" = 0 ]
ready_of redis
rl=$(lno -a "$mark2" "$READY_RE")
ready_of app
app_back() { in_log -a "$mark2" "$READY_RE"; }
wait_until 20 app_back
al=$(lno -a "$mark2" "$(T "service app: waiting -> starting$")")
arl=$(lno -a "$mark2" "$READY_RE")
check "tend's log: redis $(ready_of redis; echo "$READY_WHAT") (line $rl), then app: waiting -> starting (line $al), app $READY_WHAT (line $arl)" \
	eval 'lt "$rl" "$al" && lt "$al" "$arl"'
check "status --json: app healthy again" wait_until "$(ceil "$HI + $HT + 3")" app_healthy
read -r _ st rd h hf rs sts < <(status_of state ready health health_failures restarts starts | awk '$1 == "app"')
check "status --json: app $st, ready $rd, health $h, health_failures $hf, restarts $rs (one for the health check), starts $sts (was $starts0)" \
	eval '[ "$st" = running ] && [ "$rd" = true ] && [ "$hf" = 0 ] && [ "$rs" = $((restarts0 + 1)) ] && [ "$sts" = $((starts0 + 1)) ]'
ctl check >"$work/check.out" 2>&1
rc=$?
check "tendctl check: exit $rc, every service up again" [ "$rc" = 0 ]
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
events_pid=
# What a watcher of `tendctl events` saw of the app.
EVENTS_PY='
import json, sys
want = [("running", "stopping", "unhealthy: health checks failed"),
        ("stopping", "backoff", "restarting after failed health checks"),
        ("backoff", "waiting", "waiting for dependencies"),
        ("waiting", "starting", None),
        ("starting", "running", None)]
got = []
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("service") == "app":
        got.append(e)
        print("%s -> %s, reason %s, exit_code %s" % (e["from"], e["to"],
              json.dumps(e["reason"]), json.dumps(e["exit_code"])))
seq = [(e["from"], e["to"], e["reason"]) for e in got]
ok = len(seq) >= len(want) and all(
    g[0] == w[0] and g[1] == w[1] and (w[2] is None or g[2] == w[2])
    for g, w in zip(seq[-len(want):], want))
ok = ok and got[-len(want) + 1]["exit_code"] == 0
sys.exit(0 if ok else 1)
'
python3 -c "$EVENTS_PY" "$work/events" >"$work/events.app"
rc=$?
check "tendctl events: app running -> stopping (unhealthy: health checks failed), -> backoff (exit_code 0), -> waiting, -> starting, -> running" \
	[ "$rc" = 0 ]
sed 's/^/      events: /' "$work/events.app"
for s in app redis; do
	NSPID[$s]=$(logged_pid "$s")
	HPID[$s]=$(host_pid "${NSPID[$s]}")
done
v5=
next_visit5() { v5=$(curl -sf --max-time 2 "http://$NGINX_ADDR/" | sed -n 's/^visits: //p'); [ -n "$v5" ]; }
wait_until 10 next_visit5
check "the counter goes on through nginx: visits $v5 (was $v4; redis saved it when it stopped)" [ "$v5" = $((v4 + 1)) ]

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
