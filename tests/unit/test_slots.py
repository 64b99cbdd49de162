"""Download slots: stalled downloads never take every thread from the other routes."""

import pytest

from bff.api.slots import DownloadSlots
from bff.errors import DownloadsBusy
from tests.support.craftkit_mock import BASE, bearer, expect_provision

PDF = b"%PDF-1.4\n" + b"x" * 300_000 + b"\n%%EOF\n"
DOWNLOAD = "/api/craftkit/renders/r_1/download"


@pytest.fixture
def config(config):
    return {**config, "CRAFTKIT_THREADS": 4}  # three download slots, one thread kept free


@pytest.mark.parametrize(("threads", "limit"), [(1, 1), (2, 1), (3, 2), (4, 3), (64, 48)])
def test_slots_keep_a_quarter_of_the_threads_free(threads, limit):
    assert DownloadSlots(threads).limit == limit


def test_slots_refuse_past_the_limit_and_take_again_once_freed():
    slots = DownloadSlots(2)
    free = slots.take()
    with pytest.raises(DownloadsBusy):
        slots.take()
    free()
    slots.take()


def test_download_past_the_limit_is_503_while_other_routes_answer(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r_1/download", body=PDF,
                 content_type="application/pdf")
    upstream.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    # Three browsers that do not read their downloads: each holds a slot.
    stalled = [client.get(DOWNLOAD, headers=bearer(), buffered=False) for _ in range(3)]
    assert [r.status_code for r in stalled] == [200, 200, 200]
    busy = client.get(DOWNLOAD, headers=bearer(), buffered=True)
    assert busy.status_code == 503
    assert busy.json["error"] == "downloads_busy"
    assert busy.headers["Cache-Control"] == "no-store"
    assert client.get("/api/craftkit/templates", headers=bearer(),
                      buffered=True).status_code == 200
    stalled[0].close()  # that browser went away: its slot is free again
    again = client.get(DOWNLOAD, headers=bearer(), buffered=True)
    assert again.status_code == 200 and again.get_data() == PDF
    for response in stalled[1:]:
        response.close()


def test_failed_downloads_give_their_slots_back(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/gone/download", status=404,
                 json={"error": {"code": "not_found", "message": "no"}})
    # A server closes every response once sent (buffered=True does that here).
    statuses = [client.get("/api/craftkit/renders/gone/download", headers=bearer(),
                           buffered=True).status_code for _ in range(5)]
    assert statuses == [404] * 5


def test_finished_downloads_give_their_slots_back(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r_1/download", body=PDF,
                 content_type="application/pdf")
    bodies = [client.get(DOWNLOAD, headers=bearer(), buffered=True).get_data()
              for _ in range(6)]
    assert bodies == [PDF] * 6


def test_slot_is_freed_once_however_often_it_is_released():
    slots = DownloadSlots(2)
    free = slots.take()
    free()
    free()  # a second release must not create a slot that was never there
    slots.take()
    with pytest.raises(DownloadsBusy):
        slots.take()


def test_download_dropped_without_close_gives_its_slot_back(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r_1/download", body=PDF,
                 content_type="application/pdf")
    for _ in range(5):  # a server that forgets close() (PEP 3333 says it must not)
        assert client.get(DOWNLOAD, headers=bearer(), buffered=False).status_code == 200
