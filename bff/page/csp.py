"""Framing policies: the host page's CSP (frames from Craftkit only), and the check of
whether Craftkit's iframe lets a host origin frame it (its frame-ancestors, for doctor).

Every form of the page policy frames what the BFF may hand the browser: Craftkit's origin
and the other origins ``CRAFTKIT_IFRAME_ORIGINS`` allows for ``iframe_url``. Left out, both
come from the configuration: the mounted BFF's settings, else the app's config, else the
environment, so a page never blocks a frame the element then waits for.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, has_app_context

from .. import parsers
from ..config import DEFAULTS
from ..state import bff_state

if TYPE_CHECKING:
    from ..config import Settings

BASE_URL, IFRAME_ORIGINS = "CRAFTKIT_BASE_URL", "CRAFTKIT_IFRAME_ORIGINS"


def craftkit_origin(url: str) -> str:
    """Return the origin (scheme://host[:port]) of a Craftkit URL, or raise ValueError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or "*" in parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL with a host: pass Craftkit's URL, "
                         "e.g. https://www.craftkit.dev")
    if parts.username or parts.password:
        raise ValueError("A Craftkit URL for a CSP must not carry credentials.")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def frame_src_policy(craftkit_url: str | None = None,
                     iframe_origins: Iterable[str] | None = None) -> str:
    """Return a page CSP whose frame-src allows only Craftkit and scripts only 'self'.

    :param craftkit_url: Craftkit's URL; default ``CRAFTKIT_BASE_URL`` as configured.
    :param iframe_origins: the other origins Craftkit's ``iframe_url`` may point to (the BFF
        passes such a URL to the browser, so the page must be allowed to frame it too);
        default ``CRAFTKIT_IFRAME_ORIGINS`` as configured, ``()`` for none.
    """
    if craftkit_url is None:
        craftkit_url = configured_craftkit_url()
    if iframe_origins is None:
        iframe_origins = configured_iframe_origins()
    frame_src = [craftkit_origin(craftkit_url)]
    frame_src += sorted({craftkit_origin(url) for url in iframe_origins} - set(frame_src))
    directives = {
        "default-src": "'self'",
        # The page's own modules (craftkit-embed.js included); no inline script, no eval.
        "script-src": "'self'",
        # The element styles its shadow root with a <style> element, which CSP treats as
        # inline; styles cannot run code, so allowing them costs far less than a hash that
        # breaks whenever the element changes.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        # Session, refresh and list calls go to the BFF on this origin, never to Craftkit.
        "connect-src": "'self'",
        # The one exception to 'self': the Craftkit iframe, and nothing else may be framed.
        "frame-src": " ".join(frame_src),
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def apply_csp(target: Flask | Blueprint, craftkit_url: str | None = None,
              iframe_origins: Iterable[str] | None = None) -> None:
    """Send frame_src_policy() on the HTML pages of an app or blueprint.

    Both parameters are frame_src_policy()'s, read at each page when left out, so they
    follow the configuration of the app that serves the page.
    """
    fixed_origins = None if iframe_origins is None else tuple(iframe_origins)

    def add_policy(response: Response) -> Response:
        # A view that set its own policy knows better; JSON and files need none.
        if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = frame_src_policy(
                craftkit_url, fixed_origins)
        return response

    target.after_request(add_policy)


def configured_craftkit_url() -> str:
    """Return CRAFTKIT_BASE_URL: the mounted BFF's, the app's config, or the environment."""
    settings = _mounted_settings()
    if settings is not None:
        return settings.base_url
    return parsers.http_url(_configured(BASE_URL) or DEFAULTS[BASE_URL], BASE_URL)


def configured_iframe_origins() -> frozenset[str]:
    """Return CRAFTKIT_IFRAME_ORIGINS: the mounted BFF's, the app's config, or the environment."""
    settings = _mounted_settings()
    if settings is not None:
        return settings.iframe_origins
    return parsers.origins(_configured(IFRAME_ORIGINS), IFRAME_ORIGINS)


def _mounted_settings() -> Settings | None:
    if not has_app_context():
        return None
    try:
        return bff_state().settings
    except RuntimeError:
        return None  # an app without the extension


def _configured(name: str) -> str | None:
    if has_app_context() and current_app.config.get(name) is not None:
        return current_app.config[name]
    return os.environ.get(name)


def frame_ancestors_allow(policy: str, frame_options: str | None, origin: str,
                          frame_origin: str) -> bool:
    """Tell whether a page with these headers may be framed by origin."""
    for directive in policy.split(";"):
        name, *sources = directive.split() or [""]
        if name.lower() == "frame-ancestors":
            return any(_source_matches(s, origin, frame_origin) for s in sources)
    options = (frame_options or "").strip().upper()
    return options != "DENY" and (options != "SAMEORIGIN" or origin == frame_origin)


def _source_matches(source: str, origin: str, frame_origin: str) -> bool:
    if source == "*":
        return True
    if source == "'self'":
        return origin == frame_origin
    want, have = urlsplit(source if "://" in source else "https://" + source), urlsplit(origin)
    if want.scheme != have.scheme:
        return False
    host = want.hostname or ""
    if host.startswith("*."):
        host_ok = (have.hostname or "").endswith(host[1:])
    else:
        host_ok = host == have.hostname
    port_ok = want.netloc.endswith(":*") or (want.port or _default_port(want.scheme)) == (
        have.port or _default_port(have.scheme))
    return host_ok and port_ok


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
