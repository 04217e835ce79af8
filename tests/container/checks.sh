# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with scripts/container-test
# The checks of scripts/container-test, which sources this file and provides
# dk, start_c, cname, poll, check, now_ms, $why, $note, $work, $TESTIMAGE, $SLIM.
#
# Each check_* returns 0 (pass) or 1 with $why set. Nothing here waits a
# fixed time: every wait polls with a deadline.

# Zombies in container $1, counted from /proc/*/stat (the image has no ps).
# The state is the first field after the ") " that ends the command name.
zombies() {
	# shellcheck disable=SC2016 # expanded by the container's sh
	dk exec "$1" sh -c '
		n=0
		for f in /proc/[0-9]*/stat; do
			read -r l 2>/dev/null <"$f" || continue
			s=${l##*) }
			case $s in Z*) n=$((n + 1)) ;; esac
		done
		echo "$n"'
}
no_zombies() { [ "$(zombies "$1")" = 0 ]; }

# True when container $1 has file $2 containing the whole line $3.
has_line() { dk exec "$1" cat "$2" 2>/dev/null | grep -qx -- "$3"; }
# True when host file $1 has a line matching the regex $2.
file_has() { [ -f "$1" ] && grep -q -- "$2" "$1"; }

state() { dk inspect -f "$2" "$1" 2>/dev/null; }

# Wait until `testchild record` wrote its `ready PID` line to host file $1,
# and make sure it is not PID 1 (so a signal it records came through tend).
await_ready() {
	local pid
	poll 10 file_has "$1" '^ready ' ||
		{ why="no 'ready' line within 10 s"; return 1; }
	pid=$(awk '$1 == "ready" { print $2; exit }' "$1")
	[ "$pid" != 1 ] || { why="the recording child is PID 1: tend is not"; return 1; }
}

# A host directory for a container's record file, mounted at /rec.
recdir() {
	local d
	d=$(mktemp -d "$work/rec.XXXXXX") && chmod 777 "$d" && echo "$d"
}

# a. tend is PID 1; the command is its child, not PID 1.
check_pid1() {
	local c cmdline name
	c=$(cname pid1)
	start_c pid1 "$TESTIMAGE" testchild sleep || { why="docker run failed"; return 1; }
	cmdline=$(dk exec "$c" cat /proc/1/cmdline | tr '\0' ' ') ||
		{ why="docker exec failed"; return 1; }
	case $cmdline in
	"/usr/bin/tend -- testchild sleep ") ;;
	*) why="/proc/1/cmdline is '$cmdline'"; return 1 ;;
	esac
	name=$(dk exec "$c" sed -n 's/^Name:[[:space:]]*//p' /proc/1/status) ||
		{ why="docker exec failed"; return 1; }
	[ "$name" = tend ] || { why="/proc/1/status Name is '$name'"; return 1; }
}

check_child_of_pid1() {
	local c
	c=$(cname pid1)
	# shellcheck disable=SC2016
	poll 10 dk exec "$c" sh -c '
		for f in /proc/[0-9]*/status; do
			n=$(sed -n "s/^Name:[[:space:]]*//p" "$f" 2>/dev/null)
			p=$(sed -n "s/^PPid:[[:space:]]*//p" "$f" 2>/dev/null)
			[ "$n" = testchild ] && [ "$p" = 1 ] && [ "${f#/proc/}" != 1/status ] && exit 0
		done
		exit 1' || { why="no testchild process with PPid 1 within 10 s"; return 1; }
}

# b. Orphans made in the container are reaped by tend.
check_orphans() {
	local c n
	c=$(cname orphans)
	start_c orphans "$TESTIMAGE" testchild orphans 500 /tmp/rec ||
		{ why="docker run failed"; return 1; }
	poll 30 has_line "$c" /tmp/rec "orphans 500" ||
		{ why="no 'orphans 500' in /tmp/rec within 30 s"; return 1; }
	if ! poll 10 no_zombies "$c"; then
		n=$(zombies "$c")
		why="$n zombies left 10 s after 'orphans 500'"
		return 1
	fi
}

