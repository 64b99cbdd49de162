"""A browser that stops reading its download gives its slot back after the stall limit."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from tests.support.hostile_craftkit import Answer, HostileCraftkit
from tests.support.servers import bff_command, free_port, run_process
from tests.support.tokens import bearer

from .conftest import ADMIN_KEY, JWT_SECRET, token_for

DOWNLOAD = "/v1/embed/renders/r1/download"
SIZE = 256 * 1024 * 1024
STALL = 1.0


class HugePdf:
    """A PDF of SIZE bytes, generated afresh for every request that sends it."""

    def __iter__(self):
        piece = b"x" * (1 << 20)
        yield b"%PDF-1.4\n" + piece[9:]
        for _ in range(SIZE // len(piece) - 1):
            yield piece


def auth() -> dict[str, str]:
    return bearer(token_for())


@pytest.fixture
def craftkit():
    with HostileCraftkit() as double:
        yield double


@pytest.fixture(params=["serve", "gunicorn"])
def server(request, craftkit):
    """The BFF under either production server: one worker, one download per org."""
    craftkit.answer(DOWNLOAD, Answer(200, [("Content-Type", "application/pdf"),
                                           ("Content-Length", str(SIZE))], HugePdf(),
                                     length=False))
    port = free_port()
    env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
           "CRAFTKIT_BASE_URL": craftkit.url, "CRAFTKIT_DOWNLOAD_STALL": str(STALL),
           "CRAFTKIT_DOWNLOADS_PER_ORG": "1", "CRAFTKIT_TIMEOUT": "1,5"}
    url = f"http://127.0.0.1:{port}"
    with run_process(bff_command(request.param, port, workers=1, threads=4), env,
                     url + "/healthz"):
        yield url


def stalled_download(url: str) -> socket.socket:
    """Start a download and read nothing (a small receive buffer, soon full)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    sock.sendall(f"GET /api/craftkit/renders/r1/download HTTP/1.1\r\nHost: bff\r\n"
                 f"Authorization: {auth()['Authorization']}\r\n\r\n".encode())
    return sock


def test_a_stalled_download_is_ended_and_its_slot_freed(server, craftkit):
    sock = stalled_download(server)
    time.sleep(0.5)
    busy = requests.get(server + "/api/craftkit/renders/r1/download", headers=auth(),
                        timeout=5, stream=True)
    assert (busy.status_code, busy.json()["error"]) == (503, "downloads_busy")
    busy.close()
    time.sleep(STALL + 2)       # the browser reads nothing: the server gives up on it
    again = requests.get(server + "/api/craftkit/renders/r1/download", headers=auth(),
                         timeout=5, stream=True)
    assert again.status_code == 200
    again.close()
    # What the stalled browser can still read ends short of the file: an aborted transfer.
    sock.settimeout(10)
    received = 0
    try:
        while chunk := sock.recv(1 << 20):
            received += len(chunk)
    except ConnectionResetError:
        pass
    sock.close()
    assert 0 < received < SIZE


class Patterned:
    """A PDF whose every 256 KiB differs from the next, so a reused buffer would show."""

    size = 40 * 1024 * 1024

    def __iter__(self):
        block = 256 * 1024
        for n in range(self.size // block):
            data = bytes([n % 251]) * block
            yield b"%PDF-1.4\n" + data[9:] if n == 0 else data


def test_a_download_through_the_server_arrives_byte_for_byte(server, craftkit):
    craftkit.answer(DOWNLOAD, Answer(200, [("Content-Type", "application/pdf"),
                                           ("Content-Length", str(Patterned.size))],
                                     Patterned(), length=False))
    expected = b"".join(Patterned())
    got = requests.get(server + "/api/craftkit/renders/r1/download", headers=auth(),
                       timeout=30)
    assert (got.status_code, len(got.content)) == (200, len(expected))
    assert got.content == expected
