"""serve's gate: whole bodies before a thread, deadlines, and answers passed on intact."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from bff.serving.answers import DownloadAborted
from bff.serving.gate import Gate

CHUNK = 256 * 1024


def scope(method="GET", path=b"/x", query=b"", headers=()):
    return {"type": "http", "method": method, "raw_path": path, "path": path.decode(),
            "query_string": query, "http_version": "1.1", "scheme": "http",
            "server": ("127.0.0.1", "8000"), "client": ("10.0.0.7", "51000"),
            "headers": list(headers)}


def echo(environ, start_response):
    """Answer what the app saw: the body and a few environ keys, as JSON."""
    seen = {key: environ.get(key) for key in (
        "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH", "HTTP_X_TWICE", "HTTP_COOKIE",
        "HTTP_TRANSFER_ENCODING", "REMOTE_ADDR", "SERVER_PORT", "REQUEST_METHOD")}
    seen["body"] = environ["wsgi.input"].read().decode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


class Relay:
    """A download app: one buffer, refilled and yielded again for every chunk."""

    def __init__(self, chunks: int) -> None:
        self.chunks, self.closed = chunks, False

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "application/pdf")])
        return self

    def __iter__(self):
        buffer = bytearray(CHUNK)
        for n in range(self.chunks):
            buffer[:] = bytes([n]) * CHUNK
            yield buffer

    def close(self):
        self.closed = True


def closes(relay: Relay, within: float = 2.0) -> bool:
    """Wait for the gate's thread to close the app's body (it does so after the loop)."""
    deadline = time.monotonic() + within
    while not relay.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    return relay.closed


class Sent:
    """What granian's send returns once it has queued a message: done at once."""

    def __await__(self):
        return iter(())


class Queued:
    """What granian's send returns when its queue is full: a future that never completes."""

    _asyncio_future_blocking = False

    def done(self):
        return False

    def cancel(self):
        return True


def call(gate, request, body_parts=(), *, gap=0.0, send_stalls_after=None):
    """Run one request through the gate; return (status, headers, body, sent messages)."""
    async def run():
        parts = list(body_parts)
        sent = []

        async def receive():
            if parts:
                await asyncio.sleep(gap)
                part = parts.pop(0)
                return {"type": "http.request", "body": part, "more_body": bool(parts)}
            await asyncio.sleep(3600)               # the browser stays

        def send(message):
            # As granian's: the body is copied before send() returns (from any thread).
            sent.append({**message, "body": bytes(message["body"])} if "body" in message
                        else message)
            if send_stalls_after is not None and len(sent) > send_stalls_after:
                return Queued()                     # the browser stopped reading
            return Sent()

        await gate(request, receive, send)
        return sent
    sent = asyncio.run(run())
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body, sent


@pytest.fixture
def gate():
    def make(app=echo, **options):
        made = Gate(app, **{"threads": 2, "max_body": 1024, "body_timeout": 0.5,
                            "stall": 0.5, **options})
        gates.append(made)
        return made
    gates = []
    yield make
    for made in gates:
        made.close()


def test_the_app_sees_the_whole_body_however_it_arrived(gate):
    request = scope("POST", headers=[(b"transfer-encoding", b"chunked"),
                                     (b"content-type", b"application/json")])
    status, _, body, _ = call(gate(), request, [b'{"a"', b": ", b"1}"], gap=0.05)
    seen = json.loads(body)
    assert (status, seen["body"], seen["CONTENT_LENGTH"]) == (200, '{"a": 1}', "8")
    assert seen["HTTP_TRANSFER_ENCODING"] is None


def test_a_body_slower_than_the_deadline_is_408_and_never_reaches_the_app(gate):
    called = []

    def app(environ, start_response):
        called.append(True)
        return echo(environ, start_response)
    request = scope("POST", headers=[(b"content-length", b"10")])
    status, headers, body, _ = call(gate(app), request, [b"a"] * 10, gap=0.2)
    assert (status, json.loads(body)["error"]) == (408, "request_timeout")
    assert headers[b"connection"] == b"close"
    assert called == []


@pytest.mark.parametrize(("headers", "parts"), [
    ([(b"content-length", b"5000")], []),                         # said so up front
    ([(b"transfer-encoding", b"chunked")], [b"x" * 600, b"x" * 600]),   # found out
])
def test_a_body_over_the_limit_is_413(gate, headers, parts):
    status, _, body, _ = call(gate(), scope("POST", headers=headers), parts)
    assert (status, json.loads(body)["error"]) == (413, "payload_too_large")


def test_the_environ_is_the_one_granians_wsgi_interface_built(gate):
    request = scope(path=b"/caf%C3%A9/a%2Fb", query=b"q=%20x",
                    headers=[(b"x-twice", b"1"), (b"x-twice", b"2"), (b"cookie", b"a=1"),
                             (b"cookie", b"b=2")])
    _, _, body, _ = call(gate(), request)
    seen = json.loads(body)
    assert seen["PATH_INFO"] == "/café/a/b".encode().decode("latin-1")
    assert (seen["QUERY_STRING"], seen["HTTP_X_TWICE"], seen["HTTP_COOKIE"]) == (
        "q=%20x", "1,2", "a=1;b=2")
    assert (seen["REMOTE_ADDR"], seen["SERVER_PORT"], seen["CONTENT_LENGTH"]) == (
        "10.0.0.7", "8000", None)


def test_a_stream_from_one_reused_buffer_arrives_intact(gate):
    relay = Relay(chunks=12)
    status, _, body, sent = call(gate(relay), scope())
    assert status == 200
    assert body == b"".join(bytes([n]) * CHUNK for n in range(12))
    assert sent[-1] == {"type": "http.response.body", "body": b""}     # a proper end
    assert closes(relay)


def test_a_browser_that_stops_reading_is_cut_off_after_the_stall_limit(gate):
    relay = Relay(chunks=10_000)
    with pytest.raises(DownloadAborted, match="took no data"):
        call(gate(relay), scope(), send_stalls_after=4)
    assert closes(relay)                    # the upstream and the slot are released


def test_a_body_that_breaks_off_midway_aborts_the_transfer(gate):
    def broken(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/pdf")])
        yield b"x" * CHUNK
        raise OSError("Craftkit broke off")
    with pytest.raises(DownloadAborted, match="broke off"):
        call(gate(broken), scope())


def test_an_app_that_fails_before_answering_is_a_json_500(gate):
    def failing(environ, start_response):
        raise RuntimeError("bug")
    status, _, body, _ = call(gate(failing), scope())
    assert (status, json.loads(body)["error"]) == (500, "internal_error")
