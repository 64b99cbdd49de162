"""Kill -9 the provisioning process between any two steps, restart it: one project, one key.

A driver process (tests/services/account/driver.py) resolves the org's key and dies at a named step,
or while the emulator holds the answer to its create or mint; a fresh driver then finishes
the job. Afterwards the emulator must hold exactly one project for the org, and the
registry one working key for it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from bff.registry import KEYED, Registry, RowCipher, create_registry_engine
from bff.registry.naming import marker_for
from tests.support import ROOT

from .conftest import ACCOUNT_KEY, SECRET

# step -> keys minted upstream for the project in the end (a mint whose answer died with
# the process leaves an orphan key that nobody holds)
STEPS = {"reserved": 1, "create_sent": 1, "project_created": 1, "project_recorded": 1,
         "key_minted": 2}


def driver_env(emulator, registry_url) -> dict:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("CRAFTKIT_")}
    env.update({"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY, "CRAFTKIT_BASE_URL": emulator.url,
                "CRAFTKIT_REGISTRY_URL": registry_url, "CRAFTKIT_REGISTRY_SECRET": SECRET,
                "CRAFTKIT_TIMEOUT": "1,1.5", "CRAFTKIT_REGISTRY_LEASE": "2",
                "CRAFTKIT_REGISTRY_WAIT": "30", "PYTHONPATH": str(ROOT)})
    return env


def start_driver(env: dict, org: str, step: str | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.services.account.driver", org] + ([step] if step else [])
    return subprocess.Popen(args, env=env, cwd=str(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(env: dict, org: str) -> None:
    driver = start_driver(env, org)
    output, _ = driver.communicate(timeout=90)
    assert driver.returncode == 0 and "resolved" in output, output


def assert_one_project_and_key(emulator, registry_url, org, minted) -> None:
    projects = emulator.projects(marker_for(org))
    assert len(projects) == 1, projects
    assert emulator.key_count(projects[0]["id"]) == minted
    engine = create_registry_engine(registry_url, 5, 1)
    try:
        registry = Registry(engine, RowCipher(SECRET))
        tenant = registry.get(org)
        assert tenant.state == KEYED and tenant.project_id == projects[0]["id"]
        assert emulator.key_works(registry.open_key(tenant))
    finally:
        engine.dispose()


@pytest.mark.parametrize("step", list(STEPS))
def test_a_crash_after_each_step_ends_with_one_project(emulator, registry_url, step):
    env = driver_env(emulator, registry_url)
    crashed = start_driver(env, "acme", step)
    crashed.communicate(timeout=90)
    assert crashed.returncode == -signal.SIGKILL
    finish(env, "acme")
    assert_one_project_and_key(emulator, registry_url, "acme", STEPS[step])


@pytest.mark.parametrize(("path", "minted"), [("/v1/projects", 1),
                                              ("/v1/projects/*/keys", 2)])
def test_a_crash_while_craftkit_answers_ends_with_one_project(emulator, registry_url,
                                                              path, minted):
    # Craftkit performs the call, then holds the answer; the process dies waiting for it.
    emulator.fault("POST", path, "timeout", hold=60)
    env = driver_env(emulator, registry_url)
    env["CRAFTKIT_TIMEOUT"] = "1,30"  # so the driver is still waiting when it is killed
    waiting = start_driver(env, "acme")
    deadline = time.monotonic() + 30
    while emulator.fault_hits() == 0:
        assert time.monotonic() < deadline and waiting.poll() is None
        time.sleep(0.05)
    os.killpg(waiting.pid, signal.SIGKILL)
    waiting.communicate(timeout=30)
    emulator.clear_faults()
    finish(driver_env(emulator, registry_url), "acme")
    assert_one_project_and_key(emulator, registry_url, "acme", minted)
