"""Identity loaders: host-issued JWTs (header or cookie), the signed session, custom ones."""

import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bff import Carrier, ConfigError, Identity, create_app
from tests.support.clock import FakeClock
from tests.support.craftkit_mock import ADMIN_KEY, BASE, JWT_SECRET, make_jwt
from tests.support.tokens import mint_jwt

TEMPLATES = "/api/craftkit/templates"


def get_templates(client, upstream, headers=None, ok=True):
    if ok:
        upstream.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_key_for_org_a"})
        upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    return client.get(TEMPLATES, headers=headers or {})


def _unsigned(payload):
    header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(json.dumps(payload).encode()).decode()
    return f"{header}.{body}."


def _hs256_signed_with(key: bytes) -> str:
    """Sign a token by hand with HMAC over the given bytes (PyJWT refuses to)."""
    encode = jwt.utils.base64url_encode
    signing_input = encode(b'{"alg":"HS256","typ":"JWT"}') + b"." + encode(
        json.dumps({"sub": "user-1", "orgs": ["org-a"], "exp": 9_999_999_999}).encode())
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + encode(signature)).decode()


@pytest.mark.parametrize("token", [
    make_jwt(exp_in=-120),
    make_jwt(secret="another-secret-of-sufficient-length-xx"),
    _unsigned({"sub": "user-1", "orgs": ["org-a"], "exp": int(time.time()) + 300}),
    "not.a.jwt", "abc",
    mint_jwt(JWT_SECRET, expires_in=None),
    mint_jwt(JWT_SECRET, sub=None),
    make_jwt(algorithm="HS512", secret=JWT_SECRET * 2),
])
def test_bad_jwts_are_401(client, upstream, token):
    response = get_templates(client, upstream, {"Authorization": f"Bearer {token}"}, ok=False)
    assert response.status_code == 401
    assert response.json["error"] == "unauthenticated"


def test_jwt_within_leeway_is_accepted(client, upstream):
    response = get_templates(client, upstream, {"Authorization": f"Bearer {make_jwt(exp_in=-5)}"})
    assert response.status_code == 200


def test_jwt_org_id_claim_form_is_accepted(client, upstream):
    token = make_jwt(orgs=(), org_id="org-a", org_name="Org A")
    token = jwt.encode({**jwt.decode(token, options={"verify_signature": False}),
                        "orgs": None}, JWT_SECRET, algorithm="HS256")
    response = get_templates(client, upstream, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_jwt_in_the_configured_cookie(config, upstream):
    client = create_app({**config, "CRAFTKIT_AUTH_JWT_COOKIE": "host_session"}).test_client()
    client.set_cookie("host_session", make_jwt())
    assert get_templates(client, upstream).status_code == 200


def test_jwt_audience_and_issuer_are_enforced(config, upstream):
    client = create_app({**config, "CRAFTKIT_AUTH_JWT_AUDIENCE": "bff",
                         "CRAFTKIT_AUTH_JWT_ISSUER": "https://host.example"}).test_client()
    wrong = {"Authorization": f"Bearer {make_jwt(aud='other', iss='https://host.example')}"}
    assert get_templates(client, upstream, wrong, ok=False).status_code == 401
    right = {"Authorization": f"Bearer {make_jwt(aud='bff', iss='https://host.example')}"}
    assert get_templates(client, upstream, right).status_code == 200


@pytest.mark.parametrize(("algorithm", "private_key"), [
    ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ("ES256", ec.generate_private_key(ec.SECP256R1())),
])
def test_asymmetric_jwts_verify_with_the_public_key(config, upstream, algorithm, private_key):
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    config = {**config, "CRAFTKIT_AUTH_JWT_PUBLIC_KEY": public_pem}
    del config["CRAFTKIT_AUTH_JWT_SECRET"]
    client = create_app(config).test_client()
    token = make_jwt(secret=private_key, algorithm=algorithm)
    assert get_templates(client, upstream, {"Authorization": f"Bearer {token}"}).status_code \
        == 200
    # An HS256 token "signed" with the public key must never pass (algorithm confusion).
    forged = _hs256_signed_with(public_pem.encode())
    assert get_templates(client, upstream, {"Authorization": f"Bearer {forged}"},
                         ok=False).status_code == 401


def test_custom_identity_loader(upstream):
    def loader():
        return Identity("custom-user", orgs={"org-a": "Org A"})

    client = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE},
                        identity_loader=loader).test_client()
    assert get_templates(client, upstream).status_code == 200


