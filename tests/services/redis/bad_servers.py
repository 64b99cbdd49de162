"""Loopback TCP servers that misbehave like a broken Redis: silent, garbage, reset."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.servers import RawSocketServer


class BadRedis(RawSocketServer):
    """Accept connections and answer them with one misbehaviour."""

    def __init__(self, behaviour: str) -> None:
        self.behave = getattr(self, f"_{behaviour}")
        self.connections: list[socket.socket] = []
        super().__init__()

    def handle(self, client: socket.socket) -> None:
        self.connections.append(client)
        with client:
            self.behave(client)

    def close(self) -> None:
        super().close()
        for client in self.connections:
            client.close()

    def _silent(self, client: socket.socket) -> None:
        self.stopped.wait()  # accept, read nothing, answer nothing

    def _garbage(self, client: socket.socket) -> None:
        while not self.stopped.is_set():
            try:
                if not client.recv(65536):
                    return
                client.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n\x00\xff{not redis}\r\n")
            except OSError:
                return

    def _reset(self, client: socket.socket) -> None:
        # SO_LINGER 0: close() sends RST, like a crashing peer or a middlebox killing the flow.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@contextmanager
def bad_redis(behaviour: str) -> Iterator[str]:
    """Serve one misbehaviour on a free loopback port; yield its redis:// URL."""
    with BadRedis(behaviour) as server:
        yield f"redis://127.0.0.1:{server.port}/0"
