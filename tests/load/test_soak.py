"""A short soak in CI: the full run is `python loadtest/soak.py` (60 s), one flag away."""

import importlib.util
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "loadtest" / "soak.py"


def test_short_soak_has_no_errors_one_provision_per_org_per_worker_and_flat_memory(capsys):
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    code = soak.main(["--duration", "8", "--orgs", "10", "--users", "40", "--threads", "6"])
    report = capsys.readouterr().out
    print(report)
    assert code == 0, report
    assert "errors          0 " in report
