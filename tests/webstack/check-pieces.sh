#!/usr/bin/env bash
# Proves each piece of examples/web-stack works on its own, started the way
# tend will start it, before tend's config mode runs the whole stack.
#
# The command lines, users, env and stop signals are read from
# examples/web-stack/tend.conf (scripts/lib/webstack.sh parses it like
# libconfuse and splits commands with python's shlex: no eval, no shell).
# Each service is started in dependency order in its own session, with
# default signal dispositions, stdin on /dev/null, stdout and stderr on pipes
# that root created (as tend's are), as the user the config names; each one
# is checked at work, and so are its `ready` and `health-check` probes (each
# asks the service's own port, and succeeds done as tend does it); then
# each is stopped in reverse order with its stop-signal sent to its process
# group, and must exit within its stop-timeout with nothing of its group
# left. Nothing stays running.
#
# Run as root from anywhere: tests/webstack/check-pieces.sh [-v]
#   -v            print every service's output at the end
#   KEEP=1        keep the work directory (state, logs) for a look
#   TEND=PATH     also have that tend binary validate the file (--check)
# Prints "N passed, N failed"; exits 1 on any failure, 2 when it cannot run.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib/webstack.sh
. scripts/lib/webstack.sh

verbose=0
[ "${1:-}" = -v ] && verbose=1

if [ "$(id -u)" != 0 ]; then
	echo "check-pieces: must run as root (the services switch users)" >&2
	exit 2
fi
webstack_install || exit 2
umask 022

CONF=examples/web-stack/tend.conf
work=$(mktemp -d /tmp/tend-webstack.XXXXXX) || exit 2
chmod 755 "$work" # the services' users go through it to their state
export WEBSTACK_STATE="$work/state"
unset WEBSTACK_DIR # the default, examples/web-stack, from the tree's top
C="$work/conf"
STATE=$WEBSTACK_STATE

declare -A PID=()   # service -> pid (= its pgid and sid) while it may run
started=()          # in start order
relays=()           # pids of the output relays (sed)
passed=0
failed=0

