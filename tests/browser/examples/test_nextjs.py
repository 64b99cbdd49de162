"""The Next.js guide's example (examples/nextjs), built and driven in Chromium as a user would:
sign in (the app sets an HttpOnly JWT cookie), open the page, and publish a template through
the element, with every BFF call going through the app's rewrite of /api/craftkit/*.

Installs the example's npm dependencies (package-lock.json) and runs ``next build`` in a copy
outside the checkout, so it takes a couple of minutes.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from bff import create_app
from bff.emulator import create_emulator_app
from tests.browser.element.tooling import ROOT, require_node_tooling
from tests.support.secrets import secret
from tests.support.servers import free_port, run_process, serve_app

pytestmark = pytest.mark.timeout(1200)

EXAMPLE = ROOT / "examples" / "nextjs"
ADMIN_KEY = "ck_admin_nextjs_example_0123456789"
JWT_SECRET = secret("nextjs-example-jwt-secret-0123456789abcdef")
COOKIE = "craftkit_identity"  # what app/signin/route.ts sets


def npm(args: list[str], cwd, env: dict, timeout: float) -> None:
    done = subprocess.run(["npm", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"npm {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The emulator, the BFF (identity from the cookie) and the built example; yield its URL."""
    require_node_tooling()
    work = tmp_path_factory.mktemp("nextjs")
    # The example's package.json finds the element at ../../bff/static/embed, as in the repo.
    app_dir = work / "examples" / "nextjs"
    shutil.copytree(EXAMPLE, app_dir, ignore=shutil.ignore_patterns("node_modules", ".next"))
    (work / "bff").symlink_to(ROOT / "bff")
    next_port = free_port()
    next_url = f"http://127.0.0.1:{next_port}"
    emulator = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(emulator) as craftkit:
        bff = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": craftkit,
                          "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
                          "CRAFTKIT_AUTH_JWT_COOKIE": COOKIE,
                          "CRAFTKIT_ALLOWED_ORIGINS": next_url})
        with serve_app(bff) as bff_url:
            env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "CRAFTKIT_BFF_URL": bff_url,
                   "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
                   "npm_config_update_notifier": "false"}
            npm(["ci", "--no-audit", "--no-fund", "--loglevel=error"], app_dir, env, 900)
            npm(["run", "build"], app_dir, env, 900)
            command = [str(app_dir / "node_modules" / ".bin" / "next"), "start", "-p",
                       str(next_port), "-H", "127.0.0.1"]
            with run_process(command, env, next_url, timeout=120, cwd=str(app_dir)):
                yield next_url, bff_url


def test_the_nextjs_example_signs_in_embeds_and_publishes(stack, page):
    next_url, bff_url = stack
    page.set_default_timeout(20_000)  # a whole app's first page, on a busy machine
    calls = []
    page.on("request", lambda request: calls.append(request.url))
    page.goto(next_url)
    page.get_by_role("button", name="Sign in as Ada").click()
    page.wait_for_url(next_url + "/documents")

    page.wait_for_selector("craftkit-embed[data-state=ready]", timeout=20_000)
    frame = page.frame_locator("craftkit-embed iframe")
    assert frame.get_by_test_id("template-name").input_value() == "Service agreement"
    frame.get_by_test_id("add-field-customer.name").click()
    frame.get_by_test_id("publish").click()
    published = page.get_by_role("list", name="Published templates")
    published.get_by_text("Service agreement").wait_for()

    # The identity rides on an HttpOnly cookie the page's scripts cannot read.
    [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and COOKIE not in page.evaluate("document.cookie")
    # Every BFF call went to the app's own origin (the rewrite), none to the BFF's.
    assert next_url + "/api/craftkit/session" in calls
    assert not [url for url in calls if url.startswith(bff_url)]
