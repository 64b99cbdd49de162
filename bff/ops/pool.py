"""The worker threads of ``craftkit-bff serve``'s gate: the WSGI app runs on these.

A fixed ceiling (CRAFTKIT_THREADS per worker process), threads started as the load needs
them and then kept, one queue of work. concurrent.futures' ThreadPoolExecutor would do,
but wraps every call in a Future the gate has no use for (it answers through the loop).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("bff.gate")


class Pool:
    """Up to ``threads`` daemon threads running submitted calls in order of arrival."""

    def __init__(self, threads: int) -> None:
        self.size = threads
        self._work: queue.SimpleQueue[tuple[Callable[..., Any], tuple] | None] = \
            queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0

    def submit(self, call: Callable[..., Any], *args: Any) -> None:
        """Run call(*args) on a pool thread, starting one if none is idle."""
        self._work.put((call, args))
        if self._idle == 0 and len(self._threads) < self.size:
            with self._lock:
                if len(self._threads) < self.size:
                    thread = threading.Thread(target=self._serve, daemon=True,
                                              name=f"craftkit-bff-{len(self._threads) + 1}")
                    self._threads.append(thread)
                    thread.start()

    def close(self) -> None:
        """Let every thread finish what it runs, then end."""
        for _ in self._threads:
            self._work.put(None)

    def _serve(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            item = self._work.get()
            with self._lock:
                self._idle -= 1
            if item is None:
                return
            call, args = item
            try:
                call(*args)
            except BaseException:  # never lose a thread to one failed call
                log.exception("a request failed outside the app")
