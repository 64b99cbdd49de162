"""KeyResolver with bounded waits and a store that offers fleet-wide locks (no Redis here)."""

import threading
import time

import pytest

from bff.credentials import FleetLocks, KeyResolver, MemoryKeyStore
from bff.errors import KeyRejected, KeyResolutionTimeout, UpstreamTimeout


class Provision:
    def __init__(self, gate=None, fail=None):
        self.calls, self.gate, self.fail = [], gate, fail

    def provision(self, org_id, org_name, rejected_key=None):
        self.calls.append(rejected_key)
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail is not None:
            raise self.fail
        return f"key-{org_id}-{len(self.calls)}"


class Lease:
    def __init__(self, store, org_id):
        self.store, self.org_id = store, org_id

    def release(self):
        self.store.holders.discard(self.org_id)
        self.store.released.append(self.org_id)


class LockingStore(MemoryKeyStore):
    """An in-memory store with the FleetLocks capability, as other processes would see it."""

    def __init__(self):
        super().__init__(100, 600)
        self.holders, self.released = set(), []

    def try_lock(self, org_id):
        if org_id in self.holders:
            return None
        self.holders.add(org_id)
        return Lease(self, org_id)


class FakeTime:
    """A clock whose sleep moves it forward, so bounded waits take no real time."""

    def __init__(self):
        self.now, self.slept = 0.0, []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_a_local_waiter_gives_up_at_its_bound_instead_of_hanging():
    # Before the fix the waiter waited on the leader's flight with no timeout at all.
    gate = threading.Event()
    keys = KeyResolver(Provision(gate=gate), MemoryKeyStore(10, 600))
    keys.wait_timeout = 0.2
    leader = threading.Thread(target=keys.get, args=("org-a",))
    leader.start()
    time.sleep(0.05)  # the leader is provisioning, stuck upstream
    outcome = []
    waiter = threading.Thread(target=lambda: outcome.append(_error_of(keys.get, "org-a")))
    waiter.start()
    waiter.join(3)
    still_waiting = waiter.is_alive()
    gate.set()
    leader.join(5)
    waiter.join(5)
    assert not still_waiting, "the waiter was still blocked after 3 s"
    assert isinstance(outcome[0], KeyResolutionTimeout)
    assert (outcome[0].status, outcome[0].code) == (504, "craftkit_timeout")


def test_the_locking_store_is_recognised():
    assert isinstance(LockingStore(), FleetLocks)
    assert not isinstance(MemoryKeyStore(1, 1), FleetLocks)


def test_leader_provisions_under_the_fleet_lock_and_releases_it():
    store, provision = LockingStore(), Provision()
    assert KeyResolver(provision, store).get("org-a") == "key-org-a-1"
    assert store.released == ["org-a"] and not store.holders


def test_lock_is_released_when_the_provision_fails():
    store = LockingStore()
    with pytest.raises(UpstreamTimeout):
        KeyResolver(Provision(fail=UpstreamTimeout()), store).get("org-a")
    assert store.released == ["org-a"] and not store.holders


def test_waiter_polls_the_store_until_another_process_stores_the_key():
    store, provision, fake = LockingStore(), Provision(), FakeTime()
    store.holders.add("org-a")  # another process is provisioning

    def sleep(seconds):
        fake.sleep(seconds)
        if len(fake.slept) == 4:
            store.set("org-a", "key-from-elsewhere")

    keys = KeyResolver(provision, store, wait_timeout=10, clock=fake.clock, sleep=sleep)
    assert keys.get("org-a") == "key-from-elsewhere"
    assert provision.calls == []
    assert fake.slept[0] == 0.01 and fake.slept[1] > fake.slept[0]


def test_waiter_takes_over_a_lock_released_without_a_key():
    store, provision, fake = LockingStore(), Provision(), FakeTime()
    store.holders.add("org-a")

    def sleep(seconds):
        fake.sleep(seconds)
        store.holders.discard("org-a")  # the other process failed and let go

    keys = KeyResolver(provision, store, wait_timeout=10, clock=fake.clock, sleep=sleep)
    assert keys.get("org-a") == "key-org-a-1"
    assert provision.calls == [None]


def test_waiter_gives_up_when_the_lock_is_never_released():
    store, provision, fake = LockingStore(), Provision(), FakeTime()
    store.holders.add("org-a")
    keys = KeyResolver(provision, store, wait_timeout=5, clock=fake.clock, sleep=fake.sleep)
    with pytest.raises(KeyResolutionTimeout):
        keys.get("org-a")
    assert provision.calls == []
    assert fake.now <= 5 and max(fake.slept) == 0.1


def test_a_rejected_key_the_store_still_holds_is_not_served_again():
    class StubbornStore(MemoryKeyStore):
        def delete_if(self, org_id, key):  # e.g. the shared store could not be reached
            pass

    store, provision = StubbornStore(10, 600), Provision()
    keys = KeyResolver(provision, store)
    first = keys.get("org-a")

    def action(key):
        if key == first:
            raise KeyRejected(upstream_code="unauthorized")
        return key

    assert keys.call("org-a", None, action) == "key-org-a-2"
    assert provision.calls == [None, first]


def _error_of(function, *args):
    try:
        return function(*args)
    except Exception as error:  # returned for the assertions
        return error
