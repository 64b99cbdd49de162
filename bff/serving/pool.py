"""The worker threads of ``craftkit-bff serve``'s gate: the WSGI app runs on these.

CRAFTKIT_THREADS threads per worker process, started with the gate (in the worker, after
the fork), taking work from one queue. concurrent.futures' ThreadPoolExecutor would do,
but wraps every call in a Future the gate has no use for (it answers through the loop)
and counts idle threads under a lock on every call.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("bff.gate")


class Pool:
    """``threads`` daemon threads running submitted calls in order of arrival."""

    def __init__(self, threads: int) -> None:
        self.size = threads
        self._work: queue.SimpleQueue[tuple[Callable[..., Any], tuple] | None] = \
            queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, daemon=True,
                                          name=f"craftkit-bff-{n + 1}") for n in range(threads)]
        for thread in self._threads:
            thread.start()

    def submit(self, call: Callable[..., Any], *args: Any) -> None:
        """Run call(*args) on the first pool thread free."""
        self._work.put((call, args))

    def close(self) -> None:
        """Let every thread finish what it runs, then end."""
        for _ in self._threads:
            self._work.put(None)

    def _serve(self) -> None:
        get = self._work.get
        while (item := get()) is not None:
            call, args = item
            try:
                call(*args)
            except BaseException:  # never lose a thread to one failed call
                log.exception("a request failed outside the app")
