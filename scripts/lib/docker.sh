# shellcheck shell=bash
# Docker engine and base image for the container tests. Sourced, not run.
#
# Machines of this kind have no systemd and no registry: the engine is
# started here by pid and stopped by that pid, and debian:bookworm-slim is
# built locally with debootstrap.
#
#   docker_setup WORKDIR   install what is missing, make sure an engine
#                          answers (start one when none does), make sure
#                          the base image exists (logs go to WORKDIR); the
#                          three steps are docker_install, docker_engine_start
#                          WORKDIR and docker_base_image WORKDIR
#   docker_rm NAME...      remove containers, wait for their shims to end
#   docker_teardown        stop the engine docker_setup started, if any
#
# Uses the Debian client explicitly: a newer client elsewhere on PATH may
# speak an API version the 20.10 engine does not.

# shellcheck source=scripts/lib/deps.sh
. "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd
BASE_IMAGE=debian:bookworm-slim

docker_engine_pid=
docker_engine_log=

docker_note() { printf 'docker: %s\n' "$*"; }
docker_err() { printf 'docker: error: %s\n' "$*" >&2; }

# Install docker.io and debootstrap when any of their programs is missing.
docker_install() {
	local policy=/usr/sbin/policy-rc.d had_policy=1 rc=0
	if [ -x "$DOCKER" ] && [ -x "$DOCKERD" ] &&
		command -v debootstrap >/dev/null 2>&1; then
		return 0
	fi
	# docker.io's install script would start the daemon through its init
	# script; docker_engine_start starts it instead, by pid.
	if [ ! -e "$policy" ] && [ "$(id -u)" = 0 ]; then
		had_policy=0
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
	fi
	tend_install_packages docker.io debootstrap || rc=$?
	[ "$had_policy" = 1 ] || rm -f "$policy"
	[ "$rc" = 0 ] || docker_err "cannot install docker.io debootstrap"
	return "$rc"
}

docker_answers() {
	timeout 10 "$DOCKER" info >/dev/null 2>&1
}

# Start dockerd in the background unless an engine already answers.
docker_engine_start() {
	local workdir=$1 deadline
	if docker_answers; then
		docker_note "using the engine that is already running"
		return 0
	fi
	docker_engine_log=$workdir/dockerd.log
	# The daemon holds none of our fds: a pipe we write to (| tee) must
	# see its end when we are done, not when the daemon is.
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -le 2 ] || eval "exec $fd>&-"
		done
		exec "$DOCKERD" --bridge=none --iptables=false --ip-masq=false
	) </dev/null >"$docker_engine_log" 2>&1 &
	docker_engine_pid=$!
	docker_note "started dockerd (pid $docker_engine_pid, log $docker_engine_log)"
	deadline=$((SECONDS + 60))
	until docker_answers; do
		if ! kill -0 "$docker_engine_pid" 2>/dev/null; then
			docker_err "dockerd exited at start; its log ends with:"
			tail -n 20 "$docker_engine_log" >&2
			wait "$docker_engine_pid" 2>/dev/null
			docker_engine_pid=
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			docker_err "dockerd did not answer within 60 s; its log ends with:"
			tail -n 20 "$docker_engine_log" >&2
			return 1
		fi
		sleep 0.2
	done
}

# Stop the engine docker_engine_start started (nothing if it found one).
docker_engine_stop() {
	local pid=$docker_engine_pid deadline
	[ -n "$pid" ] || return 0
	docker_engine_pid=
	kill -TERM "$pid" 2>/dev/null || return 0
	deadline=$((SECONDS + 30))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			docker_err "dockerd (pid $pid) still running 30 s after TERM: KILL"
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	docker_note "stopped dockerd (pid $pid)"
	return 0
}

# The Debian mirror apt uses: deb822 .sources or one-line .list format.
docker_mirror() {
	local f url
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# The first URIs of a stanza with a plain "bookworm"-style suite
		# (not -security) that points at a debian archive.
		url=$(awk '
			/^[[:space:]]*$/ { if (u != "" && s) print u; u = ""; s = 0; next }
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-/) s = 1 }
			END { if (u != "" && s) print u }' "$f" | grep -m1 '/debian/\?$')
		[ -n "$url" ] && { printf '%s\n' "$url"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		url=$(awk '$1 == "deb" { sub(/\[[^]]*\][[:space:]]*/, "")
				if ($3 !~ /-/) { print $2; exit } }' "$f" |
			grep -m1 '/debian/\?$')
		[ -n "$url" ] && { printf '%s\n' "$url"; return 0; }
	done
	printf '%s\n' http://deb.debian.org/debian
}

# Unmount whatever a failed debootstrap left mounted under $1, then remove it.
docker_rm_rootfs() {
	local root=$1 m
	[ -n "$root" ] && [ -d "$root" ] || return 0
	awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf --one-file-system "$root"
}

# Build debian:bookworm-slim from debootstrap unless the engine has it.
docker_base_image() {
	local workdir=$1 mirror rootfs rc=0
	if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
		docker_note "base image $BASE_IMAGE present"
		return 0
	fi
	mirror=$(docker_mirror)
	rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/tend-rootfs.XXXXXX") || return 1
	docker_note "building $BASE_IMAGE with debootstrap from $mirror"
	if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
		>"$workdir/debootstrap.log" 2>&1; then
		docker_err "debootstrap failed; its log ends with:"
		tail -n 20 "$workdir/debootstrap.log" >&2
		docker_rm_rootfs "$rootfs"
		return 1
	fi
	rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
		"$rootfs"/var/cache/apt/archives/*.deb \
		"$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log \
		"$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
		"$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
	mkdir -p "$rootfs"/var/lib/apt/lists/partial
	tar -C "$rootfs" -c . |
		"$DOCKER" import \
			-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			-c 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null || rc=$?
	docker_rm_rootfs "$rootfs"
	if [ "$rc" != 0 ]; then
		docker_err "docker import failed ($rc)"
		return 1
	fi
	docker_note "base image $BASE_IMAGE imported"
}

# docker_rm NAME...: remove these containers (by force) and wait, with a
# deadline, until the containerd shims that ran them have exited too.
docker_rm() {
	local ids id deadline
	[ "$#" -gt 0 ] || return 0
	ids=$(timeout 60 "$DOCKER" inspect -f '{{.Id}}' "$@" 2>/dev/null)
	timeout 60 "$DOCKER" rm -f "$@" >/dev/null 2>&1
	deadline=$((SECONDS + 10))
	for id in $ids; do
		while grep -qsaF -f <(printf '%s\n' "$id") /proc/[0-9]*/cmdline; do
			if [ "$SECONDS" -ge "$deadline" ]; then
				docker_err "the shim of container ${id:0:12} is still running"
				return 1
			fi
			sleep 0.05
		done
	done
}

docker_setup() {
	local workdir=$1
	docker_install && docker_engine_start "$workdir" &&
		docker_base_image "$workdir"
}

docker_teardown() {
	docker_engine_stop
}
