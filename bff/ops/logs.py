"""Log set-up for a process that runs the BFF as its own app: every logger, one format.

``bff.wsgi`` (whatever server loads it) and the ``craftkit-bff`` commands call
``configure_logging``; a host app that mounts the extension keeps its own logging. Text lines
read ``time level logger message``; ``CRAFTKIT_LOG_FORMAT=json`` writes one JSON object per
line for log shippers (python-json-logger), with a request line's fields (method, route,
path, status, duration_ms, org_id, request_id) as keys.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_MARK = "_craftkit_bff_handler"


def configure_logging(level: str = "info", fmt: str = "text",
                      stream: TextIO | None = None) -> logging.Handler:
    """Send every logger's records at level and above to stream (stderr) in one format.

    Calling it again replaces the handler it installed before, never a host's own.
    """
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(_formatter(fmt))
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Python's warnings (DeprecationWarning and the like) get a time and a level too.
    logging.captureWarnings(True)
    return handler


class _StderrHandler(logging.StreamHandler):
    """Write to whatever sys.stderr is at the time of each record, not when set up.

    A command run in-process (tests, an embedding tool) may swap sys.stderr for a while;
    a handler that kept the old object would write to a closed file afterwards.
    """

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignore: the stream is always the current sys.stderr."""


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(TEXT_FORMAT, rename_fields={"asctime": "time",
                                                         "levelname": "level",
                                                         "name": "logger"})
    return logging.Formatter(TEXT_FORMAT)
