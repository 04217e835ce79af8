# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with scripts/container-test
# The image checks of scripts/container-test (issue #7), which sources this
# file after checks.sh and provides dk, start_c, cname, poll, check, now_ms,
# state, recdir, await_ready, out_of, err_of, $why, $note, $work, $top and
# the image tags $BIN, $SCRATCH and $WEBSTACK:
#
#   $BIN       the Dockerfile's `bin` stage: FROM scratch, the two binaries
#   $SCRATCH   tests/container/scratch.Dockerfile: FROM scratch, tend from
#              $BIN, static testchild, scratch.conf; no libc, no shell
#   $WEBSTACK  the Dockerfile's `web-stack` stage: examples/web-stack under
#              tend, with a HEALTHCHECK running tendctl check
#
# Each check_* returns 0 (pass) or 1 with $why set. Every wait polls with
# a deadline.

# What an image holds, from `docker save`: one line per entry of each
# layer, "KIND SIZE PATH", KIND d (directory), l (link), o (other) or, for
# regular files, f, or for ELF files static or dynamic (a PT_INTERP program
# header, the dynamic loader's path, makes an ELF file dynamic).
IMAGE_FILES_PY='
import json, struct, sys, tarfile

def elf_kind(f):
    h = f.read(64)
    if len(h) < 64 or h[:4] != b"\x7fELF" or h[4] != 2 or h[5] != 1:
        return "f"  # not a 64-bit little-endian ELF file
    phoff, = struct.unpack_from("<Q", h, 32)
    phentsize, phnum = struct.unpack_from("<HH", h, 54)
    f.seek(phoff)
    ph = f.read(phentsize * phnum)
    for i in range(phnum):
        if struct.unpack_from("<I", ph, i * phentsize)[0] == 3:  # PT_INTERP
            return "dynamic"
    return "static"

with tarfile.open(sys.argv[1]) as outer:
    manifest = json.load(outer.extractfile("manifest.json"))
    for layer in manifest[0]["Layers"]:
        with tarfile.open(fileobj=outer.extractfile(layer)) as t:
            for m in t:
                if m.isdir():
                    kind = "d"
                elif m.issym() or m.islnk():
                    kind = "l"
                elif m.isfile():
                    kind = elf_kind(t.extractfile(m))
                else:
                    kind = "o"
                name = m.name[2:] if m.name.startswith("./") else m.name
                print(kind, m.size, name.rstrip("/"))
'
image_files() {
	local f=$work/save.tar
	dk save -o "$f" "$1" && python3 -c "$IMAGE_FILES_PY" "$f"
	local rc=$?
	rm -f "$f"
	return "$rc"
}

# image_only IMAGE PATH...: true when the image's files (not directories)
# are exactly these PATHs, each a static ELF file or a plain file; $why
# says what differs. Sets $listing.
listing=
image_only() {
	local image=$1 extra missing dyn
	shift
	listing=$(image_files "$image") || { why="docker save $image failed"; return 1; }
	extra=$(printf '%s\n' "$listing" | awk '$1 != "d" { print $3 }' |
		grep -vxF -f <(printf '%s\n' "$@") | head -n 5 | tr '\n' ' ')
	missing=$(printf '%s\n' "$@" | grep -vxF -f <(printf '%s\n' "$listing" | awk '{ print $3 }') |
		tr '\n' ' ')
	dyn=$(printf '%s\n' "$listing" | awk '$1 == "dynamic" { print $3 }' | tr '\n' ' ')
	[ -z "$extra" ] || { why="$image also holds: $extra"; return 1; }
	[ -z "$missing" ] || { why="$image lacks: $missing"; return 1; }
	[ -z "$dyn" ] || { why="dynamically linked in $image: $dyn"; return 1; }
}

# The size in bytes of PATH in the last $listing.
listed_size() { printf '%s\n' "$listing" | awk -v p="$1" '$3 == p { print $2; exit }'; }

