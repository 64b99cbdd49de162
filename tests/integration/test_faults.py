"""Faults over a real TCP hop: refused, hanging and truncating upstreams."""

import socket
import threading
import time

import pytest
import requests

from bff import create_app
from tests.servers import free_port, serve_app

from .conftest import ADMIN_KEY, JWT_SECRET, Browser, token_for


class RawUpstream:
    """A one-trick TCP server: answers provision normally, then misbehaves on purpose."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            request = conn.recv(65536)
            if b"/v1/admin/provision" in request:
                body = b'{"apiKey": "ck_live_fault_key"}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                             % (len(body), body))
                return
            self.behaviour(conn)

    def close(self):
        self.stopped.set()
        self.sock.close()


def truncated_pdf(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"
                 b"Content-Length: 1000000\r\nConnection: close\r\n\r\n%PDF-1.4 " + b"x" * 5000)


def hang(conn):
    time.sleep(3)


@pytest.fixture
def bff_against():
    started = []

    def start(behaviour, timeout="0.5,1"):
        upstream = RawUpstream(behaviour)
        app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": upstream.url,
                          "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": timeout})
        server = serve_app(app)
        started.append((upstream, server))
        return Browser(server.__enter__(), token_for("fay", ("acme",)))

    yield start
    for upstream, server in started:
        server.__exit__(None, None, None)
        upstream.close()


def test_truncated_download_is_an_aborted_transfer_never_a_complete_file(bff_against):
    browser = bff_against(truncated_pdf)
    response = browser.get("/renders/r1/download", stream=True)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "1000000"
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        response.content  # noqa: B018 - reading the body is the point


def test_hanging_upstream_answers_504_within_the_timeout(bff_against):
    browser = bff_against(hang, timeout="0.5,1")
    started = time.monotonic()
    response = browser.post("/session", {"mode": "create"})
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json()["error"] == "craftkit_timeout"
    assert elapsed < 2.5


def test_refused_connection_answers_503_fast():
    app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY,
                      "CRAFTKIT_BASE_URL": f"http://127.0.0.1:{free_port()}",
                      "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET})
    with serve_app(app) as url:
        started = time.monotonic()
        response = Browser(url, token_for("fay", ("acme",))).post("/session", {"mode": "create"})
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["error"] == "craftkit_unavailable"
    assert elapsed < 1.5
