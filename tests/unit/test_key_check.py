"""KeyCheck: one probe per key at a time, a verdict remembered a few seconds, never a guess."""

import threading

from bff.credentials.key_check import KeyCheck


class Probe:
    def __init__(self, answers, gate=None):
        self.answers = list(answers)
        self.gate = gate
        self.keys = []

    def __call__(self, key):
        self.keys.append(key)
        if self.gate is not None:
            self.gate.wait(5)
        return self.answers.pop(0)


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_a_verdict_is_remembered_for_a_few_seconds_then_asked_again():
    clock, probe = Clock(), Probe([True, False])
    check = KeyCheck(probe, remember=5, timer=clock)
    assert [check.is_stale("k") for _ in range(3)] == [False] * 3
    clock.now = 5.1
    assert check.is_stale("k") is True
    assert probe.keys == ["k", "k"]


def test_an_undecided_check_is_not_remembered_and_counts_as_refused():
    probe = Probe([None, False])
    check = KeyCheck(probe, timer=Clock())
    assert check.is_stale("k") is False
    assert check.is_stale("k") is True


def test_concurrent_checks_of_one_key_share_one_probe():
    gate = threading.Event()
    probe = Probe([False], gate)
    check = KeyCheck(probe, timer=Clock())
    results = []
    threads = [threading.Thread(target=lambda: results.append(check.is_stale("k")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(5)
    assert results == [True] * 8
    assert probe.keys == ["k"]


def test_each_key_has_its_own_verdict():
    probe = Probe([True, False])
    check = KeyCheck(probe, timer=Clock())
    assert (check.is_stale("old"), check.is_stale("new")) == (False, True)
