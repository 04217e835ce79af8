# The scratch image of scripts/container-test: tend taken from tend:bin the
# way a user's Dockerfile takes it, one static program (testchild, linked
# statically, from tend:testimage) and a config file; nothing else: no libc,
# no shell, no /etc/passwd, no /run. Built with this directory as context:
#   docker build -f tests/container/scratch.Dockerfile tests/container
# The two image names are the tags scripts/container-test gives them.
FROM scratch
COPY --from=tend:bin /usr/bin/tend /usr/bin/tendctl /usr/bin/
COPY --from=tend:testimage /usr/local/bin/testchild /testchild
COPY scratch.conf /etc/tend.conf
ENTRYPOINT ["/usr/bin/tend", "--"]
CMD ["/testchild", "sleep"]
STOPSIGNAL SIGTERM
