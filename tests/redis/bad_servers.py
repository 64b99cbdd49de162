"""Loopback TCP servers that misbehave like a broken Redis: silent, garbage, reset."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def _silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait()  # accept, read nothing, answer nothing


def _garbage(conn: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            if not conn.recv(65536):
                return
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n\x00\xff{not redis}\r\n")
        except OSError:
            return


def _reset(conn: socket.socket, stop: threading.Event) -> None:
    # SO_LINGER 0: close() sends RST, like a crashing peer or a middlebox killing the flow.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


BEHAVIOURS = {"silent": _silent, "garbage": _garbage, "reset": _reset}


@contextmanager
def bad_redis(behaviour: str) -> Iterator[str]:
    """Serve one misbehaviour on a free loopback port; yield its redis:// URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop, handle, conns = threading.Event(), BEHAVIOURS[behaviour], []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conns.append(conn)
            worker = threading.Thread(target=_run, args=(handle, conn, stop), daemon=True)
            worker.start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in conns:
            conn.close()


def _run(handle, conn: socket.socket, stop: threading.Event) -> None:
    try:
        handle(conn, stop)
    finally:
        if handle is not _silent:
            conn.close()
