"""The craftkit-bff command line: subcommands, exit codes, and no secrets printed."""

import pytest

from bff.commands import main
from tests.support.craftkit_mock import ADMIN_KEY
from tests.support.servers import free_port


def test_serve_without_admin_key_exits_2_naming_it(monkeypatch, capsys):
    monkeypatch.delenv("CRAFTKIT_ADMIN_KEY", raising=False)
    assert main(["serve", "--bind", f"127.0.0.1:{free_port()}"]) == 2
    assert "CRAFTKIT_ADMIN_KEY" in capsys.readouterr().err


def test_serve_dev_without_admin_key_exits_2_naming_it(monkeypatch, capsys):
    monkeypatch.delenv("CRAFTKIT_ADMIN_KEY", raising=False)
    assert main(["serve", "--dev", "--bind", f"127.0.0.1:{free_port()}"]) == 2
    assert "CRAFTKIT_ADMIN_KEY" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["serve", "--workers", "0"], ["serve", "--threads", "x"]])
def test_serve_refuses_a_worker_or_thread_count_below_one(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "expected a whole number >= 1" in capsys.readouterr().err


def test_serve_with_a_bad_bind_address_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    assert main(["serve", "--bind", "localhost"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err


def test_doctor_exits_non_zero_with_a_fix(monkeypatch, capsys):
    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("CRAFTKIT_BASE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("SECRET_KEY", "s")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  reachability" in out
    assert "fix:" in out
    assert ADMIN_KEY not in out


def test_doctor_hides_credentials_in_urls(monkeypatch, capsys):
    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("CRAFTKIT_BASE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("CRAFTKIT_REGISTRY_URL", f"postgresql://ops:pa55word@127.0.0.1:{free_port()}/bff")
    monkeypatch.setenv("CRAFTKIT_AUTH_JWKS_URL", "https://idp.example/jwks?token=t0ken&v=2")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "pa55word" not in out and "t0ken" not in out
    assert "CRAFTKIT_REGISTRY_URL = (hidden)" in out
    assert "CRAFTKIT_AUTH_JWKS_URL = https://idp.example/jwks?token=(hidden)&v=(hidden)" in out


def test_doctor_hides_credentials_in_a_url_it_refuses(monkeypatch, capsys):
    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("CRAFTKIT_BASE_URL", "ftp://ops:pa55word@craftkit.example")
    assert main(["doctor"]) != 0
    printed = capsys.readouterr()
    assert "CRAFTKIT_BASE_URL must be Craftkit's origin" in printed.err
    assert "pa55word" not in printed.out + printed.err


def test_emulator_help_describes_each_option_and_variable(capsys):
    from bff.emulator.config import _ENV

    with pytest.raises(SystemExit):
        main(["emulator", "--help"])
    text = capsys.readouterr().out
    for option in ("--host HOST  address", "--port PORT  port", "--data FILE  keep"):
        assert option in text
    assert [name for name in _ENV.values() if name not in text] == []


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


def test_version_prints_the_package_version(capsys):
    from bff import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"craftkit-bff {__version__}"


def test_emulator_without_its_extra_says_what_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fpdf" else real(name, *a))
    assert main(["emulator", "--port", str(free_port())]) == 2
    assert "pip install 'craftkit-bff[emulator]'" in capsys.readouterr().err
