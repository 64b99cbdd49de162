"""The production server behind ``craftkit-bff serve``: the BFF under granian, behind the gate.

granian parses HTTP in Rust, so a client that sends its head slowly holds a socket, never
a thread, and the server's own cost per request is a fraction of gunicorn gthread's
(benchmarks/README.md has the figures). Its WSGI interface would hand a request to a
thread before the body has arrived, so by default each worker runs granian's ASGI
interface with the gate in front of the app (``bff.serving.gate``: bodies gathered on the
event loop, within a deadline and a size cap, then the app on a thread); ``--no-body-gate``
runs the WSGI interface directly, for a deployment whose proxy buffers whole requests.
Worker processes are forked from this one after it has checked the configuration, and each
builds its own app. This module imports neither Flask nor the metrics library at import
time: the metrics directory must be in the environment before either is loaded.
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, server_settings
from ..ops.logs import configure_logging
from .processes import (
    GRACEFUL_TIMEOUT,
    default_workers,
    forget_dead_workers,
    metrics_directory,
    parse_bind,
    scrub_secrets,
)

if TYPE_CHECKING:
    from flask import Flask

    from .gate import Gate

# granian reads whole requests before a thread sees them, so it can face clients directly.
DEFAULT_BIND = "0.0.0.0:8000"


# granian's own lines (start, workers, shutdown) go through the root logger, so they share
# the format bff.logs gives every other line. Python's dictConfig closes the handlers it
# replaces, so this names none: the root handler bff.logs installed stays in place.
GRANIAN_LOGGING = {"version": 1, "disable_existing_loggers": False, "formatters": {},
                   "handlers": {}, "loggers": {"_granian": {"propagate": True},
                                               "granian.access": {"propagate": True}}}


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
            server = Server("bff.serving.serve:gated_worker_app", interface=Interfaces.ASGINL,
                            loop=_fastest_loop(Loops), task_impl=TaskImpl.asyncio, **common)
            server.serve(target_loader=gated_worker_app, wrap_loader=False)
        else:
            server = Server("bff.serving.serve:worker_app", interface=Interfaces.WSGI,
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
