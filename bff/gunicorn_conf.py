"""gunicorn settings for craftkit-bff, shipped inside the package.

Use it from any directory: ``gunicorn -c python:bff.gunicorn_conf bff.wsgi:app`` (the
repository's own gunicorn.conf.py imports this file, so a plain ``gunicorn wsgi:app`` there
reads it too). Every value can be overridden on the command line or with GUNICORN_CMD_ARGS;
the CRAFTKIT_* ones are parsed by the same declarations as the app's (bff/config.py).

gthread workers read a request's headers on one of their threads, so a client that sends
them slowly holds that thread (slowloris, measured in benchmarks/): gunicorn must sit behind
a proxy that buffers whole requests (nginx, HAProxy, a cloud load balancer), and unless
CRAFTKIT_BIND says otherwise this configuration listens on loopback only, for that proxy.
``craftkit-bff serve`` has no such limit.
"""

import os
import shutil
import tempfile

from bff.config import server_settings
from bff.serving.processes import GRACEFUL_TIMEOUT, METRICS_DIR_PREFIX, default_workers

_settings = server_settings()

# The BFF spends almost all of a request waiting on Craftkit, so threads fit: gthread
# keeps many requests in flight per process with no monkey-patching of requests/urllib3.
# Measured (benchmarks/, mint at 50 ms upstream latency): gevent used more CPU per request
# than gthread and, at 256 connections, let some wait seconds (p99 2.4 s vs 0.6-0.8 s).
worker_class = "gthread"
# One process per core this process may run on (WEB_CONCURRENCY overrides it).
workers = default_workers()
# Keep-alive connections stick to the worker that accepted them, and the kernel does not
# spread them evenly, so a worker needs threads for more than its fair share: at 64
# connections and 50 ms latency, 2 x 32 threads served ~585 req/s, 2 x 64 ~710. Each
# thread can hold one pooled upstream connection (the client's pool has 128 per process).
threads = _settings.threads
bind = _settings.bind or "127.0.0.1:8000"

# Above CRAFTKIT_TIMEOUT's read timeout, so a slow Craftkit yields our 504, not a kill.
timeout = 30
graceful_timeout = GRACEFUL_TIMEOUT
keepalive = 5

# The BFF writes one log line per request itself; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = _settings.log_level

# With metrics on, each worker writes its samples to files in one directory so /metrics
# can add them up, whichever worker answers the scrape. The directory is ours to remove
# at exit only if we made it; the marker survives gunicorn re-reading this file on HUP.
_OWNED = "CRAFTKIT_BFF_OWNED_METRICS_DIR"
if _settings.metrics and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=METRICS_DIR_PREFIX)
    os.environ[_OWNED] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def post_fork(server, worker):
    """Tell the worker's app how many threads it really has (--threads may override ours)."""
    os.environ["CRAFTKIT_THREADS"] = str(server.cfg.threads)


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the aggregated metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory this configuration made, so none is left behind."""
    owned = os.environ.get(_OWNED)
    if owned and owned == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(owned, ignore_errors=True)
