"""A key Craftkit refuses is dropped from Redis too, only while it is still the refused one."""

from __future__ import annotations

import threading

from bff.errors import KeyRejected

from .conftest import CountingProvisioner, make_resolver, make_store

KEY_PREFIX = "craftkit-bff:key:"


def rejecting(bad_keys):
    """An upstream action that refuses the given keys, like Craftkit answering 401."""
    def action(key):
        if key in bad_keys:
            raise KeyRejected(upstream_code="unauthorized")
        return key
    return action


def test_rejected_key_is_evicted_fleet_wide_and_reprovisioned_once(redis_server):
    provisioner = CountingProvisioner()
    host_a = make_resolver(make_store(redis_server.url, local_ttl=0), provisioner)
    host_b = make_resolver(make_store(redis_server.url, local_ttl=0), provisioner)
    first = host_a.get("org-a")
    assert host_b.get("org-a") == first
    assert host_a.call("org-a", None, rejecting({first})) == "ck_live_redis_test_org-a_2"
    # The provisioner was told which key was refused; the other host needs no provision.
    assert provisioner.calls == [("org-a", None), ("org-a", first)]
    assert host_b.get("org-a") == "ck_live_redis_test_org-a_2"
    assert len(provisioner.calls) == 2


def test_delete_if_leaves_a_newer_key_alone(redis_server):
    store = make_store(redis_server.url, local_ttl=0)
    store.set("org-a", "ck_live_new_key")
    store.delete_if("org-a", "ck_live_old_key")
    assert store.get("org-a") == "ck_live_new_key"
    store.delete_if("org-a", "ck_live_new_key")
    assert store.get("org-a") is None
    assert redis_server.client().exists(KEY_PREFIX + "org-a") == 0


def test_two_hosts_refused_at_once_reprovision_once(redis_server):
    provisioner = CountingProvisioner(delay=0.2)
    hosts = [make_resolver(make_store(redis_server.url), provisioner) for _ in range(4)]
    first = hosts[0].get("org-a")
    assert all(host.get("org-a") == first for host in hosts)
    start, results = threading.Barrier(len(hosts)), []

    def refused(host):
        start.wait()
        results.append(host.call("org-a", None, rejecting({first})))

    threads = [threading.Thread(target=refused, args=(host,)) for host in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["ck_live_redis_test_org-a_2"] * 4
    assert len(provisioner.calls) == 2
