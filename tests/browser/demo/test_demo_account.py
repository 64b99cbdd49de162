"""The demo in account mode, in Chromium: sign in, build, fill and download, with an account
key and a tenant registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bff.demo.stack import start_demo
from bff.registry import KEYED

from .demo_page import DemoPage


@pytest.fixture(scope="module")
def account_demo():
    with start_demo(account=True) as stack:
        yield stack


def test_account_demo_signs_in_builds_fills_and_downloads(browser, account_demo, tmp_path):
    registry = account_demo.bff_app.extensions["craftkit_bff"].registry
    assert [(t.org_id, t.state, t.strategy) for t in registry.all()] == [
        ("acme", KEYED, "account"), ("globex", KEYED, "account")]
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(15_000)
    try:
        page = DemoPage(context.new_page(), account_demo.url).sign_in("bob")
        template_id = page.publish("Account-mode agreement")
        page.choose(mode="fill", template=template_id)
        page.wait_until_embedded()
        page.frame.get_by_test_id("field-customer.name").fill("Ada Lovelace")
        page.frame.get_by_test_id("submit").click()
        render_id = page.wait_for_event("craftkit:completed")["renderId"]
        with page.page.expect_download() as download:
            page.page.get_by_test_id(f"download-{render_id}").click()
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    finally:
        context.close()
