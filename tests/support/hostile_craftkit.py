"""A Craftkit double that misbehaves on purpose, over real TCP on a loopback port.

It speaks HTTP/1.1 by hand on raw sockets, so it can do what no well-behaved server
framework lets it: drip an answer a byte at a time, send a body of hundreds of MiB that is
never held in memory, put control characters in headers, label HTML as a download.
Provision answers ``provision`` (a key, unless a test changes it); every other path answers
what ``answer(path, Answer(...))`` told it to.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .servers import RawSocketServer

PROVISION = "/v1/admin/provision"
ORG_KEY = "ck_live_hostile_double_key"


@dataclass
class Answer:
    """One misbehaving answer: status, raw header lines, a body and how to pace it.

    ``body`` is bytes or an iterable of byte chunks (generated lazily for huge bodies).
    ``drip`` sends the whole answer (head too, when ``drip_head``) ``drip`` bytes per
    ``interval`` seconds.
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""
    drip: int | None = None
    interval: float = 0.5
    drip_head: bool = False
    length: bool = True  # send Content-Length (for bytes bodies)


def json_answer(data: object, status: int = 200, **kwargs) -> Answer:
    """Answer JSON, as Craftkit would."""
    return Answer(status, [("Content-Type", "application/json")], json.dumps(data).encode(),
                  **kwargs)


def huge_json(total: int) -> Answer:
    """A JSON object of about total bytes, generated as it is sent (never held whole)."""
    def chunks() -> Iterator[bytes]:
        piece = b'"' + b"x" * 65_000 + b'",'
        yield b'{"data": ['
        for _ in range(total // len(piece)):
            yield piece
        yield b'"end"]}'
    return Answer(200, [("Content-Type", "application/json")], chunks())


class HostileCraftkit(RawSocketServer):
    """Listen on 127.0.0.1:<port>; answer each request once, then close the connection."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.provision = json_answer({"apiKey": ORG_KEY, "projectId": "p1"})
        self.requests: list[tuple[str, str]] = []
        self.open_connections = 0
        self._lock = threading.Lock()
        super().__init__()

    def answer(self, path: str, answer: Answer) -> None:
        """Answer every request for path (query string ignored) with answer."""
        self.answers[path] = answer

    def count(self, path: str) -> int:
        """Return how many requests for path arrived."""
        with self._lock:
            return sum(1 for _, seen in self.requests if seen == path)

    def handle(self, client: socket.socket) -> None:
        with self._lock:
            self.open_connections += 1
        try:
            with client:
                request = _read_request(client)
                if request is None:
                    return
                method, path = request
                with self._lock:
                    self.requests.append((method, path))
                if path == PROVISION:
                    answer = self.provision
                else:
                    answer = self.answers.get(path) or json_answer(
                        {"error": {"code": "not_found", "message": "no"}}, status=404)
                self._send(client, answer)
        except OSError:
            pass  # the BFF hung up: exactly what some tests want it to do
        finally:
            with self._lock:
                self.open_connections -= 1

    def _send(self, client: socket.socket, answer: Answer) -> None:
        lines = [f"HTTP/1.1 {answer.status} X", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in answer.headers]
        if isinstance(answer.body, bytes) and answer.length:
            lines.append(f"Content-Length: {len(answer.body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = [answer.body] if isinstance(answer.body, bytes) else answer.body
        if answer.drip and answer.drip_head:
            self._drip(client, [head], answer)
        else:
            client.sendall(head)
        if answer.drip:
            self._drip(client, body, answer)
        else:
            for chunk in body:
                client.sendall(chunk)

    def _drip(self, client: socket.socket, chunks: Iterable[bytes], answer: Answer) -> None:
        for chunk in chunks:
            for start in range(0, len(chunk), answer.drip):
                if self.stopped.wait(answer.interval):
                    return
                client.sendall(chunk[start:start + answer.drip])


def _read_request(client: socket.socket) -> tuple[str, str] | None:
    client.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                   if line.lower().startswith("content-length:")), 0)
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        body += chunk
    return method, target.split("?", 1)[0]


def wait_until(predicate, timeout: float = 5.0) -> bool:
    """Poll predicate until it is true or timeout passes; return its last value."""
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()
