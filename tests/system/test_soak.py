"""A short soak in CI under each server: the full run is `python loadtest/soak.py` (60 s)."""

import importlib.util

import pytest

from tests.support import ROOT
from tests.support.servers import SERVERS

SOAK = ROOT / "loadtest" / "soak.py"


@pytest.mark.parametrize("server", SERVERS)
def test_short_soak_has_no_errors_one_provision_per_org_per_worker_and_flat_memory(server,
                                                                                    capsys):
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    code = soak.main(["--duration", "8", "--orgs", "10", "--users", "40", "--threads", "6",
                      "--server", server])
    report = capsys.readouterr().out
    print(report)
    assert code == 0, report
    assert "errors          0 " in report
