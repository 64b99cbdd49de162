"""gunicorn settings for craftkit-bff; gunicorn reads this file from the working directory.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os
import tempfile

# The BFF spends almost all of a request waiting on Craftkit, so threads fit: gthread
# keeps many requests in flight per process with no monkey-patching of requests/urllib3
# (gevent would patch the socket layer under every library). One process per core uses
# the CPU; threads cover the I/O wait. Each thread can hold one pooled upstream
# connection (the client's pool has 32 per process).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
threads = int(os.environ.get("CRAFTKIT_THREADS", 32))
bind = os.environ.get("CRAFTKIT_BIND", "0.0.0.0:8000")

# Above CRAFTKIT_TIMEOUT's read timeout, so a slow Craftkit yields our 504, not a kill.
timeout = 30
graceful_timeout = 30
keepalive = 5

# The BFF writes one log line per request itself; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("CRAFTKIT_LOG_LEVEL", "info")


def _metrics_enabled() -> bool:
    return os.environ.get("CRAFTKIT_METRICS", "").strip().lower() in {"1", "true", "yes", "on"}


# With metrics on, each worker writes its samples to files in one directory so /metrics
# can add them up, whichever worker answers the scrape.
if _metrics_enabled() and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="craftkit-bff-metrics-")


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the aggregated metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