# One "size: ..." line each for the images and the binaries, for the log
# and the README.
image_sizes() {
	local i line=
	for i in "$BIN" "$SLIM" "$WEBSTACK" "$SCRATCH"; do
		line+=" $i $(dk image inspect -f '{{.Size}}' "$i" |
			awk '{ printf "%.1f MB", $1 / 1e6 }'),"
	done
	printf 'size: images:%s\n' "${line%,}"
	listing=$(image_files "$BIN") || return 0
	printf 'size: static, stripped: tend %s bytes, tendctl %s bytes\n' \
		"$(listed_size usr/bin/tend)" "$(listed_size usr/bin/tendctl)"
}

# --- scratch --------------------------------------------------------------

# The bin stage: the two static binaries, and nothing else, for COPY --from.
check_bin_only() {
	image_only "$BIN" usr/bin/tend usr/bin/tendctl || return 1
	note="tend $(listed_size usr/bin/tend) B, tendctl $(listed_size usr/bin/tendctl) B"
}

check_scratch_only() {
	image_only "$SCRATCH" usr/bin/tend usr/bin/tendctl testchild etc/tend.conf
}

# The container's PID 1, seen from the host, is tend.
pid1_is_tend() {
	local pid comm
	pid=$(state "$1" '{{.State.Pid}}') || pid=0
	[ "${pid:-0}" -gt 0 ] || { why="no pid for $1"; return 1; }
	comm=$(cat "/proc/$pid/comm" 2>/dev/null)
	[ "$comm" = tend ] || { why="PID 1 of $1 is '$comm'"; return 1; }
}

# docker run IMAGE /testchild exit 7: the code comes out, through tend.
check_scratch_exit() {
	local rc=0
	containers+=("$(cname scratch-exit)")
	dk run --rm --name "$(cname scratch-exit)" "$SCRATCH" /testchild exit 7 || rc=$?
	[ "$rc" = 7 ] || { why="exit code $rc"; return 1; }
}

# docker stop: tend (PID 1) forwards TERM to the static child, which
# records it and exits 3; tend exits 3, at once.
check_scratch_stop() {
	local c d t0 ms code
	c=$(cname scratch-stop)
	d=$(recdir) || { why="mktemp failed"; return 1; }
	start_c scratch-stop -v "$d:/rec" "$SCRATCH" /testchild record /rec/rec TERM=3 ||
		{ why="docker run failed"; return 1; }
	await_ready "$d/rec" || return 1
	pid1_is_tend "$c" || return 1
	t0=$(now_ms)
	dk stop -t 10 "$c" >/dev/null || { why="docker stop failed"; return 1; }
	ms=$(($(now_ms) - t0))
	grep -qx TERM "$d/rec" ||
		{ why="child recorded: $(tr '\n' ' ' <"$d/rec")"; return 1; }
	code=$(state "$c" '{{.State.ExitCode}}')
	[ "$code" = 3 ] || { why="exit code $code"; return 1; }
	[ "$ms" -lt 5000 ] || { why="docker stop took $ms ms"; return 1; }
	note="docker stop took $ms ms"
}

# A numeric user with no /etc/passwd: tend runs as uid 1000, not root.
check_scratch_user() {
	local rc=0
	containers+=("$(cname scratch-user)")
	dk run --rm --name "$(cname scratch-user)" --user 1000:1000 "$SCRATCH" \
		/testchild exit 5 || rc=$?
	[ "$rc" = 5 ] || { why="exit code $rc"; return 1; }
}

