"""Download slots: how many streamed downloads one worker process serves at once.

A download in progress holds one of the server's request threads until the browser has
read its last byte, under gunicorn's gthread workers and granian alike, so a few stalled or
very slow browsers could hold every thread and starve the quick JSON routes. A quarter of
the threads (at least one) is kept for everything else: a download beyond the limit is
refused at once with 503 ``downloads_busy`` instead of waiting for a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..errors import DownloadsBusy


class DownloadSlots:
    """A non-blocking count of the downloads in progress, for a worker with this many threads."""

    def __init__(self, threads: int) -> None:
        self.limit = max(1, threads - max(1, threads // 4))
        self._free = threading.BoundedSemaphore(self.limit)

    def take(self) -> Callable[[], None]:
        """Take a slot and return the function that frees it (once), or raise DownloadsBusy."""
        if not self._free.acquire(blocking=False):
            raise DownloadsBusy()
        return _Once(self._free.release)


class _Once:
    """Call a function the first time this is called, never again (from any thread)."""

    def __init__(self, function: Callable[[], None]) -> None:
        self._function = function
        self._unused = threading.Lock()

    def __call__(self) -> None:
        if self._unused.acquire(blocking=False):
            self._function()
