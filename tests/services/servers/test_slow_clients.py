"""Slow clients (slowloris, slow bodies) and the two production servers.

`craftkit-bff serve` (granian) reads a request's headers on its event loop, and its gate
reads the body there too, so connections that never finish either take no request thread.
The shipped gunicorn configuration cannot do that (gthread workers read requests on a
thread), which is why it listens on loopback only unless told otherwise: it belongs behind
a proxy that buffers whole requests (README, "Deploy").
"""

import os
import socket
import subprocess
import sys
import time

import jwt
import pytest
import requests

from tests.support.servers import bff_command, free_port, run_process

from .conftest import ADMIN_KEY, JWT_SECRET

THREADS = 2
SLOW_CONNECTIONS = 24                      # twelve times the threads of the one worker


def bearer() -> str:
    """A signed-in user's Authorization header value (slow bodies come from real users)."""
    token = jwt.encode({"sub": "ada", "orgs": ["acme"], "exp": int(time.time()) + 60},
                       JWT_SECRET, algorithm="HS256")
    return f"Bearer {token}"


@pytest.fixture
def gated_serve(emulator_url):
    """`craftkit-bff serve`, one worker of two threads, bodies due within 1 s."""
    port = free_port()
    env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
           "CRAFTKIT_BASE_URL": emulator_url, "CRAFTKIT_BODY_TIMEOUT": "1"}
    url = f"http://127.0.0.1:{port}"
    with run_process(bff_command("serve", port, workers=1, threads=THREADS), env,
                     url + "/healthz"):
        yield url, port


def slow_bodies(port: int, count: int) -> list[socket.socket]:
    """Open connections that send a signed-in POST's head and 1 byte of its 100-byte body."""
    head = (f"POST /api/craftkit/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
            f"{bearer()}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{")
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(head.encode())
        socks.append(sock)
    return socks


def test_serve_answers_while_slow_bodies_hold_more_connections_than_it_has_threads(
        gated_serve):
    # Before: each of these held one of the worker's threads, and /healthz waited.
    url, port = gated_serve
    slow = slow_bodies(port, SLOW_CONNECTIONS)
    try:
        time.sleep(0.3)
        started = time.monotonic()
        health = requests.get(url + "/healthz", timeout=5)
        mint = requests.post(url + "/api/craftkit/session", json={"mode": "create"},
                             headers={"Authorization": bearer()}, timeout=5)
        elapsed = time.monotonic() - started
    finally:
        for sock in slow:
            sock.close()
    assert (health.status_code, mint.status_code) == (200, 200)
    assert elapsed < 1, f"requests waited {elapsed:.2f} s behind slow bodies"


def test_serve_answers_a_body_that_does_not_arrive_in_time_with_408(gated_serve):
    _, port = gated_serve
    (sock,) = slow_bodies(port, 1)
    with sock:
        sock.settimeout(5)
        started = time.monotonic()
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"error": "request_timeout"' in answer
    assert 0.9 < time.monotonic() - started < 3


def test_serve_answers_while_slow_clients_hold_more_connections_than_it_has_threads(
        emulator_url):
    port = free_port()
    env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
           "CRAFTKIT_BASE_URL": emulator_url}
    url = f"http://127.0.0.1:{port}"
    with run_process(bff_command("serve", port, workers=1, threads=THREADS), env,
                     url + "/healthz"):
        slow = []
        try:
            for _ in range(SLOW_CONNECTIONS):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                slow.append(sock)
            time.sleep(0.5)                # let the server accept every one of them
            started = time.monotonic()
            answer = requests.get(url + "/healthz", timeout=5)
            elapsed = time.monotonic() - started
        finally:
            for sock in slow:
                sock.close()
    assert answer.status_code == 200
    assert elapsed < 2, f"a normal request waited {elapsed:.2f} s behind slow clients"


def test_the_shipped_gunicorn_configuration_listens_on_loopback_unless_told():
    def bind_with(**env: str) -> str:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CRAFTKIT_")}
        return subprocess.run(
            [sys.executable, "-c", "import bff.gunicorn_conf as c; print(c.bind)"],
            env={**clean, **env}, capture_output=True, text=True, check=True).stdout.strip()

    assert bind_with() == "127.0.0.1:8000"
    assert bind_with(CRAFTKIT_BIND="0.0.0.0:9000") == "0.0.0.0:9000"
