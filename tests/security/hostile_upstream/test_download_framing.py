"""Downloads keep their framing: a browser never gets a cut file that looks whole."""

from __future__ import annotations

import pytest

from bff.errors import UpstreamError
from tests.support.hostile_craftkit import Answer

from .conftest import auth

DOWNLOAD = "/v1/embed/renders/r1/download"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 2000 + b"\n%%EOF\n"


def chunked(body: bytes, size: int = 30_000) -> bytes:
    """Frame body as HTTP/1.1 chunks of size bytes."""
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
             for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def test_a_chunked_download_with_a_content_length_is_relayed_whole(bff, craftkit):
    # Before: the stray Content-Length went to the browser, which stopped reading there and
    # kept a shorter file that looked complete.
    craftkit.answer(DOWNLOAD, Answer(200, [("Content-Type", "application/pdf"),
                                           ("Transfer-Encoding", "chunked"),
                                           ("Content-Length", "50000")],
                                     chunked(PDF), length=False))
    response = bff.get("/api/craftkit/renders/r1/download", headers=auth())
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert response.get_data() == PDF


def test_a_content_length_beyond_what_servers_can_send_is_not_forwarded(bff, craftkit):
    # Before: "Content-Length: 2**64" went to the server, and `serve` sent nothing at all.
    craftkit.answer(DOWNLOAD, Answer(200, [("Content-Type", "application/pdf"),
                                           ("Content-Length", str(2**64))], PDF,
                                     length=False))
    response = bff.get("/api/craftkit/renders/r1/download", headers=auth())
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert response.get_data() == PDF


def test_a_content_length_framed_download_keeps_it(bff, craftkit):
    craftkit.answer(DOWNLOAD, Answer(200, [("Content-Type", "application/pdf")], PDF))
    response = bff.get("/api/craftkit/renders/r1/download", headers=auth())
    assert response.headers["Content-Length"] == str(len(PDF))
    assert response.get_data() == PDF


def test_a_download_that_ends_early_after_the_first_chunk_is_aborted(bff, craftkit):
    cut = PDF[:400_000]
    craftkit.answer(DOWNLOAD, Answer(200, [("Content-Type", "application/pdf"),
                                           ("Content-Length", str(len(PDF)))], cut,
                                     length=False))
    response = bff.get("/api/craftkit/renders/r1/download", headers=auth(), buffered=False)
    assert response.status_code == 200
    received = b""
    with pytest.raises(UpstreamError):
        for chunk in response.response:
            received += bytes(chunk)
    assert cut.startswith(received) and received   # what came, then the abort
    response.close()
