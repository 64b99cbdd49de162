"""Craftkit behind a corporate egress: HTTP(S)_PROXY, NO_PROXY and a private CA, for real."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bff import ConfigError, create_app
from bff.emulator import create_emulator_app
from tests.support.hostile_craftkit import HostileCraftkit, json_answer
from tests.support.secrets import secret
from tests.support.servers import serve_app
from tests.support.tokens import mint_jwt

from .proxy import ForwardProxy
from .tls import make_ca_and_server_cert

ADMIN_KEY = "ck_admin_outbound_secret_0123456789"
JWT_SECRET = secret("outbound-jwt-secret-0123456789abcdef")
ENVIRONMENT = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE",
               "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Start from no proxy and no CA bundle, whatever the machine running the tests has."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def proxy():
    with ForwardProxy() as running:
        yield running


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_ca_and_server_cert(tmp_path_factory.mktemp("tls"))


@contextmanager
def emulator(certificates=None) -> Iterator[str]:
    """The Craftkit emulator over HTTP, or over HTTPS with the test CA's certificate."""
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    if certificates is None:
        with serve_app(app) as url:
            yield url
        return
    _, cert, key = certificates
    with serve_app(app, ssl_context=(str(cert), str(key))) as url:
        yield url


@contextmanager
def bff(base_url: str, **config) -> Iterator:
    app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": base_url,
                      "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": "1,2",
                      **config})
    try:
        yield app.test_client()
    finally:
        app.extensions["craftkit_bff"].upstream.close()


def mint(client):
    token = mint_jwt(JWT_SECRET, "ada", ["acme"])
    return client.post("/api/craftkit/session", json={"mode": "create"},
                       headers={"Authorization": f"Bearer {token}"})


def test_http_calls_go_through_the_configured_proxy(monkeypatch, proxy):
    with emulator() as url:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with bff(url) as client:
            assert mint(client).status_code == 200
    assert [(method, target) for method, target, _ in proxy.seen] == [
        ("POST", url + "/v1/admin/provision"), ("POST", url + "/v1/embed/sessions")]


def test_no_proxy_sends_calls_direct(monkeypatch, proxy):
    with emulator() as url:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with bff(url) as client:
            assert mint(client).status_code == 200
    assert proxy.seen == []


def test_https_through_a_proxy_with_credentials_and_a_private_ca(monkeypatch, proxy,
                                                                 certificates, caplog):
    ca, _, _ = certificates
    with emulator(certificates) as url:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("http://", "http://egress:s3cret@"))
        with bff(url, CRAFTKIT_CA_BUNDLE=str(ca)) as client:
            assert mint(client).status_code == 200
    expected_auth = "Basic " + base64.b64encode(b"egress:s3cret").decode()
    assert proxy.seen[0] == ("CONNECT", url.removeprefix("https://"), expected_auth)
    assert "s3cret" not in caplog.text


def test_requests_ca_bundle_is_honoured(monkeypatch, certificates):
    ca, _, _ = certificates
    with emulator(certificates) as url:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
        with bff(url) as client:
            assert mint(client).status_code == 200


def test_an_untrusted_certificate_is_a_503_not_a_500(certificates):
    with emulator(certificates) as url, bff(url) as client:
        response = mint(client)
    assert (response.status_code, response.json["error"]) == (503, "craftkit_unavailable")


def test_a_missing_ca_bundle_is_a_start_up_error():
    with pytest.raises(ConfigError, match="CRAFTKIT_CA_BUNDLE"):
        create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
                    "CRAFTKIT_CA_BUNDLE": "/nonexistent/ca.pem"})


def test_the_answer_deadline_holds_through_a_proxy(monkeypatch, proxy):
    with HostileCraftkit() as craftkit:
        craftkit.answer("/v1/embed/sessions", json_answer({"x": "y" * 40}, drip=1,
                                                          interval=0.2))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with bff(craftkit.url) as client:
            started = time.monotonic()
            response = mint(client)
            assert (response.status_code, time.monotonic() - started < 3) == (504, True)


def test_the_breaker_probe_goes_through_the_proxy(monkeypatch, proxy):
    with emulator() as url:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": url,
                          "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET})
        assert app.extensions["craftkit_bff"].upstream.answers()
        app.extensions["craftkit_bff"].upstream.close()
    assert proxy.seen[0][:2] == ("GET", url + "/")
