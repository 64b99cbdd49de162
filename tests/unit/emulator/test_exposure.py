"""The emulator on a network: it warns when bound beyond loopback; its data file is private."""

import os
import stat

import pytest

from bff.emulator import serve
from bff.emulator.store import Store
from tests.support.secrets import secret

ADMIN_KEY = secret("exposure-test-admin-key")


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.1.2.3", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.10", False),
    ("emulator.example", False), ("", False)])
def test_is_loopback(host, loopback):
    from bff.emulator import is_loopback

    assert is_loopback(host) is loopback


class _StoppedServer:
    """Stands in for werkzeug's server: binds nothing, and stops at once (as Ctrl-C would)."""

    server_port = 5001

    def serve_forever(self):
        raise KeyboardInterrupt

    def server_close(self):
        pass


@pytest.mark.prints_secret  # serve prints the account key it generated, for its user
@pytest.mark.parametrize(("host", "warned"), [("0.0.0.0", True), ("127.0.0.1", False)])
def test_serve_warns_when_listening_beyond_loopback(monkeypatch, capsys, host, warned):
    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setattr("werkzeug.serving.make_server", lambda *args, **kwargs: _StoppedServer())
    serve(host, 5001, None)
    assert ("WARNING: listening on" in capsys.readouterr().err) is warned


def test_the_data_file_is_created_readable_by_its_owner_only(tmp_path):
    old_umask = os.umask(0o022)  # the usual default, which would make it world-readable
    try:
        path = tmp_path / "state.sqlite3"
        store = Store(str(path))
        store.execute("CREATE TABLE IF NOT EXISTS t (x)")
        store.close()
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_data_file_is_used_as_it_is(tmp_path):
    path = tmp_path / "state.sqlite3"
    path.touch(mode=0o640)
    Store(str(path)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
