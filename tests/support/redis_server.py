"""A real redis-server for tests: on a free loopback port, stopped (by its pid) afterwards.

Debian's ``redis-server`` (``.ci/run`` installs it). Without it the tests skip, except under
CI (``CI=true``), where a missing server is a failure: the Redis tests must run there.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from .servers import free_port

REDIS_SERVER = os.environ.get("CRAFTKIT_REDIS_SERVER", "/usr/bin/redis-server")


def require_redis_server() -> str:
    """Return the redis-server path, or skip (fail under CI) when it is not installed."""
    path = REDIS_SERVER if os.path.exists(REDIS_SERVER) else shutil.which("redis-server")
    if path:
        return path
    reason = (f"redis-server not found at {REDIS_SERVER}: install Debian's 'redis-server' "
              "(or set CRAFTKIT_REDIS_SERVER) to run the Redis key-store tests")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


class RedisServer:
    """One redis-server process that can be stopped and started again on the same port."""

    def __init__(self, executable: str, port: int | None = None) -> None:
        self.executable = executable
        self.port = port or free_port()
        self.directory = tempfile.TemporaryDirectory(prefix="craftkit-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """Return a plain client of this server (for the tests' own inspection)."""
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        """Start the server (nothing persisted) and wait until it answers PING."""
        log = open(os.path.join(self.directory.name, "redis.log"), "ab")
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.directory.name,
             "--protected-mode", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING within 20 s")

    def stop(self) -> None:
        """Kill the server by its own pid (SIGKILL: a crash, not a graceful shutdown)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """Run a redis-server for the duration of the block."""
    server = RedisServer(require_redis_server())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.directory.cleanup()
