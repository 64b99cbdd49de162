"""The floors: how cheap the BFF's work could be, measured with the same harness.

- ``bare``: a bare WSGI callable that makes the same upstream call with http.client (a
  keep-alive connection per thread) and answers Craftkit's JSON as it came: no identity,
  no checks, no seal. Served by granian's WSGI interface, as ``serve --no-body-gate`` is.
- ``flask``: the same calls from a one-route-per-call Flask app.
- ``relay``: a download relay with no framework at all: a thread per connection, one
  buffer filled by ``recv_into`` and written by ``sendall``.

    BENCH_UPSTREAM=http://127.0.0.1:8100 granian --interface wsgi floors:bare
    python floors.py relay --port 8300 --upstream http://127.0.0.1:8100
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import threading
from urllib.parse import urlsplit

from flask import Flask, Response
from targets import ORG, org_key, upstream_session_body

_UPSTREAM = urlsplit(os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:8100"))
_HEADERS = {"Authorization": f"Bearer {org_key(ORG)}", "Content-Type": "application/json"}
_MINT = json.dumps(upstream_session_body(ORG)).encode()
_local = threading.local()


def _call(method: str, path: str, body: bytes | None = None) -> bytes:
    """One upstream call on this thread's kept-alive connection."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection(_UPSTREAM.hostname, _UPSTREAM.port)
    conn.request(method, path, body=body, headers=_HEADERS)
    return conn.getresponse().read()


def bare(environ: dict, start_response) -> list[bytes]:
    """The mint and the listing with nothing but the upstream call."""
    if environ["REQUEST_METHOD"] == "POST":
        environ["wsgi.input"].read()
        data = _call("POST", "/v1/embed/sessions", _MINT)
    else:
        data = _call("GET", "/v1/embed/builder/templates")
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


flask = Flask(__name__)


@flask.post("/api/craftkit/session")
def session() -> Response:
    return Response(_call("POST", "/v1/embed/sessions", _MINT), mimetype="application/json")


@flask.get("/api/craftkit/templates")
def templates() -> Response:
    return Response(_call("GET", "/v1/embed/builder/templates"), mimetype="application/json")


def relay(port: int, upstream: str, chunk: int = 256 * 1024) -> None:
    """Serve downloads by relaying the stand-in's, one thread per connection."""
    target = urlsplit(upstream)
    listener = socket.create_server(("127.0.0.1", port), backlog=1024)

    def handle(client: socket.socket) -> None:
        with client:
            request = b""
            while b"\r\n\r\n" not in request:
                data = client.recv(65536)
                if not data:
                    return
                request += data
            path = request.split(b" ", 2)[1].decode().split("?")[0]
            if not path.endswith("/download"):
                client.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            render = path.split("/")[-2]
            with socket.create_connection((target.hostname, target.port)) as up:
                up.sendall(f"GET /v1/embed/renders/{render}/download HTTP/1.1\r\nHost: x\r\n"
                           f"Authorization: {_HEADERS['Authorization']}\r\n\r\n".encode())
                head = b""
                while b"\r\n\r\n" not in head:
                    head += up.recv(65536)
                head, _, rest = head.partition(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"
                               b"Content-Length: %d\r\nConnection: close\r\n\r\n" % length
                               + rest)
                left, buffer = length - len(rest), bytearray(chunk)
                view = memoryview(buffer)
                while left:
                    n = up.recv_into(view, min(chunk, left))
                    if not n:
                        return
                    client.sendall(view[:n])
                    left -= n

    while True:
        client, _ = listener.accept()
        threading.Thread(target=handle, args=(client,), daemon=True).start()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the bare download relay")
    parser.add_argument("command", choices=["relay"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    relay(args.port, args.upstream)
