"""A TCP fault proxy between the BFF and the emulator, for fault-injection tests.

Modes: ``pass`` (forward), ``refuse`` (nothing listens), ``delay`` (forward after a
pause), ``reset`` (forward part of the answer, then RST), ``error`` (answer 503 itself),
``truncate`` (forward the head and part of the body, then close cleanly), ``hang``
(accept and never answer). Changing the mode affects new connections at once.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time

from .servers import RawSocketServer

ERROR_ANSWER = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")


class FaultProxy(RawSocketServer):
    """Forward 127.0.0.1:<port> to a target, misbehaving on demand."""

    def __init__(self, target_port: int, delay: float = 2.0, keep_bytes: int = 600) -> None:
        self.target_port = target_port
        self.delay = delay
        self.keep_bytes = keep_bytes
        self.mode = "pass"
        self._modes = threading.Lock()
        super().__init__()

    def set(self, mode: str) -> None:
        """Switch fault mode; ``refuse`` closes the listening socket until another mode."""
        with self._modes:
            if mode == "refuse":
                self.stop_listening()
            else:
                self.listen_again()
            self.mode = mode

    def handle(self, client: socket.socket) -> None:
        self._handle(client, self.mode)

    def _handle(self, client: socket.socket, mode: str) -> None:
        with client:
            if mode == "hang":
                self.stopped.wait(60)
                return
            if mode == "error":
                _read_request(client)
                client.sendall(ERROR_ANSWER)
                return
            if mode == "delay":
                time.sleep(self.delay)
            try:
                with socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
                    self._pump(client, upstream, mode)
            except OSError:
                pass  # either side hung up or reset: the proxied exchange is over

    def _pump(self, client: socket.socket, upstream: socket.socket, mode: str) -> None:
        sent_back = 0
        sockets = [client, upstream]
        while not self.stopped.is_set():
            readable, _, _ = select.select(sockets, [], [], 0.5)
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                if source is client:
                    upstream.sendall(data)
                    continue
                if mode in ("reset", "truncate") and sent_back + len(data) > self.keep_bytes:
                    client.sendall(data[: self.keep_bytes - sent_back])
                    if mode == "reset":  # SO_LINGER 0 makes close() send an RST
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
                    return
                client.sendall(data)
                sent_back += len(data)


def _read_request(client: socket.socket) -> None:
    client.settimeout(2)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return
            data += chunk
    except OSError:
        return