# Config mode in scratch. The control socket goes to /run, which the image
# lacks: tend (root) makes it.
scratch_ready() { dk exec "$1" /usr/bin/tendctl check >/dev/null 2>&1; }
owner() { stat -c %u:%g "$1" 2>/dev/null; }
scratch_conf_dir=
check_scratch_conf() {
	local c d st
	c=$(cname scratch-conf)
	d=$(recdir) || { why="mktemp failed"; return 1; }
	scratch_conf_dir=$d
	start_c scratch-conf -v "$d:/rec" --entrypoint /usr/bin/tend \
		"$SCRATCH" -c /etc/tend.conf || { why="docker run failed"; return 1; }
	if ! poll 15 scratch_ready "$c"; then
		why="tendctl check not 0 within 15 s; tend said: $(err_of "$c" | tail -n 4 | tr '\n' '/')"
		return 1
	fi
	pid1_is_tend "$c" || return 1
	st=$(dk exec "$c" /usr/bin/tendctl status) || { why="tendctl status failed"; return 1; }
	{ printf '%s\n' "$st" | grep -Eq '^web +running ' &&
		printf '%s\n' "$st" | grep -Eq '^worker +running '; } ||
		{ why="tendctl status: $(printf '%s\n' "$st" | tr '\n' '/')"; return 1; }
	poll 5 test -s "$d/worker" || { why="worker wrote nothing"; return 1; }
	[ "$(owner "$d/web")" = 1000:1000 ] ||
		{ why="web's file owned by $(owner "$d/web"), want 1000:1000"; return 1; }
	[ "$(owner "$d/worker")" = 1001:0 ] ||
		{ why="worker's file owned by $(owner "$d/worker"), want 1001:0"; return 1; }
}

# The first MS of the line "WHAT PID MS ..." in stamp file $1.
stamp_ms() { awk -v w="$2" '$1 == w { print $3; exit }' "$1"; }

# docker stop: worker (which depends on web) ends before web gets TERM.
check_scratch_conf_stop() {
	local c d code w_exit web_term last
	c=$(cname scratch-conf)
	d=$scratch_conf_dir
	[ -n "$d" ] || { why="the config-mode container did not start"; return 1; }
	dk stop -t 10 "$c" >/dev/null || { why="docker stop failed"; return 1; }
	code=$(state "$c" '{{.State.ExitCode}}')
	[ "$code" = 0 ] || { why="exit code $code"; return 1; }
	w_exit=$(stamp_ms "$d/worker" exit)
	web_term=$(stamp_ms "$d/web" TERM)
	{ [ -n "$w_exit" ] && [ -n "$web_term" ]; } ||
		{ why="worker: $(tr '\n' ' ' <"$d/worker"); web: $(tr '\n' ' ' <"$d/web")"; return 1; }
	[ "$w_exit" -le "$web_term" ] ||
		{ why="web got TERM at $web_term, before worker exited at $w_exit"; return 1; }
	last=$(err_of "$c" | tail -n 1)
	case $last in
	"tend: exiting with 0; "*) ;;
	*) why="last stderr line: '$last'"; return 1 ;;
	esac
}

# --- web-stack --------------------------------------------------------------

check_ws_config() {
	local got want
	got=$(dk image inspect -f '{{json .Config.Entrypoint}} {{.Config.StopSignal}} {{json .Config.Healthcheck}}' "$WEBSTACK") ||
		{ why="docker image inspect failed"; return 1; }
	want='["/usr/bin/tend","-c","/etc/tend.conf"] SIGTERM {"Test":["CMD","/usr/bin/tendctl","check"],"Interval":2000000000,"Timeout":2000000000,"Retries":3}'
	[ "$got" = "$want" ] || { why="$got"; return 1; }
}

# The stack's packages (scripts/lib/webstack.sh) are in the image, but
# curl, which only the host-side tests use (python3 makes the requests here).
check_ws_packages() {
	local pkgs out bad
	mapfile -t pkgs < <(
		# shellcheck source=scripts/lib/webstack.sh
		. "$top/scripts/lib/webstack.sh" && printf '%s\n' "${WEBSTACK_PACKAGES[@]}" | grep -vx curl
	)
	[ "${#pkgs[@]}" -gt 5 ] || { why="no package list from scripts/lib/webstack.sh"; return 1; }
	# shellcheck disable=SC2016 # dpkg-query's fields
	out=$(dk run --rm --entrypoint dpkg-query "$WEBSTACK" \
		-W -f '${Package} ${db:Status-Status}\n' "${pkgs[@]}" 2>&1)
	bad=$(printf '%s\n' "$out" | grep -v ' installed$' | tr '\n' ' ')
	[ -z "$bad" ] || { why="$bad"; return 1; }
}