def test_identity_from_claims_skips_malformed_orgs():
    identity = Identity.from_claims({"sub": "u", "orgs": ["a", {"id": "b", "name": "B"},
                                                         {"name": "no id"}, 5, ""]}, via="header")
    assert dict(identity.orgs) == {"a": "a", "b": "B"}
    assert Identity.from_claims({"sub": ""}, via="header") is None
    assert Identity.from_claims({"sub": 5}, via="header") is None


def test_verified_token_cache_never_outlives_the_tokens_exp():
    from bff.identity.jwt_loader import VerifiedTokens

    clock = FakeClock(1_000.0)
    cache = VerifiedTokens(leeway=30, ttl=60, clock=clock, timer=clock)
    user = Identity("u", via="header")
    cache.add("token", Carrier.HEADER, user, exp=1_010)
    assert cache.get("token", Carrier.HEADER) == user
    assert cache.get("token", Carrier.COOKIE) is None  # the carrier is part of the identity
    clock.now = 1_039.0  # past exp, within the leeway jwt.decode allows
    assert cache.get("token", Carrier.HEADER) is not None
    clock.now = 1_041.0
    assert cache.get("token", Carrier.HEADER) is None
    assert cache.get("another token", Carrier.HEADER) is None


def test_a_rejected_token_stays_rejected(client, upstream):
    forged = make_jwt(secret="not-the-secret-but-long-enough-0123456")
    for _ in range(3):
        assert get_templates(client, upstream, {"Authorization": f"Bearer {forged}"},
                             ok=False).status_code == 401


def test_identity_carrier_is_typed_and_decides_csrf_exposure():
    from bff import Carrier

    assert Identity("u", via="header").via is Carrier.HEADER
    assert not Identity("u", via=Carrier.HEADER).csrf_exposed
    assert Identity("u", via="session").csrf_exposed
    assert Identity("u").csrf_exposed  # a custom loader's identity is checked by default
    with pytest.raises(ValueError):
        Identity("u", via="headr")


def test_only_sub_names_the_user(client, upstream):
    token = mint_jwt(JWT_SECRET, "", expires_in=60, user_id="admin")
    assert get_templates(client, upstream, {"Authorization": f"Bearer {token}"},
                         ok=False).status_code == 401
    assert Identity.from_claims({"user_id": "admin"}, via="session") is None


def test_loaders_say_whether_they_need_the_session_secret():
    from bff.identity import needs_secret_key, session_identity_loader
    from bff.identity.jwt_loader import JwtIdentityLoader

    assert needs_secret_key(session_identity_loader)
    assert not needs_secret_key(lambda: None)
    settings = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET}
                          ).extensions["craftkit_bff"].settings
    assert not needs_secret_key(JwtIdentityLoader(settings))


def test_two_identity_sources_are_a_start_up_error(config):
    # A host loader and JWT settings at once: neither may silently win.
    with pytest.raises(ConfigError) as refused:
        create_app(config, identity_loader=lambda: Identity("someone"))
    assert "Two identity sources" in str(refused.value)
    assert "CRAFTKIT_AUTH_JWT_SECRET" in str(refused.value)
    assert "identity_loader" in str(refused.value)
    assert JWT_SECRET not in str(refused.value)


def test_a_mounted_app_with_its_own_loader_and_jwt_settings_is_refused(config):
    from flask import Flask

    from bff import CraftkitBFF

    app = Flask("host")
    app.config.update(config)
    with pytest.raises(ConfigError, match="Two identity sources"):
        CraftkitBFF(app, identity_loader=lambda: None)
