"""The test servers themselves (tests/support/servers.py): they stop at once when told, and
a server process that dies at start is reported, not hidden."""

from __future__ import annotations

import socket
import sys
import time

import pytest
import requests
from flask import Flask

from tests.support.servers import RawSocketServer, WsgiServer, free_port, run_process, serve_app


class Greeter(RawSocketServer):
    def handle(self, client: socket.socket) -> None:
        with client:
            client.sendall(b"hello")


def seconds_to_stop() -> float:
    server = WsgiServer(Flask("stopping"))
    time.sleep(0.05)  # serving, so a polling loop would now sleep through most of its poll
    started = time.monotonic()
    server.stop()
    return time.monotonic() - started


def test_a_served_app_stops_without_waiting_for_its_poll():
    # socketserver notices a shutdown only every poll_interval (0.5 s) unless woken.
    assert min(seconds_to_stop() for _ in range(3)) < 0.2


def test_a_served_app_answers_until_stopped_and_not_after():
    app = Flask("greeting")
    app.add_url_rule("/", "hello", lambda: "hello")
    with serve_app(app) as url:
        assert requests.get(url, timeout=5).text == "hello"
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)


def test_a_raw_socket_server_closes_its_accept_thread_and_port_at_once():
    server = Greeter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        assert client.recv(5) == b"hello"
    accepting = server._accepting
    started = time.monotonic()
    server.close()
    assert time.monotonic() - started < 1 and not accepting.is_alive()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5)


def test_a_raw_socket_server_listens_again_on_its_port():
    with Greeter() as server:
        port = server.port
        server.stop_listening()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        server.listen_again()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            assert (server.port, client.recv(5)) == (port, b"hello")


def test_a_process_that_exits_before_it_is_ready_is_reported_with_its_output():
    # Its process group is gone by the time the stop runs: that must neither hide the
    # report nor leave the output file open (a warning a later test would fail on).
    command = [sys.executable, "-c", "print('bad settings'); raise SystemExit(3)"]
    with pytest.raises(RuntimeError, match="exited with 3:\nbad settings"):
        with run_process(command, {}, f"http://127.0.0.1:{free_port()}/"):
            pass
