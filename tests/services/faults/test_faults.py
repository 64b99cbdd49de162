"""Fault injection through a real TCP hop into the BFF under `serve` and gunicorn: each fault
maps to its error within the timeout, no worker is left stuck, and service resumes."""

import threading
import time

import pytest

from tests.services.faults.scenarios import (
    READ_TIMEOUT,
    fault_stack,
    measure,
)
from tests.support.servers import SERVERS

MARGIN = 1.0
EXPECTED = {
    ("refuse", "session"): (503, "craftkit_unavailable"),
    ("refuse", "download"): (503, "craftkit_unavailable"),
    ("delay", "session"): (504, "craftkit_timeout"),
    ("delay", "download"): (504, "craftkit_timeout"),
    ("reset", "session"): (502, "craftkit_upstream_error"),
    ("error", "session"): (502, "craftkit_upstream_error"),
    ("error", "download"): (502, "craftkit_upstream_error"),
    ("truncate", "session"): (502, "craftkit_upstream_error"),
    ("hang", "session"): (504, "craftkit_timeout"),
    ("hang", "download"): (504, "craftkit_timeout"),
}


@pytest.fixture(scope="module", params=SERVERS)
def stack(request):
    with fault_stack(workers=1, threads=4, server=request.param) as running:
        yield running


@pytest.mark.parametrize(("fault", "route"), sorted(EXPECTED))
def test_fault_maps_to_its_error_within_the_timeout_and_service_resumes(stack, fault, route):
    outcome = measure(stack, fault, route)
    assert (outcome.status, outcome.code) == EXPECTED[fault, route]
    assert outcome.seconds < READ_TIMEOUT + MARGIN
    assert stack.call(route).status_code == 200


def test_reset_download_is_a_json_502(stack):
    outcome = measure(stack, "reset", "download")
    # The BFF reads the first chunk before it answers; the reset breaks that read.
    assert (outcome.status, outcome.code) == (502, "craftkit_upstream_error")
    assert stack.call("download").status_code == 200


def test_truncated_download_is_an_aborted_transfer_never_a_complete_file(stack):
    outcome = measure(stack, "truncate", "download")
    # A clean close mid-body gives the first read the bytes that came; the break shows on
    # the next read, after the status line went out, so the transfer is cut short: the
    # browser never gets a 200 whose body it could take for the whole file.
    assert (outcome.status, outcome.aborted) == (200, True)
    assert stack.call("download").status_code == 200


def test_hanging_upstream_leaves_no_worker_stuck(stack):
    stack.proxy.set("hang")
    statuses = []
    threads = [threading.Thread(target=lambda: statuses.append(stack.call("session")
                                                               .status_code))
               for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    elapsed = time.monotonic() - started
    stack.proxy.set("pass")
    assert statuses == [504] * 8
    assert elapsed < 2 * READ_TIMEOUT + 2 * MARGIN  # 8 calls on 4 threads: two rounds
    started = time.monotonic()
    assert stack.call("session").status_code == 200
    assert time.monotonic() - started < MARGIN
