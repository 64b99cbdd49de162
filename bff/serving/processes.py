"""The process side of running the BFF, shared by ``craftkit-bff serve`` and gunicorn.

Bind addresses, the number of workers, the metrics directory every worker writes to, the
graceful stop timeout, and the secrets dropped from a worker's environment once its app
has read them. Nothing here imports Flask or the metrics library at import time: the
metrics directory must be in the environment before either is loaded.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path

from ..config import ConfigError, Settings, declared

METRICS_DIR_PREFIX = "craftkit-bff-metrics-"
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
