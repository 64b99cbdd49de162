"""The production server behind ``craftkit-bff serve``: the BFF under granian, behind the gate.

granian parses HTTP in Rust, so a client that sends its head slowly holds a socket, never
a thread, and the server's own cost per request is a fraction of gunicorn gthread's
(benchmarks/README.md has the figures). Its WSGI interface would hand a request to a
thread before the body has arrived, so by default each worker runs granian's ASGI
interface with the gate in front of the app (``bff.ops.gate``: bodies gathered on the
event loop, within a deadline and a size cap, then the app on a thread); ``--no-body-gate``
runs the WSGI interface directly, for a deployment whose proxy buffers whole requests.
Worker processes are forked from this one after it has checked the configuration, and each
builds its own app. This module imports neither Flask nor the metrics library at import
time: the metrics directory must be in the environment before either is loaded.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, Settings, declared, server_settings
from .logs import configure_logging

if TYPE_CHECKING:
    from flask import Flask

    from .gate import Gate

METRICS_DIR_PREFIX = "craftkit-bff-metrics-"
# granian reads whole requests before a thread sees them, so it can face clients directly.
DEFAULT_BIND = "0.0.0.0:8000"
# Above CRAFTKIT_TIMEOUT's read timeout, like gunicorn's graceful_timeout: a worker told to
# stop finishes what it is serving, and is killed only after this many seconds.
GRACEFUL_TIMEOUT = 30
_BIND = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]]+)):(?P<port>[0-9]{1,5})")


def parse_bind(bind: str) -> tuple[str, int]:
    """Split ``HOST:PORT`` (or ``[IPv6]:PORT``) into host and port, or raise ConfigError."""
    match = _BIND.fullmatch(bind.strip())
    port = int(match["port"]) if match else 0
    if not match or not 0 < port < 65536:
        raise ConfigError(f"The bind address {bind!r} is not HOST:PORT (e.g. 0.0.0.0:8000).")
    return match["v6"] or match["host"], port


def default_workers() -> int:
    """One worker per core this process may run on (WEB_CONCURRENCY overrides it).

    sched_getaffinity honours taskset and cgroup cpusets where cpu_count does not, and two
    workers sharing one core cost more CPU per request than one.
    """
    value = os.environ.get("WEB_CONCURRENCY")
    if value is not None:
        if not value.isdigit() or int(value) < 1:
            raise ConfigError("WEB_CONCURRENCY must be a whole number of workers, at least 1.")
        return int(value)
    return len(os.sched_getaffinity(0)) or 1


@contextmanager
def metrics_directory(settings: Settings) -> Iterator[str | None]:
    """Give the workers one directory for their metrics, removed when the server exits.

    Every worker writes its samples there so /metrics adds them up, whichever worker
    answers. An operator's own PROMETHEUS_MULTIPROC_DIR is used and left alone.
    """
    if not settings.metrics or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        return
    path = tempfile.mkdtemp(prefix=METRICS_DIR_PREFIX)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    try:
        yield path
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(path, ignore_errors=True)


def forget_dead_workers(directory: str | None) -> None:
    """Drop the live gauges of worker processes that are gone (a crash, a respawn)."""
    if not directory:
        return
    from prometheus_client import multiprocess

    for pid in {_pid_of(path) for path in Path(directory).glob("gauge_live*_*.db")}:
        if pid is not None and not _alive(pid):
            multiprocess.mark_process_dead(pid, directory)


def _pid_of(path: Path) -> int | None:
    tail = path.stem.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# granian's own lines (start, workers, shutdown) go through the root logger, so they share
# the format bff.logs gives every other line. Python's dictConfig closes the handlers it
# replaces, so this names none: the root handler bff.logs installed stays in place.
GRANIAN_LOGGING = {"version": 1, "disable_existing_loggers": False, "formatters": {},
                   "handlers": {}, "loggers": {"_granian": {"propagate": True},
                                               "granian.access": {"propagate": True}}}


def scrub_secrets(environ: MutableMapping[str, str] | None = None) -> None:
    """Remove secret settings from the environment once the app has read them.

    granian copies the process environment into every request's WSGI environ; without
    this, the admin key would ride along with each request, one error reporter away from
    a log or a crash report.
    """
    target = os.environ if environ is None else environ
    for item in declared():
        if item.secret:
            target.pop(item.env, None)


def worker_app() -> Flask:
    """Build one worker's app: granian calls this once in each worker process."""
    from .. import create_app

    forget_dead_workers(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    app = create_app()
    scrub_secrets()
    return app


def gated_worker_app() -> Gate:
    """Build one worker's app behind the gate (granian calls this in each worker process)."""
    from ..state import bff_state
    from .gate import Gate

    app = worker_app()
    settings = bff_state(app).settings
    return Gate(app, threads=settings.threads, max_body=settings.max_body,
                body_timeout=settings.body_timeout, stall=settings.download_stall)


def serve(bind: str | None = None, workers: int | None = None,
          threads: int | None = None, body_gate: bool = True) -> int:
    """Run the BFF under granian until SIGINT/SIGTERM; return the exit status.

    Defaults: CRAFTKIT_BIND, one worker per available core, CRAFTKIT_THREADS threads each,
    and the gate in front of the app (``body_gate=False``: granian's WSGI interface).
    """
    from granian.constants import HTTPModes, Interfaces, Loops, TaskImpl
    from granian.log import LogLevels
    from granian.server import Server

    settings = server_settings()
    host, port = parse_bind(bind or settings.bind or DEFAULT_BIND)
    workers = workers or default_workers()
    threads = threads or settings.threads
    if workers < 1 or threads < 1:
        raise ConfigError("--workers and --threads must be at least 1.")
    configure_logging(settings.log_level, settings.log_format)
    # The app sizes its download slots from the threads it really has (bff/api/slots.py).
    os.environ["CRAFTKIT_THREADS"] = str(threads)
    with metrics_directory(settings):
        _check_app()
        common: dict[str, Any] = dict(
            address=host, port=port, workers=workers, http=HTTPModes.http1, websockets=False,
            respawn_failed_workers=True, workers_kill_timeout=GRACEFUL_TIMEOUT,
            log_level=LogLevels(settings.log_level), log_dictconfig=GRANIAN_LOGGING)
        if body_gate:
            # The gate's deadlines cancel its own task: asyncio's tasks, on uvloop if present.
            server = Server("bff.ops.server:gated_worker_app", interface=Interfaces.ASGINL,
                            loop=_fastest_loop(Loops), task_impl=TaskImpl.asyncio, **common)
            server.serve(target_loader=gated_worker_app, wrap_loader=False)
        else:
            server = Server("bff.ops.server:worker_app", interface=Interfaces.WSGI,
                            blocking_threads=threads, **common)
            server.serve(target_loader=worker_app, wrap_loader=False)
    return 0


def _fastest_loop(loops: Any) -> Any:
    """uvloop when it is installed (it makes the gate's hand-overs nearly free), else asyncio."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return loops.asyncio
    return loops.uvloop


def _check_app() -> None:
    """Build the app once here, so a bad configuration fails before any worker starts.

    Its pools (Craftkit's, the registry's) are closed at once and the app dropped, so that
    no connection opened here is shared with the workers forked afterwards.
    """
    from .. import create_app
    from ..state import bff_state

    bff_state(create_app()).close()
    gc.collect()  # the app holds reference cycles: free it now, not after the fork
