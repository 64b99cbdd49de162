"""Hostile input over every route: never a 5xx, never an unvalidated value upstream.

The routes come from bff.api's REGISTRY, so a new route is fuzzed without touching this
file. Each example runs against the real app with Craftkit mocked permissively; afterwards
every upstream call it caused is checked: only the registered endpoints, the caller's own
org key, only that route's query parameters and each valid, no browser Cookie or
Authorization, and no key or token in any response or log line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import unicodedata
from urllib.parse import parse_qsl, quote, urlsplit

import jwt
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bff import create_app
from bff.api import REGISTRY
from bff.api.renders import RENDER_ID
from bff.api.routes import QUERY_RULES
from bff.credentials import validate_org_id
from bff.errors import BffError
from tests.support.secrets import secret
from tests.support.tokens import mint_jwt

BASE = "https://craftkit.test"
ADMIN_KEY = "ck_admin_hostile_secret_0123456789"
JWT_SECRET = secret("hostile-jwt-secret-0123456789abcdef01")
KEYS = {"org-a": "ck_live_hostile_key_a", "org-b": "ck_live_hostile_key_b"}
RENEW = "ckr_hostile_upstream_renew"
SECRETS = (ADMIN_KEY, JWT_SECRET, RENEW, *KEYS.values())
PLACEHOLDER = re.compile(r"\\\{(\w+)\\\}")


def _upstream_pattern(route):
    """The route's Craftkit path as a regex whose placeholders capture one segment each."""
    return re.compile(PLACEHOLDER.sub(r"(?P<\1>[^/]+)", re.escape(route.upstream)))


UPSTREAM = [(route, _upstream_pattern(route)) for route in REGISTRY]
# Every registered browser path, its placeholders filled with a harmless id.
ROUTES = ["/api/craftkit" + re.sub(r"<(\w+)>", "r1", route.rule) for route in REGISTRY]
PARAMETERISED = [route for route in REGISTRY if "<" in route.rule]

APP = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                  "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_AUTH_JWT_COOKIE": "host"})
TOKEN = mint_jwt(JWT_SECRET, "user-1", ["org-a"], expires_in=3600)
PUBLIC_PEM = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(
    ).public_bytes(serialization.Encoding.PEM,
                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
PUBLIC_KEY_APP = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                             "CRAFTKIT_AUTH_JWT_PUBLIC_KEY": PUBLIC_PEM})


def _provision(request):
    org = json.loads(request.body)["externalOrgId"]
    return 200, {}, json.dumps({"apiKey": KEYS.get(org, "ck_live_hostile_other")})


def _session(request):
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 900))
    return 200, {}, json.dumps({"session_token": "t", "iframe_url": BASE + "/embed/x",
                                "renew_token": RENEW, "expires_at": expires})


def _mock(mock):
    mock.add_callback("POST", BASE + "/v1/admin/provision", callback=_provision)
    for route, pattern in UPSTREAM:
        # Anchored: responses matches a regex at the start only, so the list's pattern
        # would also answer the download below it.
        url = re.compile(re.escape(BASE) + pattern.pattern + r"(\?.*)?$")
        if "download" in route.upstream:
            mock.add(route.method, url, body=b"%PDF-1.4 hostile")
        elif route.method == "POST":  # the POST routes mint or refresh sessions
            mock.add_callback(route.method, url, callback=_session)
        else:  # the GET routes list things
            mock.add(route.method, url, json={"data": []})


def _registered_call(method, path):
    """Return the route behind an upstream call and its placeholders, or fail the test."""
    for route, pattern in UPSTREAM:
        match = pattern.fullmatch(path)
        if match and route.method == method:
            return route, match.groupdict()
    raise AssertionError(f"unregistered upstream call {method} {path}")


def _check_upstream_calls(calls, org="org-a"):
    for call in calls:
        url = urlsplit(call.request.url)
        method = call.request.method
        headers = call.request.headers
        assert "Cookie" not in headers
        if url.path == "/v1/admin/provision":
            assert method == "POST"
            assert json.loads(call.request.body)["externalOrgId"] == org
            continue
        route, placeholders = _registered_call(method, url.path)
        for value in placeholders.values():
            assert RENDER_ID.fullmatch(value), value
        assert headers["Authorization"] == f"Bearer {KEYS.get(org, 'ck_live_hostile_other')}"
        for name, value in parse_qsl(url.query, keep_blank_values=True):
            assert name in route.query, (route.rule, name)
            assert QUERY_RULES[name].fullmatch(value), (name, value)


