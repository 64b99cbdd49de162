"""The element's JavaScript: its Node tests (keeper, client, SSR) and its TypeScript checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from .tooling import ROOT, require_node_tooling, run

HERE = Path(__file__).parent
NODE_TESTS = sorted(str(path.relative_to(ROOT)) for path in HERE.glob("*.test.js"))
TSCONFIG = str((HERE / "tsconfig.json").relative_to(ROOT))
TSCONFIG_GLOBAL = str((HERE / "tsconfig.global.json").relative_to(ROOT))


@pytest.fixture(autouse=True)
def node_tooling():
    require_node_tooling()


@pytest.mark.timeout(300)
def test_node_tests_of_the_keeper_client_and_ssr_pass():
    assert len(NODE_TESTS) >= 4, NODE_TESTS
    output = run(["node", "--test", "--test-reporter=tap", *NODE_TESTS])
    assert "# fail 0" in output and "# pass 0" not in output, output[-2000:]


@pytest.mark.timeout(300)
def test_javascript_and_declarations_agree_under_tsc():
    run(["npx", "--no-install", "tsc", "-p", TSCONFIG, "--noEmit"])


@pytest.mark.timeout(300)
def test_the_opt_in_global_typing_declares_only_the_tag():
    run(["npx", "--no-install", "tsc", "-p", TSCONFIG_GLOBAL, "--noEmit"])
