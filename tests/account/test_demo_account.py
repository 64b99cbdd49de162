"""`craftkit-bff demo --account`: the whole flow with an account key and a tenant registry."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bff.demo.stack import start_demo
from bff.registry import KEYED
from tests.e2e.demo_page import DemoPage
from tests.servers import free_port


@pytest.fixture(scope="module")
def account_demo():
    with start_demo(account=True) as stack:
        yield stack


@pytest.mark.browser
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


def test_account_demo_command_starts_says_so_and_cleans_up():
    port, emulator_port = free_port(), free_port()
    command = shutil.which("craftkit-bff") or os.path.join(os.path.dirname(sys.executable),
                                                           "craftkit-bff")
    process = subprocess.Popen([command, "demo", "--account", "--port", str(port),
                                "--emulator-port", str(emulator_port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        output = "".join(lines)
        assert "an account key and a tenant registry" in output, output
        assert requests.get(f"http://127.0.0.1:{port}/signin", timeout=5).status_code == 200
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0 and "Stopped." in rest
    for secret_prefix in ("ck_acct_", "ck_live_", "ck_admin"):
        assert secret_prefix not in output + rest
