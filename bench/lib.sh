# shellcheck shell=bash
# Sourced by the scripts of bench/ and by scripts/bench.

# bench_die MSG: the measurement cannot be made; exit non-zero, loudly.
bench_die() {
	echo "bench: FAILED: $*" >&2
	exit 1
}

# bench_note MSG: progress, on stderr (stdout is the report).
bench_note() {
	echo "bench: $*" >&2
}

# bench_need CMD...: every CMD is on PATH, else fail.
bench_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || bench_die "$c not found (see bench/README.md)"
	done
}

# bench_args DEFAULT [--quick] [TEND_BINARY]: a bench script's arguments
# (pass it "$@"): sets QUICK (1 with --quick, else 0) and TEND, the binary
# named or DEFAULT, as an absolute path; fails when it is not executable.
bench_args() {
	local def=$1
	shift
	QUICK=0
	if [ "${1:-}" = "--quick" ]; then
		QUICK=1
		shift
	fi
	TEND=${1:-$def}
	[ -x "$TEND" ] || bench_die "no $TEND: build it first (scripts/bench does)"
	TEND=$(cd "$(dirname "$TEND")" && pwd)/$(basename "$TEND")
}

# bench_machine: Markdown lines describing this machine.
bench_machine() {
	local cpu debian kernel
	cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
	debian=$(cat /etc/debian_version 2>/dev/null || echo "not Debian")
	kernel=$(uname -srm)
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- CPU: ${cpu:-unknown} ($(nproc) online CPUs as seen by nproc)"
	echo "- kernel: $kernel"
	echo "- Debian: $debian"
	echo "- memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
}

# bench_buildtype BUILD_DIR: meson's buildtype of that build.
bench_buildtype() {
	python3 - "$1" <<'PY'
import json, sys
for o in json.load(open(sys.argv[1] + "/meson-info/intro-buildoptions.json")):
    if o["name"] == "buildtype":
        print(o["value"])
PY
}

# bench_build DIR [-DOPTION=VALUE...]: builds tend there with those meson
# options (set up the directory, or apply them to an existing one).
bench_build() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null || bench_die "meson setup $dir"
	elif [ $# -gt 0 ]; then
		meson configure "$dir" "$@" >/dev/null || bench_die "meson configure $dir"
	fi
	ninja -C "$dir" tend >/dev/null || bench_die "ninja -C $dir tend"
}

# bench_setup PREFIX: makes the work dir WORK (/tmp/PREFIX.XXXXXX), compiles
# the service (BSVC) and the probe into it, and arranges that every probe
# reaper recorded in REAPERS, with everything under it, is stopped by pid
# and WORK removed when the script exits.
bench_setup() {
	WORK=$(mktemp -d "/tmp/$1.XXXXXX")
	REAPERS=()
	trap 'bench_cleanup; rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM
	bench_compile bsvc svc.c
	gcc -O2 -Wall -o "$WORK/probe" "$HERE/probe.c" || bench_die "cannot compile bench/probe.c"
	BSVC=$WORK/bsvc
}

# bench_compile NAME SOURCE: compiles bench/SOURCE (static, stripped) to
# WORK/NAME.
bench_compile() {
	gcc -O2 -static -s -o "$WORK/$1" "$HERE/$2" || bench_die "cannot compile bench/$2"
}

# bench_start NAME DIR CMD...: starts CMD in DIR under a probe reaper
# (recorded in REAPERS), its output to DIR/log; once the probe wrote
# DIR/pid, sets REAPER, SPID (CMD's pid) and T0 (when it started). NAME
# says which one fails to start.
bench_start() {
	local name=$1 dir=$2 i
	shift 2
	(cd "$dir" && exec "$WORK/probe" run "$dir/pid" "$@" \
		>"$dir/log" 2>&1 </dev/null) &
	REAPER=$!
	REAPERS+=("$REAPER")
	for i in $(seq 500); do
		[ -s "$dir/pid" ] && break
		sleep 0.01
	done
	[ -s "$dir/pid" ] || bench_die "$name: probe did not start"
	read -r SPID T0 <"$dir/pid"
}

# ---- the services' configurations: conf_SUP DIR N ARGS [SOCKET] -----------
# For bench/supervisors.sh and bench/ctl.sh: N services, each running BSVC,
# ARGS after its command (%i in them becomes the service's number). How
# each is set up and why: bench/README.md.

conf_floor() {
	local dir=$1 n=$2 args=$3 i
	for i in $(seq "$n"); do
		echo "$BSVC${args//%i/$i}"
	done >"$dir/floor.services"
}

# The control socket in the work directory: tend's default, /run/tend.sock,
# may be another tend's.
conf_tend() {
	local dir=$1 n=$2 args=$3 i
	{
		echo "control-socket = \"$dir/tend.sock\""
		for i in $(seq "$n"); do
			echo "service s$i { command = \"$BSVC${args//%i/$i}\" stop-timeout = 5${TEND_EXTRA:-} }"
		done
	} >"$dir/tend.conf"
}

# run_scripts DIR N ARGS: DIR/s1 ... DIR/sN, each with a run script that
# execs the command (few processes: 1,000 mkdir would take seconds).
run_scripts() {
	local dir=$1 n=$2 args=$3 i
	mkdir "$dir"
	(cd "$dir" && seq -f 's%.0f' "$n" | xargs mkdir)
	for i in $(seq "$n"); do
		printf '#!/bin/sh\nexec %s%s\n' "$BSVC" "${args//%i/$i}" >"$dir/s$i/run"
	done
	(cd "$dir" && seq -f 's%.0f/run' "$n" | xargs chmod 755)
}

# One service directory per service, a run script that execs the command.
conf_runit() {
	local dir=$1 n=$2 args=$3 i
	run_scripts "$dir/service" "$n" "$args"
	# runsvdir does not scan a directory changed within the current second
	# (it waits for the next one); a real service directory is older.
	touch -d '-1 min' "$dir/service"
}

conf_s6() {
	local dir=$1 n=$2 args=$3 i
	run_scripts "$dir/scan" "$n" "$args"
}

# With SOCKET, supervisord also listens there for supervisorctl.
conf_supervisord() {
	local dir=$1 n=$2 args=$3 sock=${4-} i
	{
		if [ -n "$sock" ]; then
			cat <<EOF
[unix_http_server]
file=$sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$sock

EOF
		fi
		cat <<EOF
[supervisord]
nodaemon=true
logfile=/dev/stdout
logfile_maxbytes=0
pidfile=$dir/supervisord.pid
childlogdir=$dir
minfds=$((n * 4 + 1024))

EOF
		for i in $(seq "$n"); do
			cat <<EOF
[program:s$i]
command=$BSVC${args//%i/$i}
startsecs=0
autorestart=true
stopwaitsecs=5
redirect_stderr=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0

EOF
		done
	} >"$dir/supervisord.conf"
}

# Stops every probe reaper in REAPERS (and, through /proc, everything under it).
bench_cleanup() {
	local r i
	for r in "${REAPERS[@]}"; do
		kill -0 "$r" 2>/dev/null || continue
		"$WORK/probe" kill "$r" || true
		for i in $(seq 100); do
			kill -0 "$r" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$r" 2>/dev/null || true
		wait "$r" 2>/dev/null || true
	done
	REAPERS=()
}