# b'. The same check fails without tend: testchild as PID 1 leaves zombies.
check_orphans_control() {
	local c n
	c=$(cname orphans-notend)
	start_c orphans-notend --entrypoint testchild "$TESTIMAGE" orphans 500 /tmp/rec ||
		{ why="docker run failed"; return 1; }
	poll 30 has_line "$c" /tmp/rec "orphans 500" ||
		{ why="no 'orphans 500' in /tmp/rec within 30 s"; return 1; }
	if poll 3 no_zombies "$c"; then
		why="no zombies even without tend: the check cannot fail"
		return 1
	fi
	n=$(zombies "$c")
	[ "$n" -gt 0 ] 2>/dev/null || { why="zombie count '$n'"; return 1; }
	note="$n zombies remain"
}

# c. docker stop: the child gets TERM, tend exits with its code, quickly.
stop_dir=
stop_ms=
check_stop_record() {
	local c t0
	c=$(cname stop)
	stop_dir=$(recdir) || { why="mktemp failed"; return 1; }
	start_c stop -v "$stop_dir:/rec" "$TESTIMAGE" testchild record /rec/rec TERM=3 ||
		{ why="docker run failed"; return 1; }
	await_ready "$stop_dir/rec" || return 1
	t0=$(now_ms)
	dk stop -t 10 "$c" >/dev/null || { why="docker stop failed"; return 1; }
	stop_ms=$(($(now_ms) - t0))
	grep -qx TERM "$stop_dir/rec" ||
		{ why="child recorded: $(tr '\n' ' ' <"$stop_dir/rec")"; return 1; }
}

check_stop_code() {
	local code
	[ -n "$stop_ms" ] || { why="docker stop did not run"; return 1; }
	code=$(state "$(cname stop)" '{{.State.ExitCode}}') ||
		{ why="docker inspect failed"; return 1; }
	[ "$code" = 3 ] || { why="exit code $code"; return 1; }
}

check_stop_fast() {
	[ -n "$stop_ms" ] || { why="docker stop did not run"; return 1; }
	[ "$stop_ms" -lt 5000 ] || { why="docker stop took $stop_ms ms"; return 1; }
	note="docker stop took $stop_ms ms"
}

# d. docker kill -s USR1 reaches the child; the container keeps running.
check_kill_usr1() {
	local c d running
	c=$(cname usr1)
	d=$(recdir) || { why="mktemp failed"; return 1; }
	start_c usr1 -v "$d:/rec" "$TESTIMAGE" testchild record /rec/rec ||
		{ why="docker run failed"; return 1; }
	await_ready "$d/rec" || return 1
	dk kill -s USR1 "$c" >/dev/null || { why="docker kill failed"; return 1; }
	poll 10 file_has "$d/rec" '^USR1$' ||
		{ why="child recorded: $(tr '\n' ' ' <"$d/rec")"; return 1; }
	running=$(state "$c" '{{.State.Running}}')
	[ "$running" = true ] || { why="container not running after USR1"; return 1; }
	dk exec "$c" true || { why="docker exec failed after USR1"; return 1; }
}

# f. A straggler that ignores TERM (its own session, so not in the
# command's process group) is killed once the command exited: TERM, then
# KILL 2 s later; the container ends with the command's code 0.
check_straggler() {
	local c d code t0 ms
	c=$(cname straggler)
	d=$(recdir) || { why="mktemp failed"; return 1; }
	start_c straggler -v "$d:/rec" "$TESTIMAGE" testchild straggler /rec/rec --ignore-term ||
		{ why="docker run failed"; return 1; }
	t0=$(now_ms)
	code=$(dk wait "$c") || { why="docker wait failed or took 60 s"; return 1; }
	ms=$(($(now_ms) - t0))
	[ "$code" = 0 ] || { why="exit code $code"; return 1; }
	grep -qx TERM "$d/rec" ||
		{ why="straggler recorded: $(tr '\n' ' ' <"$d/rec")"; return 1; }
	if [ "$ms" -lt 1500 ] || [ "$ms" -ge 5000 ]; then
		why="container ended $ms ms after start (want about 2 s)"
		return 1
	fi
	note="container ended after $ms ms"
}

