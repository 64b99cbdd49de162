"""The builder, fill and view pages: headers that allow framing by the allowed origins only."""

from __future__ import annotations

import json
import re

import pytest

PAGES = ["builder", "fill", "view"]


@pytest.mark.parametrize("page", PAGES)
def test_page_is_framable_only_by_frame_ancestors(emulator, page):
    response = emulator.call("GET", f"/embed/{page}")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors http://127.0.0.1:* http://localhost:*" in policy
    assert "X-Frame-Options" not in response.headers
    assert "script-src 'self'" in policy
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_page_frame_ancestors_come_from_config(start_emulator):
    emulator = start_emulator(FRAME_ANCESTORS=["https://app.example.com"])
    response = emulator.call("GET", "/embed/fill")
    assert response.headers["Content-Security-Policy"].endswith(
        "frame-ancestors https://app.example.com")
    allowed = re.search(r'data-frame-ancestors="([^"]*)"', response.text).group(1)
    assert json.loads(allowed.replace("&#34;", '"')) == ["https://app.example.com"]


def test_page_no_frame_ancestors_means_none(start_emulator):
    emulator = start_emulator(FRAME_ANCESTORS=[])
    policy = emulator.call("GET", "/embed/view").headers["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors 'none'")


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_its_script_and_stylesheet(emulator, page):
    html = emulator.call("GET", f"/embed/{page}").text
    for asset in (f"/embed/static/{page}.js", "/embed/static/embed.css"):
        assert asset in html
        assert emulator.call("GET", asset).status_code == 200


@pytest.mark.parametrize("page,testids", [
    ("builder", ["template-name", "publish", "field-picker", "selected-fields",
                 "custom-field-label", "add-custom-field", "session-status", "message"]),
    ("fill", ["fill-form", "submit", "form-title", "session-status", "message"]),
    ("view", ["render-list", "render-detail", "session-status", "message"]),
])
def test_page_has_its_stable_testids(emulator, page, testids):
    html = emulator.call("GET", f"/embed/{page}").text
    for testid in testids:
        assert f'data-testid="{testid}"' in html


def test_scripts_post_only_to_the_checked_parent_origin(emulator):
    calls = []
    for name in ("session.js", "builder.js", "fill.js", "view.js", "origins.js"):
        script = emulator.call("GET", f"/embed/static/{name}").text
        calls += re.findall(r"postMessage\(([^)]*)\)", script)
    assert calls == ["message, this.parentOrigin"]
    session = emulator.call("GET", "/embed/static/session.js").text
    assert "if (this.parentOrigin) window.parent.postMessage" in session
    assert "event.source !== window.parent || event.origin !== this.parentOrigin" in session