ok() { printf 'ok   %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }
note() { printf '     %s\n' "$*"; }
check() { # check DESCRIPTION CMD...: ok when CMD succeeds
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

# Everything started here is killed, by process group, whatever happens.
cleanup() {
	local s p
	for s in "${!PID[@]}"; do
		p=${PID[$s]}
		if [ -e "/proc/$p" ]; then
			kill -KILL -- "-$p" 2>/dev/null # the service's group
			kill -KILL "$p" 2>/dev/null     # in case it has none yet
			wait "$p" 2>/dev/null
		fi
	done
	# The relays end when the last writer of their pipe is gone.
	wait_until 3 relays_done || kill "${relays[@]}" 2>/dev/null
	wait 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept: $work"
	else
		rm -rf "$work"
	fi
}
relays_done() {
	local r
	for r in "${relays[@]}"; do [ ! -e "/proc/$r" ] || gone "$r" || return 1; done
}
trap cleanup EXIT
on_signal() { exit 130; }
trap on_signal INT TERM

# Time in microseconds; us SECONDS converts a (fractional) duration.
now_us() { echo "${EPOCHREALTIME/./}"; }
us() {
	local i=${1%%.*} f=
	[[ $1 == *.* ]] && f=${1#*.}
	f=${f}000000
	echo $((${i:-0} * 1000000 + 10#${f:0:6}))
}
ms_since() { echo $((($(now_us) - $1) / 1000)); }

# wait_until SECONDS CMD...: polls CMD until it succeeds or time runs out.
wait_until() {
	local end=$(($(now_us) + $(us "$1")))
	shift
	until "$@"; do
		[ "$(now_us)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# Config values (see webstack_conf_dump).
cfg() { cat "$C/svc/$1/$2"; }
envval() { # envval SERVICE KEY
	local -a e
	local kv
	cfg_list e "$1" env
	for kv in "${e[@]}"; do
		[ "${kv%%=*}" = "$2" ] && printf '%s\n' "${kv#*=}" && return 0
	done
	return 1
}
# signame SIG: TERM for TERM, SIGTERM or 15; signum SIG: 15 for those.
signame() { if [[ $1 == [0-9]* ]]; then kill -l "$1"; else echo "${1#SIG}"; fi; }
signum() { kill -l "$(signame "$1")"; }

# pgroup_left: pids in process group $PGID_WANTED; group_uids PGID: the
# distinct real uids in it.
pgroup_left() { ps -e -o pid=,pgid= | awk -v g="$PGID_WANTED" '$2 == g { printf "%s ", $1 }'; }
group_uids() { ps -e -o pgid=,ruid= | awk -v g="$1" '$1 == g { print $2 }' | sort -u | paste -sd' '; }
pgroup_empty() { PGID_WANTED=$1; [ -z "$(pgroup_left)" ]; }
gone() { # gone PID: exited (reaped by bash, or a zombie)
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	[ "${s%% *}" = Z ]
}

# start SERVICE: starts it as tend would, its output to $work/SERVICE.log.
start() {
	local s=$1 log="$work/$1.log"
	local out err
	# The relays are this shell's children, not the service's: they are
	# made first, and the launcher closes every fd beyond 0-2.
	exec {out}> >(sed -u "s/^/$s | /" >>"$log")
	relays+=($!)
	exec {err}> >(sed -u "s/^/$s | /" >>"$log")
	relays+=($!)
	# shellcheck disable=SC2261 # two fds, two pipes: not competing
	webstack_exec "$(cfg "$s" user)" "$(cfg "$s" group)" "$(cfg "$s" umask)" \
		"$(cfg "$s" workdir)" "$C/svc/$s/env" "$C/svc/$s/command" \
		</dev/null >&"$out" 2>&"$err" &
	PID[$s]=$!
	exec {out}>&- {err}>&-
	started+=("$s")
	note "$s: pid ${PID[$s]}: $(tr '\0' ' ' <"$C/svc/$s/command")"
	if ! wait_until 5 exec_done "${PID[$s]}" "$C/svc/$s/command"; then
		bad "$s: not started 5 s after the fork"
		show_log "$s" 30
		exit 1
	fi
}

# exec_done PID ARGVFILE: PID is the service now, no more this shell's fork
# (bash) nor the launcher (whose command line names ARGVFILE). Services
# are not bash scripts here.
BASH_EXE=$(readlink /proc/$$/exe)
exec_done() {
	[ -e "/proc/$1" ] || return 0 # done already (a quick oneshot)
	[ "$(readlink "/proc/$1/exe" 2>/dev/null)" != "$BASH_EXE" ] &&
		! grep -qsF "$2" "/proc/$1/cmdline"
}

show_log() { sed 's/^/     | /' "$work/$1.log" | tail -n "${2:-15}"; }

# running_as SERVICE: the pid is a session leader, alive, of the config's user.
running_as() {
	local s=$1 p=${PID[$1]} want uid st
	want=$(cfg "$s" user)
	want=$([ -n "$want" ] && id -u "$want" || echo 0)
	st=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
	st=${st##*) }
	# shellcheck disable=SC2086 # the fields of /proc/PID/stat
	set -- $st
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$p/status")
	[ "$1" != Z ] && [ "$3" = "$p" ] && [ "$4" = "$p" ] && [ "$uid" = "$want" ]
}

# stop SERVICE [EXPECT]: stop-signal to its process group; it must exit
# within stop-timeout with EXPECT (default: 0, or death by the stop signal)
# and leave nothing in its process group.
stop() {
	local s=$1 expect=${2:-} p=${PID[$1]} sig t0 ms rc n
	sig=$(signame "$(cfg "$s" stop-signal)")
	t0=$(now_us)
	kill -s "$sig" -- "-$p"
	if ! wait_until "$(cfg "$s" stop-timeout)" gone "$p"; then
		bad "$s: still running $(cfg "$s" stop-timeout) s after SIG$sig"
		kill -KILL -- "-$p"
	fi
	wait "$p"
	rc=$?
	ms=$(ms_since "$t0")
	unset "PID[$s]"
	n=$(signum "$sig")
	if [ -n "$expect" ]; then
		check "$s: SIG$sig -> exit $rc in $ms ms (want $expect)" \
			[ "$rc" = "$expect" ]
	elif [ "$rc" = 0 ]; then
		ok "$s: SIG$sig -> exit 0 in $ms ms"
	elif [ "$rc" = $((128 + n)) ]; then
		ok "$s: SIG$sig -> ended by SIG$sig itself (status $rc) in $ms ms: it has no handler for it"
	else
		bad "$s: SIG$sig -> exit $rc"
		show_log "$s"
	fi
	check "$s: nothing left in its process group" wait_until 2 pgroup_empty "$p"
}

http() { curl -sS --max-time 5 "$@"; }
in_log() { grep -q -- "$2" "$1" 2>/dev/null; }
syslog_roundtrip() {
	logger --udp --server 127.0.0.1 --port "$SYSLOG_PORT" -t check-pieces "$1" &&
		in_log "$STATE/log/messages.log" "$1"
}
# probe_addr PROBE: the HOST:PORT a tcp: or http:// probe asks.
probe_addr() {
	local p=${1#tcp:}
	p=${p#http://}
	p=${p%%/*}
	[[ $p == *:* ]] || p=127.0.0.1:$p
	printf '%s\n' "$p"
}
# probe_ok PROBE: the probe succeeds, done as tend does it (tend.conf(5),
# READINESS AND HEALTH): tcp: a connection is accepted; http:// GET over
# HTTP/1.0 is answered 2xx or 3xx.
probe_ok() {
	local hp code
	case $1 in
	tcp:*)
		hp=$(probe_addr "$1")
		(exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}") 2>/dev/null
		;;
	http://*)
		code=$(curl -s --http1.0 --max-time 5 -o /dev/null -w '%{http_code}' "$1")
		[[ $code == [23]?? ]]
		;;
	*) return 1 ;;
	esac
}
# probes_ok SERVICE: its ready and health-check probes succeed now.
probes_ok() {
	local k p
	for k in ready health-check; do
		p=$(cfg "$1" "$k")
		[ -n "$p" ] || continue
		check "$1: its $k probe $p succeeds" wait_until 5 probe_ok "$p"
	done
}
port_free() { # port_free tcp|udp PORT
	python3 - "$1" "$2" <<'PY'
import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no use
try:
    s.bind(("127.0.0.1", int(sys.argv[2])))
except OSError:
    sys.exit(1)
PY
}

echo "== the config: $CONF"
if ! webstack_conf_dump "$CONF" "$C"; then
	bad "$CONF parses"
	echo "0 passed, 1 failed"
	exit 1
fi
ok "$CONF parses (SPEC §2 keys only); start order: $(paste -sd' ' "$C/order")"
if [ -n "${TEND:-}" ]; then
	"$TEND" --check -c "$CONF" >"$work/tend-check.out" 2>&1
	rc=$?
	check "$TEND --check -c $CONF: exit $rc" [ "$rc" = 0 ]
	sed 's/^/     | /' "$work/tend-check.out"
else
	note "TEND not set: tend's own --check not run"
fi
worst=$(cat "$C/worst-case")
limit=$(cat "$C/global/shutdown-timeout")
check "worst-case shutdown ${worst} s fits shutdown-timeout ${limit} s" \
	python3 -c "import sys; sys.exit(not float('$worst') <= float('$limit'))"

SYSLOG_PORT=$(envval rsyslog SYSLOG_PORT)
REDIS_PORT=$(arg redis --port)
APP_ADDR=$(arg app --bind)
EXPORTER_ADDR=$(arg node-exporter --web.listen-address)
NGINX_ADDR=$(sed -n 's/^ *listen  *\([0-9.:]*\);.*/\1/p' examples/web-stack/nginx.conf)
note "ports: nginx $NGINX_ADDR, app $APP_ADDR, redis $REDIS_PORT, node exporter $EXPORTER_ADDR, syslog udp $SYSLOG_PORT"
check "nginx.conf proxies to the app's --bind ($APP_ADDR)" \
	grep -Eq "^ *server +$APP_ADDR;" examples/web-stack/nginx.conf
check "nginx.conf logs to the syslog port ($SYSLOG_PORT)" \
	grep -q "syslog:server=127.0.0.1:$SYSLOG_PORT," examples/web-stack/nginx.conf
check "app's REDIS_URL names redis's --port ($REDIS_PORT)" \
	[ "$(envval app REDIS_URL)" = "redis://127.0.0.1:$REDIS_PORT/0" ]
check "app's SYSLOG_ADDR names the syslog port" \
	[ "$(envval app SYSLOG_ADDR)" = "127.0.0.1:$SYSLOG_PORT" ]
# Each probe tend runs asks the service's own port.
check "redis's ready probe ($(cfg redis ready)) names its --port ($REDIS_PORT)" \
	[ "$(probe_addr "$(cfg redis ready)")" = "127.0.0.1:$REDIS_PORT" ]
check "app's ready and health-check probes ($(cfg app ready)) name its --bind ($APP_ADDR)" \
	eval '[ "$(probe_addr "$(cfg app ready)")" = "$APP_ADDR" ] &&
		[ "$(probe_addr "$(cfg app health-check)")" = "$APP_ADDR" ]'
check "nginx's ready probe ($(cfg nginx ready)) names its listen ($NGINX_ADDR)" \
	[ "$(probe_addr "$(cfg nginx ready)")" = "$NGINX_ADDR" ]
NGINX_PROBE_PATH=/$(cfg nginx ready | cut -d/ -f4-)
check "nginx.conf answers nginx's ready probe path ($NGINX_PROBE_PATH) itself: location = $NGINX_PROBE_PATH, return 200" \
	awk -v loc="location = $NGINX_PROBE_PATH {" 'index($0, loc) { on = 1 }
		on && /return 200/ { found = 1 } on && /}/ { on = 0 } END { exit !found }' examples/web-stack/nginx.conf
check "node-exporter's ready probe ($(cfg node-exporter ready)) names its --web.listen-address ($EXPORTER_ADDR)" \
	[ "$(probe_addr "$(cfg node-exporter ready)")" = "$EXPORTER_ADDR" ]
busy=
for p in "${NGINX_ADDR##*:}" "${APP_ADDR##*:}" "$REDIS_PORT" "${EXPORTER_ADDR##*:}"; do
	port_free tcp "$p" || busy+=" tcp/$p"
done
port_free udp "$SYSLOG_PORT" || busy+=" udp/$SYSLOG_PORT"
if [ -n "$busy" ]; then
	echo "check-pieces: ports in use:$busy (is the stack running already?)" >&2
	exit 2
fi

echo "== start, in dependency order, as tend will"
fail_start() { bad "$1"; show_log "$2" 30; exit 1; }
while read -r s; do
	[ "$(cfg "$s" disabled)" = true ] && continue
	start "$s"
	if [ "$(cfg "$s" type)" = oneshot ]; then
		wait_until 10 gone "${PID[$s]}" || fail_start "$s: oneshot still running after 10 s" "$s"
		wait "${PID[$s]}"
		rc=$?
		unset "PID[$s]"
		[ "$rc" = 0 ] || fail_start "$s: oneshot exited $rc" "$s"
		ok "$s: oneshot done with exit 0"
		continue
	fi
	running_as "$s" ||
		fail_start "$s: not running, or not as '$(cfg "$s" user)' in its own session" "$s"
	u=$(cfg "$s" user)
	ok "$s: running as ${u:-root (no user set)}, uid $(awk '/^Uid:/ {print $2}' "/proc/${PID[$s]}/status"), in its own session and process group"
	case $s in
	prepare) ;;
	rsyslog)
		msg="check-pieces hello $$-$RANDOM"
		# (sent again on each try: rsyslog may not have bound its port yet)
		if ! wait_until 5 syslog_roundtrip "$msg"; then
			fail_start "rsyslog: '$msg' sent to udp/$SYSLOG_PORT is not in STATE/log/messages.log" rsyslog
		fi
		ok "rsyslog: a line sent with logger to udp 127.0.0.1:$SYSLOG_PORT is in STATE/log/messages.log"
		;;
	redis)
		wait_until 5 sh -c "[ \"\$(redis-cli -p $REDIS_PORT ping 2>/dev/null)\" = PONG ]" ||
			fail_start "redis: no PONG on port $REDIS_PORT" redis
		ok "redis: PING -> PONG on 127.0.0.1:$REDIS_PORT"
		redis-cli -p "$REDIS_PORT" set visits 41 >/dev/null
		;;
	app)
		wait_until 10 sh -c "[ \"\$(curl -s http://$APP_ADDR/health)\" = ok ]" ||
			fail_start "app: /health on $APP_ADDR does not say ok" app
		ok "app: gunicorn answers /health on $APP_ADDR: ok (redis reachable)"
		body=$(http "http://$APP_ADDR/")
		check "app: GET / on $APP_ADDR -> '$body' (redis held 41)" [ "$body" = "visits: 42" ]
		;;
	nginx)
		wait_until 5 sh -c "curl -sf http://$NGINX_ADDR/health >/dev/null" ||
			fail_start "nginx: no answer on $NGINX_ADDR" nginx
		ok "nginx: /health through nginx on $NGINX_ADDR: $(http "http://$NGINX_ADDR/health")"
		a=$(http "http://$NGINX_ADDR/")
		b=$(http "http://$NGINX_ADDR/")
		check "nginx -> app -> redis: the counter goes up by one: '$a' then '$b'" \
			[ "${b#visits: }" = $((${a#visits: } + 1)) ]
		n=${b#visits: }
		check "rsyslog got the app's line for visit $n" \
			wait_until 5 in_log "$STATE/log/messages.log" "webapp\[[0-9]*\]: visit $n\$"
		check "rsyslog got nginx's access log lines" \
			wait_until 5 in_log "$STATE/log/messages.log" ' nginx: .*"GET / HTTP/1.1" 200'
		check "nginx: master and workers all run as $(cfg nginx user)" \
			[ "$(group_uids "${PID[nginx]}")" = "$(id -u "$(cfg nginx user)")" ]
		;;
	node-exporter)
		wait_until 5 sh -c "curl -sf http://$EXPORTER_ADDR/metrics >/dev/null" ||
			fail_start "node-exporter: no answer on $EXPORTER_ADDR" node-exporter
		http "http://$EXPORTER_ADDR/metrics" >"$work/metrics"
		n=$(grep -c '^node_' "$work/metrics")
		check "node-exporter: /metrics on $EXPORTER_ADDR has $n node_ samples" [ "$n" -gt 100 ]
		failing=$(sed -n 's/^node_scrape_collector_success{collector="\(.*\)"} 0$/\1/p' "$work/metrics" | paste -sd' ')
		note "collectors with nothing to report here: ${failing:-none}"
		check "node-exporter: no collector logs an error on a scrape" \
			sh -c "! grep -q 'collector failed' '$work/node-exporter.log'"
		;;
	esac
	probes_ok "$s"
	if [ "$s" = nginx ]; then
		check "nginx: its ready probe is answered by nginx, not the app (no $NGINX_PROBE_PATH in the app's access log)" \
			sh -c "! grep -qF 'GET $NGINX_PROBE_PATH ' '$work/app.log'"
	fi
done <"$C/order"

echo "== stop, in reverse order, each with its stop-signal to its process group"
for ((i = ${#started[@]} - 1; i >= 0; i--)); do
	s=${started[i]}
	[ -n "${PID[$s]:-}" ] || continue
	case $s in
	nginx | app)
		# A request in flight when the stop signal comes must still be
		# answered: both stops are graceful.
		addr=$([ "$s" = nginx ] && echo "$NGINX_ADDR" || echo "$APP_ADDR")
		marks=$(grep -c 'slow request' "$STATE/log/messages.log")
		http "http://$addr/slow?seconds=0.5" >"$work/slow.out" 2>&1 &
		curl_pid=$!
		wait_until 5 sh -c "[ \$(grep -c 'slow request' '$STATE/log/messages.log') -gt $marks ]" ||
			bad "$s: the slow request never reached the app"
		if [ "$s" = nginx ]; then stop nginx 0; else stop app; fi
		wait "$curl_pid"
		check "$s: the request in flight at the stop was answered: '$(cat "$work/slow.out")'" \
			grep -q '^done after 0.5 s$' "$work/slow.out"
		;;
	redis)
		last=$(redis-cli -p "$REDIS_PORT" get visits)
		stop redis 0
		check "redis: saved its data on SIGTERM (STATE/redis/dump.rdb)" \
			[ -s "$STATE/redis/dump.rdb" ]
		# It comes back with what it saved.
		start redis
		wait_until 5 sh -c "[ \"\$(redis-cli -p $REDIS_PORT ping 2>/dev/null)\" = PONG ]"
		check "redis: after a restart, visits is still $last" \
			[ "$(redis-cli -p "$REDIS_PORT" get visits)" = "$last" ]
		stop redis 0
		;;
	*)
		stop "$s"
		;;
	esac
done

echo "== leftovers"
check "no service process is left" [ "${#PID[@]}" = 0 ]
# (the pattern comes through a pipe: grep's own argv must not hold it)
left=$(grep -lsF -f <(printf '%s\n' "$work") /proc/[0-9]*/cmdline | grep -v "^/proc/$$/" | paste -sd' ')
check "no process names the state directory${left:+ ($left)}" [ -z "$left" ]
busy=
for p in "${NGINX_ADDR##*:}" "${APP_ADDR##*:}" "$REDIS_PORT" "${EXPORTER_ADDR##*:}"; do
	port_free tcp "$p" || busy+=" tcp/$p"
done
port_free udp "$SYSLOG_PORT" || busy+=" udp/$SYSLOG_PORT"
check "every port is free again${busy:+ (busy:$busy)}" [ -z "$busy" ]

echo "== what rsyslog wrote (STATE/log/messages.log, last lines)"
tail -n 6 "$STATE/log/messages.log" | sed 's/^/     /'
if [ "$verbose" = 1 ] || [ "$failed" != 0 ]; then
	for s in $(printf '%s\n' "${started[@]}" | awk '!seen[$0]++'); do
		echo "== output of $s"
		show_log "$s" 40
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
