"""Two BFF processes sharing one registry: a cold herd for a new org makes one project."""

from __future__ import annotations

import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor

from bff.registry.naming import marker_for
from tests.support.servers import free_port, run_process

from .conftest import ACCOUNT_KEY, JWT_SECRET, SECRET, mint


def test_cold_requests_across_two_processes_make_one_project(emulator, registry_url):
    command = shutil.which("craftkit-bff") or os.path.join(os.path.dirname(sys.executable),
                                                           "craftkit-bff")
    env = {"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY, "CRAFTKIT_BASE_URL": emulator.url,
           "CRAFTKIT_REGISTRY_URL": registry_url, "CRAFTKIT_REGISTRY_SECRET": SECRET,
           "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_ADMIN_KEY": ""}
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    # One process each (Flask's server, as `serve` was when this was written).
    serve = [[command, "serve", "--dev", "--bind", f"127.0.0.1:{port}"] for port in ports]
    with run_process(serve[0], env, urls[0] + "/healthz"), \
            run_process(serve[1], env, urls[1] + "/healthz"):
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda i: mint(urls[i % 2], org="initech"), range(20)))
    assert [answer.status_code for answer in answers] == [200] * 20, answers[0].text
    projects = emulator.projects(marker_for("initech"))
    assert len(projects) == 1
    assert emulator.key_count(projects[0]["id"]) == 1
