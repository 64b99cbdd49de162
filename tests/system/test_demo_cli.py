"""`craftkit-bff demo` as a user runs it: starts fast, prints the URL, stops on Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from bff.demo.stack import run_demo
from tests.support.servers import free_port


def test_demo_command_starts_both_servers_and_stops_cleanly_on_ctrl_c():
    port, emulator_port = free_port(), free_port()
    command = shutil.which("craftkit-bff") or os.path.join(os.path.dirname(sys.executable),
                                                           "craftkit-bff")
    started = time.monotonic()
    process = subprocess.Popen(
        [command, "demo", "--port", str(port), "--emulator-port", str(emulator_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        # A developer's own settings must not change the demo.
        env={**os.environ, "CRAFTKIT_AUTH_JWT_SECRET": "from-the-developers-shell"})
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        startup = time.monotonic() - started
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in output, output
        assert f"http://127.0.0.1:{emulator_port}" in output
        assert "Everything is kept in memory" in output
        assert startup < 10, f"the demo took {startup:.1f} s to start"
        assert requests.get(f"http://127.0.0.1:{port}/signin", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{emulator_port}/embed/builder",
                            timeout=5).status_code == 200

        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "Stopped." in rest
    assert "ck_admin" not in output + rest and "ck_live_" not in output + rest


def test_the_demo_answers_only_once_its_orgs_are_seeded(monkeypatch):
    from bff.demo import stack as demo_stack

    seeding, release = threading.Event(), threading.Event()
    real_seed = demo_stack.seed_orgs

    def slow_seed(*args):
        seeding.set()
        release.wait(10)
        real_seed(*args)

    monkeypatch.setattr(demo_stack, "seed_orgs", slow_seed)
    port = free_port()
    started = []
    starter = threading.Thread(target=lambda: started.append(demo_stack.start_demo(port=port)))
    starter.start()
    try:
        assert seeding.wait(10)
        with pytest.raises(requests.Timeout):  # a sign-in now would find no org ready
            requests.get(f"http://127.0.0.1:{port}/signin", timeout=0.5)
    finally:
        release.set()
        starter.join(20)
    with started[0] as stack:
        assert requests.get(stack.url + "signin", timeout=5).status_code == 200


def test_demo_command_refuses_a_session_ttl_too_short_to_use(capsys):
    assert run_demo(session_ttl=1) == 2
    assert "--session-ttl must be at least 2 seconds" in capsys.readouterr().err


def test_demo_command_says_which_option_to_change_when_a_port_is_taken(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert run_demo(port=0, emulator_port=taken.getsockname()[1]) == 1
    assert "--port and --emulator-port" in capsys.readouterr().err
