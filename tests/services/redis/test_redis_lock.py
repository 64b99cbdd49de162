"""Fleet-wide single flight: one provision per org however many processes miss at once."""

from __future__ import annotations

import threading
import time

import pytest

from bff.errors import KeyResolutionTimeout, UpstreamTimeout

from .conftest import CountingProvisioner, make_resolver, make_store

LOCK_PREFIX = "craftkit-bff:lock:"


def run_all(callables):
    """Run each callable in its own thread at once; return results or exceptions in order."""
    results = [None] * len(callables)
    start = threading.Barrier(len(callables))

    def run(index, work):
        start.wait()
        try:
            results[index] = work()
        except Exception as error:  # collected for the test's assertions
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_misses_on_six_processes_make_one_provision_per_org(redis_server):
    provisioner = CountingProvisioner(delay=0.2)
    # Six "processes": each its own store (connection pool, local copies) and resolver.
    processes = [make_resolver(make_store(redis_server.url), provisioner) for _ in range(6)]
    orgs = [f"herd-{n}" for n in range(5)]
    calls = [lambda p=p, o=o: p.get(o) for p in processes for o in orgs for _ in range(8)]
    results = run_all(calls)
    assert not [r for r in results if isinstance(r, Exception)]
    for org in orgs:
        assert provisioner.count(org) == 1
        # All 48 requests for the org, on every process, got the one key provisioned.
        assert len([r for r in results if f"_{org}_" in r]) == 48
        assert len({r for r in results if f"_{org}_" in r}) == 1
    assert redis_server.client().keys(LOCK_PREFIX + "*") == []


def test_a_dead_holders_lock_expires_and_another_process_takes_over(redis_server):
    # A process took the lock and died: nobody releases it, it expires after 1 s.
    redis_server.client().set(LOCK_PREFIX + "org-a", b"dead-owner-token", px=1000)
    provisioner = CountingProvisioner()
    resolver = make_resolver(make_store(redis_server.url), provisioner, wait_timeout=10)
    started = time.monotonic()
    key = resolver.get("org-a")
    waited = time.monotonic() - started
    assert key == "ck_live_redis_test_org-a_1"
    assert provisioner.count("org-a") == 1
    assert 0.8 <= waited < 5


def test_waiters_give_up_at_their_bound_when_the_holder_never_finishes(redis_server):
    # A live holder's lock (its expiry within what a BFF sets: the store's lock TTL is 5 s).
    redis_server.client().set(LOCK_PREFIX + "org-a", b"stuck-owner", px=9_000)
    provisioner = CountingProvisioner()
    resolver = make_resolver(make_store(redis_server.url), provisioner, wait_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(KeyResolutionTimeout) as raised:
        resolver.get("org-a")
    assert 0.3 <= time.monotonic() - started < 2
    assert raised.value.status == 504
    assert provisioner.calls == []


def test_only_the_owner_releases_the_lock(redis_server):
    first = make_store(redis_server.url, lock_ttl=0.3)
    second = make_store(redis_server.url, lock_ttl=30)
    lease = first.try_lock("org-a")
    assert lease is not None and second.try_lock("org-a") is None
    time.sleep(0.4)  # first's lock expired while it was still working
    second_lease = second.try_lock("org-a")
    assert second_lease is not None
    lease.release()  # late, and no longer the owner: must not free second's lock
    assert redis_server.client().exists(LOCK_PREFIX + "org-a") == 1
    assert first.try_lock("org-a") is None
    second_lease.release()
    assert redis_server.client().exists(LOCK_PREFIX + "org-a") == 0


def test_a_failed_leader_lets_a_waiting_process_provision(redis_server):
    failing = CountingProvisioner(delay=0.3, fail=UpstreamTimeout())
    working = CountingProvisioner()
    leader = make_resolver(make_store(redis_server.url), failing)
    waiter = make_resolver(make_store(redis_server.url), working)

    def wait_then_get():
        time.sleep(0.1)  # the leader holds the lock by now
        return waiter.get("org-a")

    results = run_all([lambda: leader.get("org-a"), wait_then_get])
    assert isinstance(results[0], UpstreamTimeout)
    assert results[1] == "ck_live_redis_test_org-a_1"
    assert len(failing.calls) == 1 and len(working.calls) == 1
