"""Calls to Craftkit on behalf of the browser, with the org's key and allow-listed input."""

from __future__ import annotations

import re

import requests
from flask import current_app, request

from ..errors import InvalidRequest
from ..requestlog import request_id

# Browser headers that may reach Craftkit, each with the only shape it may have there.
FORWARDED_HEADERS = {"Accept-Language": re.compile(r"[A-Za-z0-9*][A-Za-z0-9*,;=. -]{0,255}")}
_QUERY_RULES = {
    "limit": re.compile(r"[1-9][0-9]{0,2}"),
    "cursor": re.compile(r"[A-Za-z0-9._~=+/-]{1,512}"),
    "status": re.compile(r"[A-Za-z_]{1,32}"),
    "templateId": re.compile(r"[A-Za-z0-9_-]{1,128}"),
}
MAX_LIMIT = 100


def forwarded_headers() -> dict[str, str]:
    """Return the few browser headers that may reach Craftkit (never Cookie/Authorization)."""
    headers = {}
    for name, pattern in FORWARDED_HEADERS.items():
        value = request.headers.get(name, "").strip()
        if pattern.fullmatch(value):
            headers[name] = value
    return headers


def forwarded_params() -> dict[str, str]:
    """Return the allow-listed query parameters, each validated; drop everything else."""
    params = {}
    for name, pattern in _QUERY_RULES.items():
        value = request.args.get(name)
        if value is None:
            continue
        if not pattern.fullmatch(value) or (name == "limit" and int(value) > MAX_LIMIT):
            raise InvalidRequest(f"The query parameter {name} is not valid.")
        params[name] = value
    return params


def call_json(org_id: str, org_name: str, method: str, path: str, failure_code: str,
              json: dict | None = None, params: dict | None = None) -> dict:
    """Call Craftkit with the org's key (retrying once on a stale key) and return its JSON."""
    state = current_app.extensions["craftkit_bff"]
    rid, headers = request_id(), forwarded_headers()
    return state.keys.call(org_id, org_name, lambda key: state.upstream.call_json(
        method, path, key, rid, failure_code=failure_code, json=json, params=params,
        headers=headers))


def open_download(org_id: str, org_name: str, path: str) -> requests.Response:
    """Open a streamed download with the org's key; the caller closes it."""
    state = current_app.extensions["craftkit_bff"]
    rid = request_id()
    return state.keys.call(org_id, org_name, lambda key: state.upstream.open_download(
        path, key, rid, failure_code="craftkit_download_failed"))