health() { state "$1" '{{.State.Health.Status}}'; }
# True once healthy; false (and stops the polling) once unhealthy.
healthy_or_not() {
	local h
	h=$(health "$1")
	[ "$h" != unhealthy ] || return 0
	[ "$h" = healthy ]
}

# ws_up NAME [ARG...]: the web-stack container NAME (docker run ARGs after
# the image), healthy per `docker inspect` within 60 s.
ws_up() {
	local name=$1 c t0
	shift
	c=$(cname "$name")
	start_c "$name" "$WEBSTACK" "$@" || { why="docker run failed"; return 1; }
	t0=$(now_ms)
	poll 60 healthy_or_not "$c"
	if [ "$(health "$c")" != healthy ]; then
		why="health '$(health "$c")' after $(($(now_ms) - t0)) ms; last probe: $(state "$c" '{{with .State.Health}}{{range .Log}}{{.ExitCode}}: {{.Output}}{{end}}{{end}}' | tail -n 3 | tr '\n' '/'); tend: $(err_of "$c" | tail -n 5 | tr '\n' '/')"
		return 1
	fi
	note="healthy $(($(now_ms) - t0)) ms after docker run"
}

check_ws_healthy() { ws_up ws; }

# A GET through nginx, from inside the container (python3, loopback).
WS_GET_PY='
import sys, urllib.request
with urllib.request.urlopen("http://127.0.0.1:18080/", timeout=5) as r:
    sys.stdout.write("%d %s" % (r.status, r.read().decode()))
'
check_ws_request() {
	local c a b
	c=$(cname ws)
	a=$(dk exec "$c" python3 -c "$WS_GET_PY" 2>&1) || { why="GET /: $a"; return 1; }
	b=$(dk exec "$c" python3 -c "$WS_GET_PY" 2>&1) || { why="second GET /: $b"; return 1; }
	[[ $a =~ ^200\ visits:\ ([0-9]+)$ ]] || { why="GET / answered '$a'"; return 1; }
	[ "$b" = "200 visits: $((BASH_REMATCH[1] + 1))" ] ||
		{ why="GET / answered '$a', then '$b'"; return 1; }
	note="$a, then $b"
}

# docker stop -t 10: tend's shutdown, not docker's SIGKILL.
ws_stop_ms=
check_ws_stop() {
	local c t0 code oom
	c=$(cname ws)
	t0=$(now_ms)
	dk stop -t 10 "$c" >/dev/null || { why="docker stop failed"; return 1; }
	ws_stop_ms=$(($(now_ms) - t0))
	code=$(state "$c" '{{.State.ExitCode}}')
	oom=$(state "$c" '{{.State.OOMKilled}}')
	{ [ "$code" = 0 ] && [ "$oom" = false ]; } ||
		{ why="exit code $code, OOMKilled $oom"; return 1; }
	[ "$ws_stop_ms" -lt 5000 ] || { why="docker stop took $ws_stop_ms ms"; return 1; }
	note="docker stop took $ws_stop_ms ms"
}

