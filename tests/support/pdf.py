"""Read the text of a PDF's content streams, for tests that look for filled values."""

from __future__ import annotations

import re
import zlib

# No "\r?\n" before endstream in the pattern: a compressed stream may itself end in byte
# 0x0D, and eating it would cut the stream short. decompressobj stops at the end of the
# deflate data by itself and leaves the line break in unused_data.
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


def pdf_text(data: bytes) -> str:
    """Return the PDF's bytes plus every inflated stream, as latin-1 text."""
    chunks = [data]
    for match in _STREAM.finditer(data):
        try:
            chunks.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks).decode("latin-1")
