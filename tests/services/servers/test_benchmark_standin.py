"""The benchmarks measure real answers: the stand-in says what the BFF accepts.

The benchmark's Craftkit stand-in is canned and fast; if the BFF started refusing its
answers (as it did when 0.2 began checking `iframe_url` and PDF downloads), every
benchmark would quietly time 502s. This runs the BFF exactly as `benchmarks/run.py`
configures it against the real stand-in, once per route it measures.
"""

import sys

import pytest

from bff import create_app
from tests.support import ROOT

BENCH = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def bench_modules():
    sys.path.insert(0, str(BENCH))
    try:
        import run
        import servers
        import targets
        yield run, servers, targets
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def standin(bench_modules, tmp_path_factory):
    _, servers, _ = bench_modules
    process = servers.start_standin(servers.free_port(), None, tmp_path_factory.mktemp("log"))
    yield process
    process.stop()


@pytest.fixture()
def client(bench_modules, standin):
    run, _, _ = bench_modules
    return create_app({**run.BFF_ENV, "CRAFTKIT_BASE_URL": standin.url}).test_client()


def as_request(spec: dict, base: str) -> dict:
    return dict(path=spec["url"].removeprefix(base), method=spec["method"],
                headers=spec.get("headers", {}), data=spec.get("body"))


@pytest.mark.parametrize("route", ["mint", "templates"])
def test_the_bff_accepts_what_the_standin_answers(bench_modules, client, route):
    _, _, targets = bench_modules
    spec = targets.request_for("bff", route, "http://bff")
    response = client.open(**as_request(spec, "http://bff"))
    assert response.status_code == 200, response.get_json()


def test_a_standin_download_is_relayed_as_a_pdf(bench_modules, client, standin):
    _, _, targets = bench_modules
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(
        standin.url + "/_config?download_mib=1", method="POST"), timeout=10).close()
    response = client.get("/api/craftkit/renders/rnd_bench/download",
                          headers={"Authorization": f"Bearer {targets.token_for(targets.ORG)}"})
    assert response.status_code == 200, response.get_data()[:200]
    assert response.get_data().startswith(b"%PDF-")
    assert len(response.get_data()) == 1 << 20