# e. The slim image: tend as entrypoint, the command's exit code comes out.
check_slim_exit() {
	local rc=0
	containers+=("$(cname slim-exit)")
	dk run --rm --name "$(cname slim-exit)" "$SLIM" sh -c 'exit 7' || rc=$?
	[ "$rc" = 7 ] || { why="exit code $rc"; return 1; }
}

check_slim_default() {
	local rc=0 ep sig
	ep=$(dk image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$SLIM") ||
		{ why="docker image inspect failed"; return 1; }
	[ "$ep" = '["/usr/bin/tend","--"] ["/bin/sh"]' ] ||
		{ why="entrypoint and cmd: $ep"; return 1; }
	sig=$(dk image inspect -f '{{.Config.StopSignal}}' "$SLIM")
	[ "$sig" = SIGTERM ] || { why="StopSignal '$sig'"; return 1; }
	containers+=("$(cname slim-default)")
	dk run --rm --name "$(cname slim-default)" "$SLIM" </dev/null || rc=$?
	[ "$rc" = 0 ] || { why="default command exited $rc"; return 1; }
}

check_slim_no_testchild() {
	local rc=0
	containers+=("$(cname slim-clean)")
	dk run --rm --name "$(cname slim-clean)" --entrypoint /bin/sh "$SLIM" \
		-c 'test ! -e /usr/local/bin/testchild' || rc=$?
	[ "$rc" = 0 ] || { why="testchild is in the slim image"; return 1; }
}

# g. Logs (issue #5), as `docker logs` shows them: tend in config mode from
# the slim image, two services. web writes five lines on each stream, worker
# five on stdout; then both sleep, so nothing more comes and the container
# keeps running.
LOG_WEB_OUT=$(for i in 1 2 3 4 5; do echo "GET /page/$i 200"; done)
LOG_WEB_ERR=$(for i in 1 2 3 4 5; do echo "warning: slow page $i"; done)
LOG_WORKER_OUT=$(for i in 1 2 3 4 5; do echo "job $i done"; done)

# log_start NAME [GLOBAL-LINE] [DOCKER-RUN-ARGS...]: the container NAME
# running tend -c on that config (GLOBAL-LINE first when not empty).
log_start() {
	local name=$1 global=$2 d
	shift 2
	d=$(recdir) || { why="mktemp failed"; return 1; }
	{
		[ -z "$global" ] || printf '%s\n' "$global"
		cat <<-'EOF'
		service "web" {
		    command = "sh -c 'for i in 1 2 3 4 5; do echo \"GET /page/$i 200\"; echo \"warning: slow page $i\" >&2; done; exec sleep infinity'"
		}
		service "worker" {
		    command = "sh -c 'for i in 1 2 3 4 5; do echo \"job $i done\"; done; exec sleep infinity'"
		}
		EOF
	} >"$d/tend.conf"
	start_c "$name" "$@" -v "$d:/conf:ro" --entrypoint /usr/bin/tend "$SLIM" \
		-c /conf/tend.conf || { why="docker run failed"; return 1; }
}

# What `docker logs` has on the container's stdout, or its stderr.
out_of() { dk logs "$1" 2>/dev/null; }
err_of() { { dk logs "$1" >/dev/null; } 2>&1; }
# prefixed NAME TEXT: each line of TEXT as tend's prefix format writes it.
prefixed() { printf '%s\n' "$2" | sed "s/^/$1 | /"; }
# lines_of TEXT NAME: TEXT's lines that come from service NAME.
lines_of() { printf '%s\n' "$1" | grep "^$2 | "; }

log_out_done() {
	local out
	out=$(out_of "$1") &&
		[ "$(lines_of "$out" web)" = "$(prefixed web "$LOG_WEB_OUT")" ] &&
		[ "$(lines_of "$out" worker)" = "$(prefixed worker "$LOG_WORKER_OUT")" ]
}
log_err_done() {
	local err
	err=$(err_of "$1") && [ "$(lines_of "$err" web)" = "$(prefixed web "$LOG_WEB_ERR")" ]
}

check_logs_stdout() {
	local c out n
	c=$(cname logs)
	log_start logs "" || return 1
	poll 15 log_out_done "$c" ||
		{ why="docker logs stdout within 15 s: $(out_of "$c" | head -n 12 | tr '\n' '/')"; return 1; }
	out=$(out_of "$c")
	n=$(printf '%s\n' "$out" | wc -l)
	[ "$n" = 10 ] ||
		{ why="$n lines on stdout, want the 10 of web and worker: $(printf '%s\n' "$out" | tr '\n' '/')"; return 1; }
}

check_logs_stderr() {
	local c err bad s
	c=$(cname logs)
	poll 15 log_err_done "$c" ||
		{ why="docker logs stderr within 15 s: $(err_of "$c" | tail -n 12 | tr '\n' '/')"; return 1; }
	err=$(err_of "$c")
	bad=$(printf '%s\n' "$err" | grep -v -e '^web | ' -e '^tend: ' | head -n 3)
	[ -z "$bad" ] || { why="stderr lines neither 'web | ' nor 'tend: ': $bad"; return 1; }
	for s in web worker; do
		printf '%s\n' "$err" | grep -Eq "^tend: service $s: started as pid [0-9]+\$" ||
			{ why="no 'tend: service $s: started as pid N' on stderr"; return 1; }
	done
}

check_logs_tendctl() {
	local c got want
	c=$(cname logs)
	want=$(printf '%s\n' "$LOG_WORKER_OUT" | tail -n 3)
	got=$(dk exec "$c" tendctl log -n 3 worker) ||
		{ why="docker exec tendctl log failed: $got"; return 1; }
	[ "$got" = "$want" ] || { why="tendctl log -n 3 worker: $(printf '%s\n' "$got" | tr '\n' '/')"; return 1; }
	# Both of web's streams, as web wrote them (their order between the
	# two pipes is not defined: compared sorted).
	got=$(dk exec "$c" tendctl log -n 10 web | sort) ||
		{ why="docker exec tendctl log -n 10 web failed"; return 1; }
	want=$(printf '%s\n%s\n' "$LOG_WEB_OUT" "$LOG_WEB_ERR" | sort)
	[ "$got" = "$want" ] || { why="tendctl log -n 10 web: $(printf '%s\n' "$got" | tr '\n' '/')"; return 1; }
}

# docker stop: tend's last line, written on its way out, reaches docker logs.
check_logs_stop() {
	local c last code
	c=$(cname logs)
	dk stop -t 10 "$c" >/dev/null || { why="docker stop failed"; return 1; }
	code=$(state "$c" '{{.State.ExitCode}}')
	[ "$code" = 0 ] || { why="exit code $code"; return 1; }
	last=$(err_of "$c" | tail -n 1)
	case $last in
	"tend: exiting with 0; "*) ;;
	*) why="last stderr line: '$last'"; return 1 ;;
	esac
	log_out_done "$c" || { why="stdout lost lines at the stop"; return 1; }
}

