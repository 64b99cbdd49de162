"""JWT identity against malformed and confused tokens, and its cache's memory bound."""

import hashlib
import hmac
import json
import time
import tracemalloc

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bff import Carrier, ConfigError, Identity, create_app
from tests.support.craftkit_mock import BASE, JWT_SECRET, make_jwt

TEMPLATES = "/api/craftkit/templates"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _pem(private_key):
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _hs256_with_header(header, secret=JWT_SECRET):
    """Sign a valid payload with HMAC-SHA256 under an arbitrary (hostile) JOSE header."""
    encode = jwt.utils.base64url_encode
    payload = {"sub": "user-1", "orgs": ["org-a"], "exp": int(time.time()) + 300}
    signing_input = (encode(json.dumps(header).encode()) + b"."
                     + encode(json.dumps(payload).encode()))
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + encode(signature)).decode()


def _public_key_app(config, private_key):
    config = {**config, "CRAFTKIT_AUTH_JWT_PUBLIC_KEY": _pem(private_key)}
    del config["CRAFTKIT_AUTH_JWT_SECRET"]
    return create_app(config).test_client()


@pytest.mark.parametrize("header", [
    {"alg": ["HS256"], "typ": "JWT"}, {"alg": {"HS256": True}}, {"alg": 256}, {"alg": None},
    {"alg": "HS256", "kid": ["a"]}, {"alg": "HS256", "kid": {"a": 1}}, {"alg": "hs256"},
    {"alg": "HS256", "crit": ["exp"]}, {"alg": "HS256", "crit": "exp"},
    {"alg": "HS256", "b64": False},
])
def test_malformed_jwt_headers_are_401_never_500(client, upstream, header):
    token = _hs256_with_header(header)
    response = client.get(TEMPLATES, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json["error"] == "unauthenticated"


def test_a_hostile_header_is_401_with_a_jwks_configured_too(config, upstream):
    # The JWKS is never fetched: the header is refused before any key is looked up.
    client = create_app({**config, "CRAFTKIT_AUTH_JWKS_URL": "http://127.0.0.1:9/jwks"}
                        ).test_client()
    token = _hs256_with_header({"alg": "RS256", "kid": ["rsa-1"]})
    assert client.get(TEMPLATES, headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


@pytest.mark.parametrize(("configured", "signer", "algorithm"), [
    (RSA_KEY, EC_KEY, "ES256"),   # an ES256 token against an RSA public key
    (EC_KEY, RSA_KEY, "RS256"),   # an RS256 token against an EC public key
])
def test_an_algorithm_of_another_key_type_is_401(config, upstream, configured, signer,
                                                 algorithm):
    client = _public_key_app(config, configured)
    token = make_jwt(secret=signer, algorithm=algorithm)
    response = client.get(TEMPLATES, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.parametrize("pem", ["not a key", _pem(ec.generate_private_key(ec.SECP384R1()))])
def test_an_unusable_public_key_fails_at_start_up(config, pem):
    config = {**config, "CRAFTKIT_AUTH_JWT_PUBLIC_KEY": pem}
    with pytest.raises(ConfigError, match="CRAFTKIT_AUTH_JWT_PUBLIC_KEY"):
        create_app(config)


def _identity(orgs):
    return Identity("user-1", "u@example.com", "User One",
                    {f"org-{i:05d}": f"Organisation number {i}" for i in range(orgs)},
                    via=Carrier.HEADER)


@pytest.mark.parametrize("orgs", [0, 1, 50, 2000])
def test_the_measured_footprint_covers_what_an_identity_really_holds(orgs):
    from bff.identity.jwt_loader import footprint

    tracemalloc.start()
    identities = [_identity(orgs) for _ in range(20)]
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert footprint(identities[0]) >= used / len(identities)


def test_the_verified_token_cache_is_bounded_in_bytes():
    from bff.identity.jwt_loader import VerifiedTokens

    cache = VerifiedTokens(leeway=30, max_bytes=1024 * 1024)
    large = _identity(500)  # about 50 KiB each, as a token with 500 orgs would be
    for n in range(200):
        cache.add(f"token-{n}", Carrier.HEADER, large, exp=int(time.time()) + 300)
    assert cache.bytes_held <= 1024 * 1024
    assert cache.get("token-199", Carrier.HEADER) == large  # the newest are kept
    # One identity larger than the whole budget is simply not remembered.
    cache.add("huge", Carrier.HEADER, _identity(20_000), exp=int(time.time()) + 300)
    assert cache.get("huge", Carrier.HEADER) is None


def test_a_token_with_thousands_of_orgs_still_signs_in(client, upstream):
    orgs = [{"id": "org-a", "name": "Org A"}] + [
        {"id": f"org-{i}", "name": f"Org {i}"} for i in range(3000)]
    token = make_jwt(orgs=orgs)
    upstream.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_key_for_org_a"})
    upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    for _ in range(2):
        response = client.get(TEMPLATES + "?tenantExternalId=org-a",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
