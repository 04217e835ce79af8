# tend's images: a static tend and tendctl, built on Debian 12.
#
#   docker build --network host --target bin -t tend:bin .              # scratch: the two binaries
#   docker build --network host --target slim -t tend .                 # debian:bookworm-slim + tend
#   docker build --network host --target web-stack -t tend:web-stack .  # examples/web-stack
#
# --network host: apt-get in the build stages needs the host's network.
# The classic builder (Docker 20.10's default, DOCKER_BUILDKIT=0, as
# scripts/container-test builds) runs every stage above the target, so
# stages are ordered cheapest first; BuildKit runs only what the target
# needs. Layers that install packages come before any COPY of the sources,
# so a source change rebuilds tend, never the package layers.
#
# In your own image, take the binaries from the `bin` stage; they need no
# libc, no NSS and no shell, so any base will do, scratch included:
#   COPY --from=tend:bin /usr/bin/tend /usr/bin/tendctl /usr/bin/

FROM debian:bookworm-slim AS build
# Lets scripts/container-test prune this stage's outdated images, and only them.
LABEL tend.stage=build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc libc6-dev meson ninja-build pkg-config libev-dev libconfuse-dev \
      libjansson-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# What `meson setup` reads, and no more: a change to the examples, the
# README or the container tests does not rebuild tend. A new subdir() in
# meson.build needs its directory here.
COPY meson.build meson_options.txt ./
COPY include include
COPY src src
COPY docs docs
COPY tests/helpers tests/helpers
COPY tests/unit tests/unit
COPY tests/integration tests/integration
COPY tests/install tests/install
COPY tests/fuzz tests/fuzz
COPY conf conf
RUN meson setup /build -Dstatic=true \
 && ninja -C /build tend tendctl tests/helpers/testchild \
 && strip /build/tend /build/tendctl /build/tests/helpers/testchild

# The two static binaries alone, for `COPY --from`. Run as an image it is
# tend as PID 1 with nothing else: `docker run --rm tend:bin /usr/bin/tend --version`.
FROM scratch AS bin
COPY --from=build /build/tend /build/tendctl /usr/bin/
ENTRYPOINT ["/usr/bin/tend", "--"]
STOPSIGNAL SIGTERM

# tend as the entrypoint of debian:bookworm-slim: `docker run IMAGE CMD...`.
FROM debian:bookworm-slim AS runtime
COPY --from=bin /usr/bin/tend /usr/bin/tendctl /usr/bin/
ENTRYPOINT ["/usr/bin/tend", "--"]
CMD ["/bin/sh"]
STOPSIGNAL SIGTERM

# Used only by scripts/container-test (testchild is static: the scratch
# tests take it from here).
FROM runtime AS testimage
COPY --from=build /build/tests/helpers/testchild /usr/local/bin/testchild

# examples/web-stack (nginx, a Flask app under gunicorn, redis, rsyslog,
# the node exporter) with tend as PID 1 in config mode. Its daemons listen
# on 127.0.0.1 only: try it from inside, with `docker exec`.
FROM debian:bookworm-slim AS web-stack
# Debian's install scripts would start each daemon through its init
# script; policy-rc.d exiting 101 says "start nothing" (tend starts them).
# procps: ps and kill, to look around with `docker exec`.
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d \
 && chmod 755 /usr/sbin/policy-rc.d \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      redis-server redis-tools nginx gunicorn python3-flask python3-redis \
      prometheus-node-exporter rsyslog procps \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d
COPY --from=bin /usr/bin/tend /usr/bin/tendctl /usr/bin/
COPY examples/web-stack/ /opt/web-stack/
COPY examples/web-stack/tend.conf /etc/tend.conf
# Read by tend.conf: where `prepare` and the files it copies are, and the
# state directory `prepare` makes.
ENV WEBSTACK_DIR=/opt/web-stack WEBSTACK_STATE=/var/lib/tend-web-stack
# `docker run IMAGE -- CMD...` adds CMD as the main service.
ENTRYPOINT ["/usr/bin/tend", "-c", "/etc/tend.conf"]
CMD []
# tend's shutdown: services in reverse dependency order, within
# shutdown-timeout (9 s), inside docker stop's default 10 s.
STOPSIGNAL SIGTERM
# Healthy when every service is ready and none failed its health check.
# This engine (20.10) has no --start-interval: the interval is short.
HEALTHCHECK --interval=2s --timeout=2s --retries=3 CMD ["/usr/bin/tendctl", "check"]

# The default target: `docker build -t tend .` is runtime under its own name.
FROM runtime AS slim
