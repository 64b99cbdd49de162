"""Download slots: stalled downloads never take every thread from the other routes."""

import pytest

from bff.api.slots import DownloadSlots
from bff.errors import DownloadsBusy
from tests.support.craftkit_mock import BASE, bearer, expect_provision

PDF = b"%PDF-1.4\n" + b"x" * 300_000 + b"\n%%EOF\n"
DOWNLOAD = "/api/craftkit/renders/r_1/download"


@pytest.fixture
def config(config):
    # Three download slots, one thread kept free; any org may take all three.
    return {**config, "CRAFTKIT_THREADS": 4, "CRAFTKIT_DOWNLOADS_PER_ORG": 3}


@pytest.mark.parametrize(("threads", "limit"), [(1, 1), (2, 1), (3, 2), (4, 3), (64, 48)])
def test_slots_keep_a_quarter_of_the_threads_free(threads, limit):
    assert DownloadSlots(threads).limit == limit


def test_slots_refuse_past_the_limit_and_take_again_once_freed():
    slots = DownloadSlots(2)
    free = slots.take("org-a")
    with pytest.raises(DownloadsBusy):
        slots.take("org-b")
    free()
    slots.take("org-b")


@pytest.mark.parametrize(("threads", "per_org", "cap"), [(4, 0, 1), (64, 0, 12), (64, 5, 5),
                                                        (8, 99, 6)])
def test_each_org_may_hold_at_most_its_share(threads, per_org, cap):
    assert DownloadSlots(threads, per_org).per_org == cap


def test_one_org_cannot_take_the_slots_of_the_others():
    slots = DownloadSlots(8, per_org=2)             # six slots, two per org
    held = [slots.take("org-a"), slots.take("org-a")]
    with pytest.raises(DownloadsBusy, match="Your org"):
        slots.take("org-a")
    slots.take("org-b")
    held[0]()
    slots.take("org-a")


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
    free = slots.take("org-a")
    free()
    free()  # a second release must not create a slot that was never there
    slots.take("org-a")
    with pytest.raises(DownloadsBusy):
        slots.take("org-b")


def test_download_dropped_without_close_gives_its_slot_back(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r_1/download", body=PDF,
                 content_type="application/pdf")
    for _ in range(5):  # a server that forgets close() (PEP 3333 says it must not)
        assert client.get(DOWNLOAD, headers=bearer(), buffered=False).status_code == 200


@pytest.fixture
def per_org_client(config):
    from bff import create_app
    app = create_app({**config, "CRAFTKIT_THREADS": 8, "CRAFTKIT_DOWNLOADS_PER_ORG": 2})
    yield app.test_client()
    app.extensions["craftkit_bff"].upstream.close()


def test_one_org_stalling_its_downloads_leaves_other_orgs_served(per_org_client, upstream):
    # Six slots: before, one org's six stalled downloads left every other org 503.
    client = per_org_client
    for org in ("org-a", "org-b"):
        expect_provision(upstream, org)
        upstream.get(BASE + "/v1/embed/renders/r_1/download", body=PDF,
                     content_type="application/pdf")
    stalled = [client.get(DOWNLOAD, headers=bearer(orgs=("org-a",)), buffered=False)
               for _ in range(6)]
    assert [r.status_code for r in stalled] == [200, 200, 503, 503, 503, 503]
    assert stalled[2].json["error"] == "downloads_busy"
    other = client.get(DOWNLOAD, headers=bearer(sub="bo", orgs=("org-b",)), buffered=True)
    assert (other.status_code, other.get_data()) == (200, PDF)
    for response in stalled:
        response.close()
