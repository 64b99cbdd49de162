"""JWTs signed by an identity provider's keys published at a local JWKS URL."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask

from bff import create_app
from bff.identity.jwks import JwksKeys
from tests.support.clock import FakeClock
from tests.support.craftkit_mock import ADMIN_KEY, BASE
from tests.support.hostile_craftkit import HostileCraftkit, json_answer
from tests.support.servers import free_port, serve_app
from tests.support.tokens import mint_jwt

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ROTATED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private_key, kid, algorithm):
    algo = jwt.algorithms.RSAAlgorithm if algorithm == "RS256" else jwt.algorithms.ECAlgorithm
    return {**json.loads(algo.to_jwk(private_key.public_key())), "kid": kid, "alg": algorithm,
            "use": "sig"}


class Provider:
    """A local identity provider publishing a JWKS document it can rotate."""

    def __init__(self):
        self.keys = [jwk(RSA_KEY, "rsa-1", "RS256"), jwk(EC_KEY, "ec-1", "ES256")]
        self.hits = 0
        self.app = Flask("idp")
        self.app.add_url_rule("/.well-known/jwks.json", view_func=self.jwks)

    def jwks(self):
        self.hits += 1
        return {"keys": self.keys}


def token(private_key, kid, algorithm, **claims):
    return mint_jwt(private_key, "ida", ["org-a"], algorithm=algorithm, expires_in=300,
                    headers={"kid": kid}, **{"iss": "https://idp.test", "aud": "bff", **claims})


@pytest.fixture
def provider():
    idp = Provider()
    with serve_app(idp.app) as url:
        idp.url = url + "/.well-known/jwks.json"
        yield idp


@pytest.fixture
def jwks_client(provider, upstream):
    upstream.add_passthru(provider.url)  # the provider is a real local server
    app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                      "CRAFTKIT_AUTH_JWKS_URL": provider.url,
                      "CRAFTKIT_AUTH_JWT_ISSUER": "https://idp.test",
                      "CRAFTKIT_AUTH_JWT_AUDIENCE": "bff"})
    return app.test_client()


def status(client, upstream, bearer_token, ok=False):
    if ok:
        upstream.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_key_for_org_a"})
        upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    return client.get("/api/craftkit/templates",
                      headers={"Authorization": f"Bearer {bearer_token}"}).status_code


def test_rs256_and_es256_tokens_verify_against_the_jwks(jwks_client, upstream):
    assert status(jwks_client, upstream, token(RSA_KEY, "rsa-1", "RS256"), ok=True) == 200
    assert status(jwks_client, upstream, token(EC_KEY, "ec-1", "ES256")) == 200


def test_rotated_key_is_fetched_on_unknown_kid(provider):
    clock = FakeClock(0.0)
    keys = JwksKeys(provider.url, ttl=300, min_refresh=30, timer=clock)
    assert keys.key_for("rsa-1", "RS256") is not None
    provider.keys = [jwk(ROTATED_KEY, "rsa-2", "RS256")]
    clock.now = 31  # past the minimum interval between refreshes, long before the TTL
    assert keys.key_for("rsa-2", "RS256") is not None
    assert provider.hits == 2


def test_unknown_kids_do_not_flood_the_provider(jwks_client, upstream, provider):
    status(jwks_client, upstream, token(RSA_KEY, "rsa-1", "RS256"), ok=True)
    for i in range(20):
        assert status(jwks_client, upstream, token(RSA_KEY, f"made-up-{i}", "RS256")) == 401
    assert provider.hits <= 2


@pytest.mark.parametrize("bad", [
    lambda: token(RSA_KEY, "rsa-1", "RS256", iss="https://evil.test"),
    lambda: token(RSA_KEY, "rsa-1", "RS256", aud="other"),
    lambda: token(RSA_KEY, "rsa-1", "RS256", exp=int(time.time()) - 120),
    lambda: token(ROTATED_KEY, "rsa-1", "RS256"),
    lambda: token(EC_KEY, "rsa-1", "ES256"),
    lambda: mint_jwt("x" * 40, "ida", ["org-a"], expires_in=60, headers={"kid": "rsa-1"},
                     iss="https://idp.test", aud="bff"),
])
def test_wrong_issuer_audience_expiry_key_or_algorithm_is_401(jwks_client, upstream, bad):
    assert status(jwks_client, upstream, bad()) == 401


def test_a_clock_skew_within_leeway_is_accepted(jwks_client, upstream):
    skewed = token(RSA_KEY, "rsa-1", "RS256", exp=int(time.time()) - 10)
    assert status(jwks_client, upstream, skewed, ok=True) == 200


def test_provider_down_keeps_cached_keys_and_refuses_unknown_ones(provider):
    keys = JwksKeys(provider.url, ttl=300, min_refresh=0)
    assert keys.key_for("rsa-1", "RS256") is not None
    keys.url = f"http://127.0.0.1:{free_port()}/jwks.json"
    assert keys.key_for("rsa-2", "RS256") is None
    assert keys.key_for("rsa-1", "RS256") is not None


def test_keys_expire_after_ttl(provider):
    clock = FakeClock(0.0)
    keys = JwksKeys(provider.url, ttl=300, timer=clock)
    keys.key_for("rsa-1", "RS256")
    clock.now = 301
    keys.key_for("rsa-1", "RS256")
    assert provider.hits == 2


def test_hostile_jwks_entries_are_skipped_not_fatal(provider):
    provider.keys = [{"kty": ["RSA"], "kid": "odd-1"}, {"kty": "RSA", "kid": ["odd-2"]},
                     {"kty": "EC", "alg": ["ES256"], "kid": "odd-3"}, "not an object", None,
                     jwk(RSA_KEY, "rsa-1", "RS256")]
    keys = JwksKeys(provider.url)
    assert keys.key_for("rsa-1", "RS256") is not None
    assert keys.key_for("odd-1", "RS256") is None


@pytest.mark.parametrize("answer", [
    json_answer({"keys": [jwk(RSA_KEY, "rsa-1", "RS256")]}, drip=4, interval=0.1),
    json_answer({"keys": [jwk(RSA_KEY, "rsa-1", "RS256")], "padding": "x" * 3_000_000}),
])
def test_a_dripping_or_huge_jwks_is_given_up_within_the_timeout(answer):
    with HostileCraftkit() as idp:
        idp.answer("/jwks", answer)
        keys = JwksKeys(idp.url + "/jwks", timeout=0.5)
        started = time.monotonic()
        assert keys.key_for("rsa-1", "RS256") is None
        assert time.monotonic() - started < 2.0