# docker run -t: stdout and stderr are one terminal (docker logs shows
# everything on stdout, lines ending in CR LF): each line still whole, each
# prefixed.
log_tty_done() {
	local all
	all=$(out_of "$1" | tr -d '\r') &&
		[ "$(printf '%s\n' "$all" | grep '^web | GET')" = "$(prefixed web "$LOG_WEB_OUT")" ] &&
		[ "$(printf '%s\n' "$all" | grep '^web | warning')" = "$(prefixed web "$LOG_WEB_ERR")" ] &&
		[ "$(lines_of "$all" worker)" = "$(prefixed worker "$LOG_WORKER_OUT")" ] &&
		printf '%s\n' "$all" | grep -q '^tend: service worker: starting -> running$'
}
check_logs_tty() {
	local c all bad
	c=$(cname logs-tty)
	log_start logs-tty "" -t || return 1
	poll 15 log_tty_done "$c" ||
		{ why="docker logs within 15 s: $(out_of "$c" | tr -d '\r' | tail -n 16 | tr '\n' '/')"; return 1; }
	all=$(out_of "$c" | tr -d '\r')
	bad=$(printf '%s\n' "$all" | grep -Ev '^(web|worker) \| |^tend: ' | head -n 3)
	[ -z "$bad" ] || { why="lines neither 'NAME | ' nor 'tend: ': $bad"; return 1; }
}

