"""Real servers for tests, on free 127.0.0.1 ports, stopped promptly afterwards.

- ``serve_app(app)`` / ``WsgiServer``: a WSGI app under werkzeug, in a thread of this process.
- ``run_process(args, ...)``: a server process, waited for until it answers, then stopped by
  its process group; ``bff_command`` builds the two production commands (``SERVERS``).
- ``RawSocketServer``: the base of the hand-written TCP doubles (a thread per connection).

Prompt stops are hand-written because socketserver has none: ``serve_forever`` notices a
``shutdown()`` only when its ``select()`` wakes, every ``poll_interval`` (0.5 s by default),
so each teardown waited up to half a second. ``WsgiServer.stop`` wakes it at once with a
connection (as the stdlib's own comment there suggests), and ``RawSocketServer.close``
shuts the listening socket down, which wakes a thread blocked in ``accept()``.
"""

from __future__ import annotations

import contextlib
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
from werkzeug.serving import WSGIRequestHandler, make_server


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        """Keep request lines out of the test output."""


class WsgiServer:
    """Serve a WSGI app on a free loopback port in a thread until ``stop()``.

    ``ssl_context`` (a (cert, key) pair or an SSLContext) serves HTTPS; ``quiet`` keeps
    werkzeug's request lines out of the log.
    """

    def __init__(self, app, *, ssl_context=None, quiet: bool = False) -> None:
        handler = _QuietHandler if quiet else None
        self._server = make_server("127.0.0.1", 0, app, threaded=True,
                                   request_handler=handler, ssl_context=ssl_context)
        self.port = self._server.server_port
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving now: request the shutdown, then knock until the loop has seen it."""
        stopping = threading.Thread(target=self._server.shutdown, daemon=True)
        stopping.start()
        while stopping.is_alive():
            with contextlib.suppress(OSError):  # a knock wakes select(); the loop then exits
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            stopping.join(0.005)
        self._thread.join(5)
        self._server.server_close()


@contextmanager
def serve_app(app, **options) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port in a thread; yield its base URL."""
    server = WsgiServer(app, **options)
    try:
        yield server.url
    finally:
        server.stop()


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
        try:
            _stop_group(process)
        finally:
            if owned:
                output.close()


def _stop_group(process: subprocess.Popen) -> None:
    """Stop the process and its children by its own id (already gone is fine)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    except ProcessLookupError:  # it exited before it was ready, and its group with it
        process.wait(5)


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
    """A hand-written TCP server on a loopback port: a thread per connection.

    For doubles that must do what no server framework allows (drip bytes, tunnel, lie):
    subclasses implement ``handle(client)``. ``stop_listening()`` refuses new connections
    (the port is kept for ``listen_again()``); ``close()`` (or leaving the ``with`` block)
    stops for good: ``stopped`` is set, so handlers can end their waits early.
    """

    def __init__(self, port: int = 0) -> None:
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self.port = port
        self.listen_again()
        self.url = f"http://127.0.0.1:{self.port}"

    def handle(self, client: socket.socket) -> None:
        raise NotImplementedError

    def listen_again(self) -> None:
        """Listen (again) on the server's port."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener, self.port = listener, listener.getsockname()[1]
            self._accepting = threading.Thread(target=self._accept_loop, args=(listener,),
                                               daemon=True)
            self._accepting.start()

    def stop_listening(self) -> None:
        """Close the listening socket: new connections are refused until listen_again()."""
        with self._lock:
            listener, self._listener = self._listener, None
            accepting, self._accepting = self._accepting, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
            accepting.join(5)

    def close(self) -> None:
        """Stop for good: no new connections, and handlers see ``stopped``."""
        self.stopped.set()
        self.stop_listening()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()
