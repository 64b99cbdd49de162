"""Slow clients (slowloris) and the two production servers.

`craftkit-bff serve` (granian) reads a request's headers on its event loop, so connections
that never finish their headers take no request thread. The shipped gunicorn configuration
cannot do that (gthread workers read headers on a thread), which is why it listens on
loopback only unless told otherwise: it belongs behind a proxy that buffers whole requests
(README, "Deploy").
"""

import os
import socket
import subprocess
import sys
import time

import requests

from tests.support.servers import bff_command, free_port, run_process

from .conftest import ADMIN_KEY, JWT_SECRET

THREADS = 2
SLOW_CONNECTIONS = 24                      # twelve times the threads of the one worker


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
