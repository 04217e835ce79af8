"""The app of tend's web-stack example: a visit counter kept in redis.

    GET /        -> "visits: N" (N goes up by one on every request)
    GET /health  -> 200 "ok" when redis answers a PING, else 503: tend's
                   `ready` probe and `health-check` of the app (tend.conf)
    GET /slow?seconds=S -> "done" after S seconds (at most 5): a request in
                   flight, to watch graceful stops (nginx QUIT, gunicorn
                   TERM) let it finish

Served by gunicorn on 127.0.0.1:18000 behind nginx. Every visit is also
logged to the stack's syslog agent (rsyslog, UDP) so the logging agent has
real work to do. Settings come from the environment tend gives it
(examples/web-stack/tend.conf, service "app"):

    REDIS_URL    redis://127.0.0.1:16379/0
    SYSLOG_ADDR  127.0.0.1:15514
"""

import logging
import logging.handlers
import os
import time

import redis
from flask import Flask, request

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:16379/0")
SYSLOG_HOST, _, SYSLOG_PORT = os.environ.get("SYSLOG_ADDR", "127.0.0.1:15514").rpartition(":")

db = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)

log = logging.getLogger("webapp")
log.setLevel(logging.INFO)
_syslog = logging.handlers.SysLogHandler(
    address=(SYSLOG_HOST, int(SYSLOG_PORT)),
    facility=logging.handlers.SysLogHandler.LOG_LOCAL0,
)
# "webapp[PID]: message": rsyslog takes "webapp" as the tag.
_syslog.setFormatter(logging.Formatter("webapp[%(process)d]: %(message)s"))
log.addHandler(_syslog)

app = Flask(__name__)
log.info("worker started, redis at %s", REDIS_URL)


@app.get("/")
def index():
    n = db.incr("visits")
    log.info("visit %d", n)
    return f"visits: {n}\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/health")
def health():
    try:
        db.ping()
    except redis.RedisError as e:
        log.warning("health: redis: %s", e)
        return f"redis: {e}\n", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/slow")
def slow():
    seconds = min(max(request.args.get("seconds", 1.0, type=float), 0.0), 5.0)
    log.info("slow request: %g s", seconds)
    time.sleep(seconds)
    return f"done after {seconds:g} s\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
