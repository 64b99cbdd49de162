"""gunicorn settings for craftkit-bff, shipped inside the package.

Use it from any directory: ``gunicorn -c python:bff.gunicorn_conf bff.wsgi:app`` (the
repository's own gunicorn.conf.py imports this file, so a plain ``gunicorn wsgi:app`` there
reads it too). Every value can be overridden on the command line or with GUNICORN_CMD_ARGS;
the CRAFTKIT_* ones are parsed by the same declarations as the app's (bff/config.py).
"""

import os
import tempfile

from bff.config import server_settings

_settings = server_settings()

# The BFF spends almost all of a request waiting on Craftkit, so threads fit: gthread
# keeps many requests in flight per process with no monkey-patching of requests/urllib3.
# Measured (benchmarks/, mint at 50 ms upstream latency): gevent used more CPU per request
# than gthread and, at 256 connections, let some wait seconds (p99 2.4 s vs 0.6-0.8 s).
worker_class = "gthread"
# One process per core this process may run on: sched_getaffinity honours taskset and
# cgroup cpusets where cpu_count does not, and two workers sharing one core cost more CPU
# per request than one.
workers = int(os.environ.get("WEB_CONCURRENCY", len(os.sched_getaffinity(0)) or 1))
# Keep-alive connections stick to the worker that accepted them, and the kernel does not
# spread them evenly, so a worker needs threads for more than its fair share: at 64
# connections and 50 ms latency, 2 x 32 threads served ~585 req/s, 2 x 64 ~710. Each
# thread can hold one pooled upstream connection (the client's pool has 128 per process).
threads = _settings.threads
bind = _settings.bind

# Above CRAFTKIT_TIMEOUT's read timeout, so a slow Craftkit yields our 504, not a kill.
timeout = 30
graceful_timeout = 30
keepalive = 5

# The BFF writes one log line per request itself; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = _settings.log_level

# With metrics on, each worker writes its samples to files in one directory so /metrics
# can add them up, whichever worker answers the scrape.
if _settings.metrics and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="craftkit-bff-metrics-")


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the aggregated metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
