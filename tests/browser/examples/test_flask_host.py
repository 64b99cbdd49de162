"""The Flask host example (examples/flask_host) in Chromium: a plain .js module imports the
element from the BFF's version-less URL and mounts it; the page's CSP lets the Craftkit frame
in; a template is published through it; and the BFF logs one line per request."""

from __future__ import annotations

import logging

import pytest

from bff.emulator import create_emulator_app
from examples.flask_host.app import create_host_app
from tests.support.servers import serve_app

ADMIN_KEY = "ck_admin_flask_host_example_0123456789"


@pytest.fixture(scope="module")
def host():
    """The emulator and the example host app on two local origins; yield the host's URL."""
    emulator = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(emulator) as craftkit:
        app = create_host_app({"SECRET_KEY": "host-secret", "CRAFTKIT_ADMIN_KEY": ADMIN_KEY,
                               "CRAFTKIT_BASE_URL": craftkit})
        with serve_app(app) as url:
            emulator.config["FRAME_ANCESTORS"] = [url]
            yield url


def test_the_example_page_mounts_the_element_from_a_plain_module_and_publishes(
        host, page, caplog):
    caplog.set_level(logging.INFO, logger="bff.request")
    page.set_default_timeout(20_000)  # a whole app's first page, on a busy machine
    page.request.post(host + "/login", form={"user": "ada"})
    modules = []
    page.on("response", lambda response: modules.append((response.url, response.status))
            if "/element/" in response.url else None)
    page.goto(host + "/documents")

    page.wait_for_selector("#documents craftkit-embed[data-state=ready]")
    frame = page.frame_locator("craftkit-embed iframe")
    frame.get_by_test_id("add-field-customer.name").click()
    frame.get_by_test_id("publish").click()
    page.get_by_role("status").filter(has_text='Published "Service agreement"').wait_for()

    assert (host + "/api/craftkit/element/craftkit-embed.js", 302) in modules
    assert all(status in (200, 302) for _, status in modules)
    policy = page.request.get(host + "/documents").headers["content-security-policy"]
    assert "frame-src http://127.0.0.1:" in policy
    assert "POST /api/craftkit/session 200" in caplog.text
