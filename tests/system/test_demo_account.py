"""`craftkit-bff demo --account` as a user runs it: it says it uses an account key and a
tenant registry, serves the sign-in page, prints no key, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import requests

from tests.support.servers import free_port


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
