"""Node and npm for the element's checks: run them, or skip (locally) or fail (CI) saying why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGE_DIR = ROOT / "bff" / "static" / "embed"
NODE_MODULES = ROOT / "node_modules"
# What `npm ci` at the repository root installs and these checks need.
NEEDED = ("node_modules/.bin/tsc", "node_modules/@types/react/package.json",
          "node_modules/@craftkit-bff/embed/package.json")


def require_node_tooling() -> None:
    """Skip, or under CI=true fail, when Node or the root's node_modules is missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        problem = "node and npm are not on PATH: install Node.js 20 or later"
    elif missing := [path for path in NEEDED if not (ROOT / path).exists()]:
        problem = f"{', '.join(missing)} missing: run `npm ci` at the repository root"
    else:
        return
    message = f"the element's JavaScript checks need Node tooling; {problem}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def run(args: list[str], cwd: Path = ROOT, timeout: float = 240) -> str:
    """Run a command; fail the test with its output unless it exits 0. Return its stdout."""
    env = {**os.environ, "NO_COLOR": "1", "npm_config_update_notifier": "false"}
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}",
                    pytrace=False)
    return done.stdout


def npm_pack(destination: Path) -> tuple[Path, list[str]]:
    """Pack the element's npm package into ``destination``; return the tarball and its files."""
    output = run(["npm", "pack", "--json", "--pack-destination", str(destination)],
                 cwd=PACKAGE_DIR)
    [packed] = json.loads(output)
    return destination / packed["filename"], sorted(entry["path"] for entry in packed["files"])


def install_tarball(tarball: Path, app: Path) -> Path:
    """Unpack ``tarball`` as ``app``/node_modules/@craftkit-bff/embed, as npm install would."""
    target = app / "node_modules" / "@craftkit-bff" / "embed"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(app / "unpacked", filter="data")
    (app / "unpacked" / "package").rename(target)
    return target
