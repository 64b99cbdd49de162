"""The production server's launcher: bind addresses, worker counts, metrics, secrets."""

import os
import subprocess
import sys
import weakref

import pytest

import bff
from bff.config import ConfigError, server_settings
from bff.serving.processes import (
    default_workers,
    forget_dead_workers,
    metrics_directory,
    parse_bind,
    scrub_secrets,
)
from bff.serving.serve import _check_app


@pytest.mark.parametrize(("bind", "expected"), [
    ("0.0.0.0:8000", ("0.0.0.0", 8000)),
    ("localhost:1", ("localhost", 1)),
    ("[::1]:65535", ("::1", 65535)),
    (" 127.0.0.1:8080 ", ("127.0.0.1", 8080)),
])
def test_parse_bind_splits_host_and_port(bind, expected):
    assert parse_bind(bind) == expected


@pytest.mark.parametrize("bind", ["8000", "localhost", ":8000", "host:0", "host:65536",
                                  "host:80:80", "::1:80", "host:http"])
def test_parse_bind_refuses_what_is_not_host_port(bind):
    with pytest.raises(ConfigError, match="HOST:PORT"):
        parse_bind(bind)


def test_default_workers_is_one_per_available_core(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert default_workers() == len(os.sched_getaffinity(0))


def test_default_workers_honours_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert default_workers() == 3


@pytest.mark.parametrize("value", ["0", "two", "-1", ""])
def test_default_workers_refuses_a_bad_web_concurrency(monkeypatch, value):
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY"):
        default_workers()


def test_metrics_directory_is_made_for_the_server_and_removed_after(monkeypatch, tmp_path):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    settings = server_settings({"CRAFTKIT_METRICS": "true"})
    with metrics_directory(settings) as path:
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == path
        assert os.path.isdir(path) and path.startswith(str(tmp_path))
        (tmp_path / os.path.basename(path) / "counter_1.db").write_bytes(b"x")
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    assert list(tmp_path.iterdir()) == []


def test_metrics_directory_leaves_an_operators_own_alone(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    with metrics_directory(server_settings({"CRAFTKIT_METRICS": "true"})) as path:
        assert path == str(tmp_path)
    assert tmp_path.is_dir() and os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)


def test_metrics_directory_is_not_made_with_metrics_off(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with metrics_directory(server_settings({})) as path:
        assert path is None and "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_forget_dead_workers_drops_only_the_gauges_of_gone_processes(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead, alive = int(gone.stdout), os.getpid()
    for pid in (dead, alive):
        (tmp_path / f"gauge_livemax_{pid}.db").write_bytes(b"")
        (tmp_path / f"counter_{pid}.db").write_bytes(b"")
    forget_dead_workers(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"counter_{dead}.db", f"counter_{alive}.db", f"gauge_livemax_{alive}.db"])


def test_scrub_secrets_removes_secret_settings_only():
    environ = {"CRAFTKIT_ADMIN_KEY": "a", "CRAFTKIT_SEAL_KEY": "s", "SECRET_KEY": "k",
               "CRAFTKIT_AUTH_JWT_SECRET": "j", "CRAFTKIT_BASE_URL": "http://x", "PATH": "/bin"}
    scrub_secrets(environ)
    assert environ == {"CRAFTKIT_BASE_URL": "http://x", "PATH": "/bin"}


def test_check_app_closes_its_pools_before_workers_fork(monkeypatch):
    made, closed = [], []

    def create_app():
        app = bff.app.create_app({"CRAFTKIT_ADMIN_KEY": "ck_admin_" + "x" * 24,
                                  "SECRET_KEY": "s"})
        state = app.extensions["craftkit_bff"]
        monkeypatch.setattr(state, "close", lambda: closed.append(True))
        made.append(weakref.ref(app))
        return app

    monkeypatch.setattr(bff, "create_app", create_app)
    _check_app()
    assert closed == [True]  # Craftkit's and the registry's pools, closed before the fork
    assert made[0]() is None  # and nothing of the app is left for the workers to inherit
