"""A tiny forward proxy for tests: CONNECT tunnels and absolute-form HTTP requests.

What corporate egress proxies do, and no more: ``CONNECT host:port`` answers 200 and pipes
bytes both ways (HTTPS), ``GET http://host:port/path`` is forwarded in origin form (HTTP).
It records each request line and the Proxy-Authorization it came with.
"""

from __future__ import annotations

import select
import socket
from urllib.parse import urlsplit

from tests.support.servers import RawSocketServer


class ForwardProxy(RawSocketServer):
    """Listen on 127.0.0.1:<port> and forward what clients ask for."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []  # (method, target, proxy auth)
        super().__init__()

    def handle(self, client: socket.socket) -> None:
        with client:
            head = _read_head(client)
            if head is None:
                return
            lines = head.split(b"\r\n")
            method, target, version = lines[0].decode().split(" ", 2)
            auth = next((line.split(b":", 1)[1].strip().decode() for line in lines[1:]
                         if line.lower().startswith(b"proxy-authorization:")), None)
            self.seen.append((method, target, auth))
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                with socket.create_connection((host, int(port)), timeout=5) as upstream:
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    self._pump(client, upstream, b"")
                return
            url = urlsplit(target)
            origin_form = (url.path or "/") + (f"?{url.query}" if url.query else "")
            kept = [line for line in lines[1:] if not line.lower().startswith(b"proxy-")]
            rewritten = b"\r\n".join([f"{method} {origin_form} {version}".encode(), *kept])
            with socket.create_connection((url.hostname, url.port or 80), timeout=5) as upstream:
                self._pump(client, upstream, rewritten)

    def _pump(self, client: socket.socket, upstream: socket.socket, first: bytes) -> None:
        if first:
            upstream.sendall(first)
        sockets = [client, upstream]
        while not self.stopped.is_set():
            readable, _, _ = select.select(sockets, [], [], 0.5)
            for source in readable:
                try:
                    data = source.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                (upstream if source is client else client).sendall(data)


def _read_head(client: socket.socket) -> bytes | None:
    """Read up to and including the blank line; leave the body (if any) for the pump."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(1)
        if not chunk:
            return None
        data += chunk
    return data