# From tend's lines in docker logs: nginx has stopped before the app gets
# its stop signal, and the app before redis; each of the three exited 0
# (its own graceful stop), none was killed; tend's last line says exit 0.
# shellcheck disable=SC2016
WS_ORDER_AWK='
/^tend: service [a-z-]+: running -> stopping$/ { split($3, a, ":"); stop[a[1]] = NR }
/^tend: service [a-z-]+: stopping -> stopped$/ { split($3, a, ":"); gone[a[1]] = NR }
/^tend: service [a-z-]+: pid [0-9]+ exited with 0$/ { split($3, a, ":"); zero[a[1]] = 1 }
/killing it|sending KILL|shutdown-timeout .* reached/ { print "killed: " $0; bad = 1 }
END {
    n = split("nginx app redis", s, " ")
    for (i = 1; i <= n; i++) {
        if (!stop[s[i]] || !gone[s[i]]) { print "no stop lines for " s[i]; bad = 1 }
        else if (!zero[s[i]]) { print s[i] " did not exit with 0"; bad = 1 }
    }
    for (i = 1; i < n; i++)
        if (gone[s[i]] && stop[s[i + 1]] && gone[s[i]] > stop[s[i + 1]]) {
            print s[i + 1] " got its stop signal before " s[i] " had stopped"; bad = 1
        }
    exit bad
}'
check_ws_order() {
	local c err last
	c=$(cname ws)
	[ -n "$ws_stop_ms" ] || { why="docker stop did not run"; return 1; }
	err=$(err_of "$c")
	why=$(printf '%s\n' "$err" | awk "$WS_ORDER_AWK" | tr '\n' ' ') || return 1
	last=$(printf '%s\n' "$err" | tail -n 1)
	case $last in
	"tend: exiting with 0; "*) ;;
	*) why="last stderr line: '$last'"; return 1 ;;
	esac
}

# docker run IMAGE -- CMD: CMD is the main service; docker stop ends the
# stack and the container exits with CMD's code.
check_ws_main() {
	local c t0 ms code
	c=$(cname ws-main)
	ws_up ws-main -- /bin/sh -c 'trap "exit 3" TERM; sleep infinity & wait' || return 1
	t0=$(now_ms)
	dk stop -t 10 "$c" >/dev/null || { why="docker stop failed"; return 1; }
	ms=$(($(now_ms) - t0))
	code=$(state "$c" '{{.State.ExitCode}}')
	[ "$code" = 3 ] || { why="exit code $code; tend: $(err_of "$c" | tail -n 3 | tr '\n' '/')"; return 1; }
	[ "$ms" -lt 5000 ] || { why="docker stop took $ms ms"; return 1; }
	why=$(err_of "$c" | awk "$WS_ORDER_AWK" | tr '\n' ' ') || return 1
	note="docker stop took $ms ms"
}

image_checks() {
	check "bin stage: only /usr/bin/tend and /usr/bin/tendctl, both static" check_bin_only
	check "scratch image: only tend, tendctl, static testchild, /etc/tend.conf (no libc, sh, passwd)" check_scratch_only
	check "scratch: docker run IMAGE /testchild exit 7 exits 7" check_scratch_exit
	check "scratch: docker stop: tend is PID 1, the child records TERM, exit code 3, within 5 s" check_scratch_stop
	check "scratch: docker run --user 1000:1000 (no /etc/passwd): exit code 5" check_scratch_user
	check "scratch: config mode: tendctl check 0, services as uid 1000:1000 and 1001:0 (numeric)" check_scratch_conf
	check "scratch: config mode: docker stop: worker ends before web's TERM, exit 0" check_scratch_conf_stop
	check "web-stack image: entrypoint tend -c /etc/tend.conf, STOPSIGNAL SIGTERM, HEALTHCHECK tendctl check 2 s" check_ws_config
	check "web-stack image: the stack's packages (scripts/lib/webstack.sh, but curl) are installed" check_ws_packages
	check "web-stack: docker inspect health becomes healthy" check_ws_healthy
	check "web-stack: GET / through nginx from inside the container counts up" check_ws_request
	check "web-stack: docker stop -t 10: exit 0, not killed, within 5 s" check_ws_stop
	check "web-stack: stop order nginx, app, redis, each exited 0, none killed" check_ws_order
	check "web-stack: docker run IMAGE -- CMD: healthy, docker stop exits with CMD's code 3, in order" check_ws_main
}
