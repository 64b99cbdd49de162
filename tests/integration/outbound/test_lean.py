"""The lean transport against the requests one: same bytes out, same reading of every answer."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable

import pytest
import responses
from urllib3.exceptions import InsecureRequestWarning

from bff.errors import BffError
from bff.upstream import Upstream
from bff.upstream.connections import Outbound
from tests.support.servers import RawSocketServer

from .test_outbound import emulator
from .tls import make_ca_and_server_cert

JSON = b"Content-Type: application/json\r\n"
TRACEPARENT = re.compile(rb"traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\r\n")


class CannedCraftkit(RawSocketServer):
    """Answer each request with the next canned answer (bytes), keeping connections open.

    An answer ending the connection (``close_after``) is followed by a close; the raw
    bytes of every request are kept, and every connection accepted is counted.
    """

    def __init__(self, answers: list[bytes], close_after: bool = True) -> None:
        self.answers, self.close_after = list(answers), close_after
        self.requests: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        super().__init__()

    def handle(self, client: socket.socket) -> None:
        with self._lock:
            self.connections += 1
        with client:
            client.settimeout(5)
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, rest = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(rest) < length:
                    rest += client.recv(65536)
                data = rest[length:]
                with self._lock:
                    self.requests.append(head + b"\r\n\r\n" + rest[:length])
                    answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
                client.sendall(answer)
                if self.close_after:
                    return


def outcome(upstream: Upstream, method: str = "GET", path: str = "/v1/embed/renders",
            **call) -> tuple:
    """What a caller of send() sees: status, headers and body, or the BFF error."""
    try:
        reply = upstream.send(method, path, "ck_live_key", "rid-1", label=path, **call)
    except BffError as error:
        return ("error", error.status, error.code)
    return (reply.status_code, {k.lower(): v for k, v in reply.headers.items()},
            reply.content)


def both_ways(monkeypatch, answers: list[bytes], call: Callable[[Upstream], tuple],
              **server) -> tuple[tuple, tuple, CannedCraftkit, CannedCraftkit]:
    """Run call against one server the lean way and against another through requests."""
    results, servers = [], []
    for lean in (True, False):
        with monkeypatch.context() as patch:
            if not lean:
                patch.setattr("bff.upstream.client._requests_untouched", lambda _: False)
            with CannedCraftkit(answers, **server) as craftkit:
                upstream = Upstream(craftkit.url, (1.0, 2.0))
                try:
                    results.append(call(upstream))
                finally:
                    upstream.close()
                servers.append(craftkit)
    return results[0], results[1], servers[0], servers[1]


ANSWERS = {
    "plain": b"HTTP/1.1 200 OK\r\n" + JSON + b"Content-Length: 8\r\n\r\n{\"a\": 1}",
    "repeated headers": b"HTTP/1.1 200 OK\r\n" + JSON + b"X-Seen: a\r\nx-seen: b\r\n"
                        b"Content-Length: 2\r\n\r\n{}",
    "a line without a colon": b"HTTP/1.1 200 OK\r\n" + JSON + b"Content-Length: 2\r\n"
                              b"this is no header\r\nX-After: lost\r\n\r\n{}",
    "a folded line": b"HTTP/1.1 200 OK\r\n" + JSON + b"X-Folded: one\r\n two\r\n"
                     b"Content-Length: 2\r\n\r\n{}",
    "a space before the colon": b"HTTP/1.1 200 OK\r\n" + JSON + b"X-Bad : v\r\n"
                                b"Content-Length: 2\r\n\r\n{}",
    "trailing spaces": b"HTTP/1.1 200 OK\r\n" + JSON + b"X-Space: a  \r\n"
                       b"Content-Length: 2\r\n\r\n{}",
    "chunked, extensions and a trailer": b"HTTP/1.1 200 OK\r\n" + JSON
        + b"Transfer-Encoding: chunked\r\n\r\n2;x=1\r\n{\"\r\n3\r\na\":\r\n2\r\n1}\r\n"
          b"0\r\nX-Trailer: t\r\n\r\n",
    "chunked and a Content-Length": b"HTTP/1.1 200 OK\r\n" + JSON
        + b"Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "Content-Lengths that disagree": b"HTTP/1.1 200 OK\r\n" + JSON
        + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    "no length, until close": b"HTTP/1.1 200 OK\r\n" + JSON + b"\r\n{\"until\": \"close\"}",
    "100 Continue first": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n" + JSON
                          + b"Content-Length: 2\r\n\r\n{}",
    "HTTP/1.0": b"HTTP/1.0 200 OK\r\n" + JSON + b"\r\n{}",
    "204": b"HTTP/1.1 204 No Content\r\n\r\n",
    "not HTTP": b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
    "nothing at all": b"",
    "101 headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(101))
                   + b"Content-Length: 2\r\n\r\n{}",
    "a header line over 64 KiB": b"HTTP/1.1 200 OK\r\nX-Long: " + b"v" * 65536
                                 + b"\r\nContent-Length: 2\r\n\r\n{}",
    "bytes that are not UTF-8": b"HTTP/1.1 200 OK\r\n" + JSON
                                + b"Content-Length: 10\r\n\r\n{\"a\": \"\xff\"}",
    "a body shorter than its length": b"HTTP/1.1 200 OK\r\n" + JSON
                                      + b"Content-Length: 10\r\n\r\n{}",
    "a malformed chunk size": b"HTTP/1.1 200 OK\r\n" + JSON
                              + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "gzip nobody asked for": b"HTTP/1.1 200 OK\r\n" + JSON
                             + b"Content-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}",
    # Announced: the double closes after each answer, and a retry must not race that.
    "a 503": b"HTTP/1.1 503 Busy\r\nConnection: close\r\n" + JSON
             + b"Content-Length: 2\r\n\r\n{}",
}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_every_answer_reads_the_same_both_ways(monkeypatch, name):
    lean, plain, _, _ = both_ways(monkeypatch, [ANSWERS[name]], outcome)
    assert lean == plain


def test_a_chunked_answer_is_read_whole_whatever_its_content_length_says(monkeypatch):
    # Before, both ways read Content-Length bytes of it: '{"a":1}' of '{"a":1}{"b":2}'.
    answer = (b"HTTP/1.1 200 OK\r\n" + JSON + b"Content-Length: 7\r\nTransfer-Encoding: "
              b"chunked\r\n\r\n7\r\n{\"a\":1}\r\n7\r\n{\"b\":2}\r\n0\r\n\r\n")
    lean, plain, _, _ = both_ways(monkeypatch, [answer], outcome)
    assert lean[2] == plain[2] == b'{"a":1}{"b":2}'


def test_json_answers_decode_the_same_both_ways(monkeypatch):
    answers = [b"HTTP/1.1 200 OK\r\n" + JSON + b"Content-Length: 10\r\n\r\n{\"a\": \"\xff\"}",
               b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=latin-1\r\n"
               b"Content-Length: 10\r\n\r\n{\"a\": \"\xe9\"}"]
    for answer in answers:
        lean, plain, _, _ = both_ways(
            monkeypatch, [answer], lambda up: up.send("GET", "/x", "k", "r", label="/x").json())
        assert lean == plain


@pytest.mark.parametrize(("method", "call"), [
    ("POST", {"json": {"tenant": {"externalId": "org-ä"}, "n": [1, 2.5, None]}}),
    ("GET", {"params": {"limit": "5", "cursor": "a+b/c="},
             "headers": {"Accept-Language": "fr-CH, fr;q=0.9"}}),
    ("GET", {"headers": {"Accept-Encoding": "identity", "accept": "text/plain"}}),
    ("DELETE", {}),
])
def test_the_lean_way_sends_the_bytes_requests_sends(monkeypatch, method, call):
    answer = ANSWERS["plain"]
    _, _, lean, plain = both_ways(monkeypatch, [answer],
                                  lambda up: outcome(up, method, "/v1/x", **call))
    assert [_comparable(r, lean.port) for r in lean.requests] == [
        _comparable(r, plain.port) for r in plain.requests]


def _comparable(sent: bytes, port: int) -> bytes:
    """A request as sent, less what differs from call to call: the port, the trace id."""
    sent, traces = TRACEPARENT.subn(b"traceparent: TRACE\r\n", sent)
    assert traces == 1, "every call carries one traceparent"
    return sent.replace(b":%d" % port, b":PORT")


def test_calls_share_one_kept_alive_connection(monkeypatch):
    def three(upstream):
        return [outcome(upstream)[0] for _ in range(3)]
    lean, plain, lean_server, plain_server = both_ways(monkeypatch, [ANSWERS["plain"]], three,
                                                       close_after=False)
    assert lean == plain == [200, 200, 200]
    assert lean_server.connections == plain_server.connections == 1


def test_a_connection_closed_while_idle_is_replaced_before_use(monkeypatch):
    # Each answer is followed by a close the answer never announced (no Connection: close).
    def two(upstream):
        first = outcome(upstream)[0]
        threading.Event().wait(0.2)    # the close reaches the BFF while the socket is idle
        return [first, outcome(upstream)[0]]
    lean, plain, lean_server, _ = both_ways(monkeypatch, [ANSWERS["plain"]], two)
    assert lean == plain == [200, 200]
    assert lean_server.connections == 2


@pytest.mark.parametrize(("method", "path", "attempts"), [
    ("GET", "/v1/embed/renders", 3),            # gateway statuses are retried for GETs...
    ("POST", "/v1/embed/sessions", 1),          # ...never for a session POST...
    ("POST", "/v1/admin/provision", 3),         # ...but for the idempotent provision
])
def test_gateway_statuses_are_retried_as_requests_retries_them(monkeypatch, method, path,
                                                             attempts):
    answers = [ANSWERS["a 503"], b"HTTP/1.1 504 Late\r\nContent-Length: 0\r\n\r\n",
               ANSWERS["plain"]]
    for lean in (True, False):
        with monkeypatch.context() as patch:
            if not lean:
                patch.setattr("bff.upstream.client._requests_untouched", lambda _: False)
            with CannedCraftkit(answers, close_after=False) as craftkit:
                upstream = Upstream(craftkit.url, (1.0, 2.0),
                                    idempotent_posts=("/v1/admin/provision",))
                status = outcome(upstream, method, path,
                                 json={} if method == "POST" else None)[0]
                upstream.close()
            assert (status, len(craftkit.requests)) == (200 if attempts == 3 else 503,
                                                        attempts)


@pytest.mark.parametrize(("refusals", "expected"), [
    (1, (200,)), (2, ("error", 503, "craftkit_unavailable"))])
def test_a_refused_connect_is_retried_once(monkeypatch, refusals, expected):
    real = socket.create_connection
    left = [refusals]

    def refuse_first(*args, **kwargs):
        if left[0]:
            left[0] -= 1
            raise ConnectionRefusedError("refused")
        return real(*args, **kwargs)
    with CannedCraftkit([ANSWERS["plain"]]) as craftkit:
        upstream = Upstream(craftkit.url, (1.0, 2.0))
        monkeypatch.setattr(socket, "create_connection", refuse_first)
        result = outcome(upstream)
        upstream.close()
    assert result[:len(expected)] == expected


def test_responses_still_sees_every_call(monkeypatch):
    with CannedCraftkit([ANSWERS["plain"]]) as craftkit:
        upstream = Upstream(craftkit.url, (1.0, 2.0))
        with responses.RequestsMock() as mock:
            mock.get(craftkit.url + "/v1/embed/renders", json={"mocked": True})
            assert outcome(upstream)[2] == b'{"mocked": true}'
        upstream.close()
    assert craftkit.connections == 0


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_ca_and_server_cert(tmp_path_factory.mktemp("tls"))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_ca_directory_verifies_craftkit(certificates, tmp_path):
    ca, _, _ = certificates
    subject_hash = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", str(ca)],
                                  capture_output=True, text=True, check=True).stdout.strip()
    shutil.copy(ca, tmp_path / f"{subject_hash}.0")
    with emulator(certificates) as url:
        trusted = Upstream(url, (1.0, 2.0), outbound=Outbound(verify=str(tmp_path)))
        untrusted = Upstream(url, (1.0, 2.0))
        assert outcome(trusted, "GET", "/")[0] == 404
        assert outcome(untrusted, "GET", "/") == ("error", 503, "craftkit_unavailable")
        trusted.close()
        untrusted.close()


def test_verify_false_is_honoured_with_requests_warning(certificates):
    with emulator(certificates) as url:
        upstream = Upstream(url, (1.0, 2.0), outbound=Outbound(verify=False))
        with pytest.warns(InsecureRequestWarning):
            assert outcome(upstream, "GET", "/")[0] == 404
        upstream.close()


@pytest.mark.parametrize(("key", "refused"), [("ck_live\r\nX-Injected: 1", True),
                                              ("ck_live\nX-Injected: 1", True),
                                              ("ck_live\x00nul", False), ("ck_é", False)])
def test_a_key_is_sent_or_refused_as_requests_would(monkeypatch, key, refused):
    def call(upstream):
        try:
            upstream.send("GET", "/v1/x", key, "rid-1", label="/v1/x")
        except BffError as error:
            return error.status, error.code
        return "sent"
    lean, plain, lean_server, plain_server = both_ways(monkeypatch, [ANSWERS["plain"]], call)
    assert lean == plain == ((502, "craftkit_upstream_error") if refused else "sent")
    assert (lean_server.requests == plain_server.requests == []) is refused
