# tend in a container: a static binary on debian:bookworm-slim.
#
#   docker build --network host -t tend .               # the slim image
#   docker build --network host --target testimage .    # + testchild, for tests
# (--network host: apt-get in the build stage needs the host's network.
# scripts/container-test builds with the classic builder, DOCKER_BUILDKIT=0.)
#
# The slim image runs its command under tend as PID 1:
#   docker run --rm tend my-app --flag
# Images based on it keep the entrypoint and set their own CMD.

FROM debian:bookworm-slim AS build
# Lets scripts/container-test prune this stage's outdated images, and only them.
LABEL tend.stage=build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc libc6-dev meson ninja-build pkg-config libev-dev libconfuse-dev \
      libjansson-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN meson setup /build -Dstatic=true \
 && ninja -C /build tend tendctl tests/helpers/testchild \
 && strip /build/tend /build/tendctl /build/tests/helpers/testchild

# tend alone; the last stage (slim) is this image under its own name.
FROM debian:bookworm-slim AS runtime
COPY --from=build /build/tend /usr/bin/tend
COPY --from=build /build/tendctl /usr/bin/tendctl
ENTRYPOINT ["/usr/bin/tend", "--"]
CMD ["/bin/sh"]
STOPSIGNAL SIGTERM

# Used only by scripts/container-test.
FROM runtime AS testimage
COPY --from=build /build/tests/helpers/testchild /usr/local/bin/testchild

FROM runtime AS slim
