"""How a call to Craftkit is written: the request requests would prepare, or its bytes.

Both ways send the same request (a test compares them byte for byte): the session's
headers (our User-Agent, ``Accept-Encoding: identity``, keep-alive), ``Accept:
application/json``, the bearer key, the request id, the caller's few extra headers, and a
JSON body encoded as requests encodes it. Every header is checked as requests checks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from json import dumps as json_dumps
from urllib.parse import urlencode

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity

# Headers every call carries (session's, then ours): a caller may add others, not these.
_FIXED = frozenset({"host", "user-agent", "accept-encoding", "accept", "connection",
                    "authorization", "x-request-id", "content-length", "content-type"})
# What http.client refuses in a request target (controls, space, anything not ASCII).
_UNSAFE_TARGET = re.compile(r"[^\x21-\x7e]")
# A header requests certainly accepts (a token name, a printable ASCII value not starting
# with a space): checked with one match each; anything else goes through requests' check.
_PLAIN_NAME = re.compile(r"[!-9;-~]+")
_PLAIN_VALUE = re.compile(r"(?:[!-~][ -~]*)?")


class RequestWriter:
    """Write calls to one Craftkit base URL with one session's headers."""

    def __init__(self, base_url: str, session_headers: Mapping[str, str]) -> None:
        self.session_headers = session_headers
        # The base URL as requests would normalise it (IDNA host, quoting), done once.
        self.prepared_base = str(requests.Request("GET", base_url + "/").prepare().url)[:-1]
        fixed = CaseInsensitiveDict(session_headers)
        fixed["Accept"] = "application/json"
        for header in fixed.items():
            check_header_validity(header)
        self._fixed_lines = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())

    def lean(self, base_path: str, host: str, method: str, path: str, bearer: str,
             request_id: str, json: dict | None, params: Mapping[str, str] | None,
             headers: Mapping[str, str] | None) -> tuple[str, bytes, bytes | None]:
        """Return the request target, the head's bytes and the body, as requests sends them.

        :raises requests.RequestException: what requests would raise for this request.
        """
        target = base_path + path + (f"?{urlencode(params)}" if params else "")
        if _UNSAFE_TARGET.search(target):
            raise requests.exceptions.InvalidURL("the request path is not valid")
        if headers and any(name.lower() in _FIXED for name in headers):
            # A caller replacing one of the fixed headers: build it as requests would.
            prepared = self.prepare(method, path, bearer, request_id, json, params, headers)
            lines = "".join(f"{k}: {v if isinstance(v, str) else v.decode('latin-1')}\r\n"
                            for k, v in prepared.headers.items())
            body = prepared.body if isinstance(prepared.body, bytes) else None
        else:
            lines, body = self._lines(method, bearer, request_id, json, headers)
        head = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n{lines}\r\n"
        return target, head.encode("latin-1"), body

    def _lines(self, method: str, bearer: str, request_id: str, json: dict | None,
               headers: Mapping[str, str] | None) -> tuple[str, bytes | None]:
        """The header lines after Host, in requests' order, and the body."""
        own = (("Authorization", f"Bearer {bearer}"), ("X-Request-ID", request_id),
               *(headers or {}).items())
        lines = [self._fixed_lines]
        for name, value in own:
            if not (_PLAIN_NAME.fullmatch(name) and _PLAIN_VALUE.fullmatch(value)):
                check_header_validity((name, value))
            lines.append(f"{name}: {value}\r\n")
        body = None
        if json is not None:
            body = json_body(json)
            lines.append(f"Content-Length: {len(body)}\r\nContent-Type: application/json\r\n")
        elif method not in ("GET", "HEAD"):
            lines.append("Content-Length: 0\r\n")
        return "".join(lines), body

    def prepare(self, method: str, path: str, bearer: str, request_id: str,
                 json: dict | None, params: Mapping[str, str] | None,
                 headers: Mapping[str, str] | None) -> requests.PreparedRequest:
        """Build the request Session.prepare_request would (no cookies, auth or hooks).

        :raises requests.RequestException: as requests would: InvalidHeader for a header
            it refuses, InvalidJSONError for a body JSON cannot encode.
        """
        all_headers: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(self.session_headers)
        all_headers.update({"Authorization": f"Bearer {bearer}", "X-Request-ID": request_id,
                            "Accept": "application/json", **(headers or {})})
        for header in all_headers.items():
            check_header_validity(header)
        request = requests.PreparedRequest()
        request.method = method
        # Paths are ours and query values are validated ASCII, so urlencode gives the same
        # text as requests' own encoding and re-quoting.
        request.url = self.prepared_base + path + (f"?{urlencode(params)}" if params else "")
        if json is not None:
            request.body = json_body(json)
            all_headers["Content-Length"] = str(len(request.body))
            all_headers.setdefault("Content-Type", "application/json")
        elif method not in ("GET", "HEAD"):
            all_headers["Content-Length"] = "0"
        request.headers = all_headers
        return request


def json_body(json: dict) -> bytes:
    """Encode a JSON body as requests does (NaN and infinities refused)."""
    try:
        return json_dumps(json, allow_nan=False).encode()
    except ValueError as error:
        raise requests.exceptions.InvalidJSONError(error) from None