def _check_response(response, records):
    assert response.status_code < 500, (response.status_code, response.get_data()[:300])
    text = response.get_data(as_text=True) + json.dumps(dict(response.headers))
    assert "Traceback" not in text
    if response.status_code >= 400 and response.request.method != "HEAD":
        assert response.is_json
    for record in records:
        line = record.getMessage()
        assert not [s for s in SECRETS if s in line], line
    assert not [s for s in SECRETS if s in text]


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _send(method, path, *, headers=None, data=None, query=None, app=None, org="org-a"):
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    old_level, root.level = root.level, logging.DEBUG
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            _mock(mock)
            # Without a cookie jar the client sends a Cookie header raw, junk and all,
            # as an attacker's client would (a jar would drop or refuse it).
            client = (app or APP).test_client(use_cookies=False)
            response = client.open(path, method=method, headers=headers or {}, data=data,
                                   query_string=query)
            _check_upstream_calls(mock.calls, org)
    finally:
        root.removeHandler(capture)
        root.level = old_level
    _check_response(response, capture.records)
    return response


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
deep = st.integers(1, 3000).map(lambda n: "[" * n + "]" * n)
raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    deep.map(str.encode),
    st.integers(60_000, 70_000).map(lambda n: b'{"templateName": "' + b"x" * n + b'"}'),
    st.just(b'{"mode": "create", "mode": "fill", "tenantExternalId": "org-a",'
            b' "tenantExternalId": "org-b"}'),
    st.just(b'{"templateName": NaN, "mode": Infinity}'),
    st.just(b'{"limit": 1e400, "templateName": ' + b"9" * 5000 + b"}"),
    st.just('{"tenantExternalId": "org-a\u202e", "templateName": "\ud800"}'.encode(
        "utf-8", "surrogatepass")),
    st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=6)
      .map(lambda d: json.dumps(d).encode()),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), method=st.sampled_from(METHODS), body=raw_bodies,
       content_type=st.sampled_from(["application/json", "application/json; charset=utf-8",
                                     "text/plain", "application/x-www-form-urlencoded", ""]),
       extra=st.dictionaries(st.sampled_from(["Cookie", "Origin", "Sec-Fetch-Site",
                                              "X-Request-ID", "Accept-Language",
                                              "X-Forwarded-For", "Content-Length"]),
                             header_text, max_size=4))
def test_any_method_body_and_headers_never_5xx(route, method, body, content_type, extra):
    headers = {"Authorization": f"Bearer {TOKEN}", **extra}
    if content_type:
        headers["Content-Type"] = content_type
    if "Content-Length" in headers and not headers["Content-Length"].isdigit():
        del headers["Content-Length"]
    headers.pop("Content-Length", None)  # the test client computes it from the body
    _send(method, route, headers=headers, data=body)


@settings(max_examples=300, deadline=None)
@given(route=st.sampled_from(REGISTRY), segment=st.text(min_size=1, max_size=200),
       query=st.dictionaries(st.sampled_from([*QUERY_RULES, "tenantExternalId", "apiKey",
                                              "org", ""]),
                             st.text(max_size=80), max_size=5))
def test_any_path_segment_and_query_never_reaches_upstream_unvalidated(route, segment, query):
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    path = "/api/craftkit" + re.sub(r"<(\w+)>", quote(segment, safe=""), route.rule)
    _send(route.method, path, headers=headers, query=query,
          data=b'{"mode": "create"}' if route.method == "POST" else None)


@settings(max_examples=200, deadline=None)
@given(authorization=st.one_of(header_text, st.just("Bearer " + TOKEN[:-3] + "abc"),
                               st.just("Bearer " + TOKEN.replace(".", ".x", 1)),
                               header_text.map(lambda t: "Bearer " + t)),
       cookie=st.one_of(st.none(), header_text))
def test_forged_credentials_are_401_never_5xx(authorization, cookie):
    headers = {"Authorization": authorization}
    if cookie is not None:
        headers["Cookie"] = f"host={cookie}"
    response = _send("GET", "/api/craftkit/templates", headers=headers)
    assert response.status_code in (200, 401)
    if response.status_code == 200:  # only the genuine token gets through
        assert authorization.strip() == f"Bearer {TOKEN}"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8),
                                                                      children, max_size=3),
    max_leaves=6)
ALGORITHMS = st.sampled_from(["HS256", "RS256", "ES256", "none", "None", "HS512", "PS256",
                              "EdDSA", "hs256", ""])
jose_headers = st.fixed_dictionaries(
    {"alg": st.one_of(ALGORITHMS, json_values, st.lists(ALGORITHMS, max_size=2))},
    optional={"kid": json_values, "typ": json_values, "crit": json_values,
              "b64": json_values, "jku": json_values, "jwk": json_values,
              "x5u": json_values, "cty": json_values, "zip": json_values})


def _with_header(header, payload, key):
    """Sign payload by hand under a hostile header (PyJWT would refuse to write one)."""
    encode = jwt.utils.base64url_encode
    signing_input = (encode(json.dumps(header).encode()) + b"."
                     + encode(json.dumps(payload).encode()))
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + encode(signature)).decode()


