"""Real HTTP servers for tests: a WSGI app on a free 127.0.0.1 port, stopped afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from werkzeug.serving import make_server


@contextmanager
def serve_app(app) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def run_process(args: list[str], env: dict[str, str], ready_url: str,
                timeout: float = 60, output=None, cwd: str | None = None,
                ) -> Iterator[subprocess.Popen]:
    """Start a server process, wait until ready_url answers, and stop it afterwards.

    Its output goes to a file, not a pipe: a server that logs every request would fill an
    unread pipe and then block mid-request. Pass ``output`` (a binary file) to read it.
    """
    owned = output is None
    output = tempfile.TemporaryFile() if owned else output
    process = subprocess.Popen(args, env={**os.environ, **env}, stdout=output,
                               stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd)
    try:
        _wait_until_up(process, ready_url, timeout, output)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        if owned:
            output.close()


def _wait_until_up(process: subprocess.Popen, url: str, timeout: float, output) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            text = output.read().decode(errors="replace")
            raise RuntimeError(f"server exited with {process.returncode}:\n{text}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:  # not listening yet, or too busy starting
            time.sleep(0.05)
    raise RuntimeError(f"server did not answer {url} within {timeout} s")


# The two ways the README tells users to run the BFF in production.
SERVERS = ("serve", "gunicorn")


def bff_command(server: str, port: int, workers: int = 2, threads: int = 4) -> list[str]:
    """Return the command that runs the BFF under `craftkit-bff serve` or gunicorn.

    gunicorn gets the configuration shipped in the package, so both run from any directory.
    """
    bind = f"127.0.0.1:{port}"
    if server == "serve":
        script = os.path.join(os.path.dirname(sys.executable), "craftkit-bff")
        return [script, "serve", "--bind", bind, "--workers", str(workers),
                "--threads", str(threads)]
    return [sys.executable, "-m", "gunicorn", "-c", "python:bff.gunicorn_conf",
            "bff.wsgi:app", "--bind", bind, "--workers", str(workers), "--threads",
            str(threads), "--no-control-socket"]


class RawSocketServer:
    """A hand-written TCP server on a free loopback port: a thread per connection.

    For doubles that must do what no server framework allows (drip bytes, tunnel, lie):
    subclasses implement ``handle(client)``; ``close()`` (or leaving the ``with`` block)
    stops accepting.
    """

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def handle(self, client: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()