# log-format = "json": every line of docker logs is a JSON object with
# ts, service, stream and msg, on the stream it names; the services' lines
# in the order each wrote them; tend's own lines as service "tend".
LOG_JSON_PY='
import json, re, sys
out, err, web_out, web_err, worker_out = sys.argv[1:6]
ts = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
def objs(path, stream):
    r = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            sys.exit("%s line %d is not JSON (%s): %r" % (stream, n, e, line))
        if not isinstance(o, dict) or set(o) != {"ts", "service", "stream", "msg"}:
            sys.exit("%s line %d: keys %r" % (stream, n, sorted(o) if isinstance(o, dict) else o))
        if o["stream"] != stream or not ts.match(o["ts"]):
            sys.exit("%s line %d: %r" % (stream, n, line))
        r.append(o)
    return r
o, e = objs(out, "stdout"), objs(err, "stderr")
def msgs(l, s):
    return "\n".join(x["msg"] for x in l if x["service"] == s)
if msgs(o, "web") != web_out or msgs(o, "worker") != worker_out or len(o) != 10:
    sys.exit("stdout: %r" % [(x["service"], x["msg"]) for x in o])
if msgs(e, "web") != web_err or {x["service"] for x in e} != {"web", "tend"}:
    sys.exit("stderr: %r" % [(x["service"], x["msg"]) for x in e][-12:])
if not re.search(r"^service web: started as pid \d+$", msgs(e, "tend"), re.M):
    sys.exit("no tend object \"service web: started as pid N\"")
'
log_json_ok() {
	local c=$1 d=$work/json-logs
	out_of "$c" >"$d.out" && err_of "$c" >"$d.err" &&
		why=$(python3 -c "$LOG_JSON_PY" "$d.out" "$d.err" \
			"$LOG_WEB_OUT" "$LOG_WEB_ERR" "$LOG_WORKER_OUT" 2>&1)
}
check_logs_json() {
	local c
	command -v python3 >/dev/null || { why="python3 (the JSON parser) is missing"; return 1; }
	c=$(cname logs-json)
	log_start logs-json 'log-format = "json"' || return 1
	if ! poll 15 log_json_ok "$c"; then
		log_json_ok "$c" || why="within 15 s: $why"
		return 1
	fi
}

container_checks() {
	check "tend is PID 1 (/proc/1/cmdline, /proc/1/status)" check_pid1
	check "the command runs as PID 1's child" check_child_of_pid1
	check "500 orphans reaped: no zombie left" check_orphans
	check "control: without tend (testchild as PID 1) zombies remain" check_orphans_control
	check "docker stop: the child records TERM" check_stop_record
	check "docker stop: tend exits with the child's code 3" check_stop_code
	check "docker stop returns within 5 s (no SIGKILL after the grace)" check_stop_fast
	check "docker kill -s USR1 reaches the child, container keeps running" check_kill_usr1
	check "straggler ignoring TERM is killed 2 s after the command exits; exit 0" check_straggler
	check "slim image: docker run IMAGE sh -c 'exit 7' exits 7" check_slim_exit
	check "slim image: entrypoint tend --, default CMD /bin/sh runs, STOPSIGNAL SIGTERM" check_slim_default
	check "slim image has no testchild" check_slim_no_testchild
	check "logs: docker logs stdout has each service's stdout lines as 'NAME | line', in order, nothing else" check_logs_stdout
	check "logs: docker logs stderr has web's stderr lines as 'web | line' and tend's own as 'tend: ...'" check_logs_stderr
	check "logs: docker exec tendctl log -n 3 worker prints its last 3 lines; -n 10 web both streams" check_logs_tendctl
	check "logs: docker stop: exit 0, tend's last line 'tend: exiting with 0; ...' is in docker logs" check_logs_stop
	check "logs: docker run -t (one terminal): every line whole and prefixed, each stream's lines in order" check_logs_tty
	check "logs: log-format json: every docker logs line is a JSON object on the stream it names" check_logs_json
}