@settings(max_examples=300, deadline=None)
@example(header={"alg": "HS256"}, signed_with="secret", target="secret_app",
         claims={"orgs": None})  # a valid token naming no org: 403, not 401
@example(header={"alg": "HS256"}, signed_with="secret", target="secret_app",
         claims={"orgs": ["0"]})  # another single org: served as that org
@given(header=jose_headers, signed_with=st.sampled_from(["secret", "public_key", "junk"]),
       target=st.sampled_from(["secret_app", "public_key_app"]),
       claims=st.fixed_dictionaries({}, optional={"sub": json_values, "exp": json_values,
                                                  "orgs": json_values, "aud": json_values,
                                                  "nbf": json_values}))
def test_malformed_jwt_headers_are_401_never_5xx(header, signed_with, target, claims):
    payload = {"sub": "user-1", "orgs": ["org-a"], "exp": int(time.time()) + 600, **claims}
    key = {"secret": JWT_SECRET.encode(), "public_key": PUBLIC_PEM.encode(),
           "junk": b"junk"}[signed_with]
    token = _with_header(header, payload, key)
    app = APP if target == "secret_app" else PUBLIC_KEY_APP
    named = _org_ids(payload["orgs"])
    response = _send("GET", "/api/craftkit/templates", app=app,
                     headers={"Authorization": f"Bearer {token}"},
                     org=next(iter(named)) if len(named) == 1 else "org-a")
    assert response.status_code in (200, 400, 401, 403)
    if response.status_code != 401:  # only a token signed with the real secret as HS256
        assert (target, signed_with, header["alg"]) == ("secret_app", "secret", "HS256")
        # A valid token says which orgs its user is in: none is 403, several 400.
        expected = {0: 403, 1: 200}.get(len(named), 400)
        assert response.status_code == expected, (payload["orgs"], response.status_code)


def _org_ids(orgs: object) -> set[str]:
    """The org ids an `orgs` claim names, as the identity docs define the claim."""
    items = orgs if isinstance(orgs, list) else []
    ids = {item if isinstance(item, str) else item.get("id") if isinstance(item, dict)
           else None for item in items}
    return {org for org in ids if isinstance(org, str) and org}


def _token(sub, orgs):
    return mint_jwt(JWT_SECRET, sub, orgs, expires_in=3600)


@settings(max_examples=200, deadline=None)
@given(org=st.text(max_size=60).filter(lambda o: o != "org-a"),
       where=st.sampled_from(["session", "refresh", "query"]))
def test_other_org_ids_are_always_refused(org, where):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    post = {**headers, "Content-Type": "application/json"}
    if where == "query":
        response = _send("GET", "/api/craftkit/templates", headers=headers,
                         query={"tenantExternalId": org})
    elif where == "session":
        response = _send("POST", "/api/craftkit/session", headers=post,
                         data=json.dumps({"mode": "create", "tenantExternalId": org}))
    else:
        sealed = APP.extensions["craftkit_bff"].sealer.seal(RENEW, "org-a", "user-1")
        response = _send("POST", "/api/craftkit/refresh", headers=post,
                         data=json.dumps({"renewToken": sealed, "orgId": org}))
    # A malformed org id is a bad request; a well-formed one that is not yours, forbidden.
    assert response.status_code == (400 if _malformed(org, where) else 403)


def _malformed(org, where):
    if where == "refresh":  # orgId is checked as a field: non-empty, printable, <= 200
        return (not org.strip() or len(org) > 200
                or any(unicodedata.category(c) == "Cc" for c in org))
    try:
        validate_org_id(org)
    except BffError:
        return True
    return False


def test_another_users_or_orgs_sealed_token_is_refused():
    sealer = APP.extensions["craftkit_bff"].sealer
    for sealed in (sealer.seal(RENEW, "org-a", "user-2"), sealer.seal(RENEW, "org-b", "user-1")):
        response = _send("POST", "/api/craftkit/refresh",
                         headers={"Authorization": f"Bearer {TOKEN}",
                                  "Content-Type": "application/json"},
                         data=json.dumps({"renewToken": sealed}))
        assert response.status_code == 403


def test_cross_site_post_with_the_cookie_is_refused():
    for site_headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                         {"Origin": "null"}):
        response = _send("POST", "/api/craftkit/session",
                         headers={"Cookie": f"host={TOKEN}", "Content-Type": "application/json",
                                  **site_headers},
                         data=json.dumps({"mode": "create"}))
        assert response.status_code == 403


def test_expired_and_unsigned_tokens_are_refused():
    expired = mint_jwt(JWT_SECRET, "user-1", ["org-a"], expires_in=-600)
    unsigned = mint_jwt(None, "user-1", ["org-a"], algorithm="none")
    for token in (expired, unsigned, _token("user-1", ["org-a"])[:-4] + "AAAA"):
        response = _send("GET", "/api/craftkit/templates",
                         headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
