"""The headers of a PDF download served from the host app's origin, decided by the BFF alone.

None of Craftkit's headers pass as they are: a download it labelled ``text/html``,
``image/svg+xml`` or ``inline; filename="x.html"`` would otherwise become a page on the
host's origin, scripts and all. Every download is a PDF attachment that the browser may
neither sniff nor render with any privilege; Craftkit's suggested filename survives only
as a sanitised stem with ``.pdf`` appended (RFC 6266 ``filename*`` when not ASCII).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import quote

from werkzeug.http import parse_options_header

PDF_MAGIC = b"%PDF-"
FIXED_HEADERS = {
    "Content-Type": "application/pdf",
    "X-Content-Type-Options": "nosniff",
    # Should the file ever be opened in place, it runs nothing and loads nothing.
    "Content-Security-Policy": "default-src 'none'; sandbox",
}
MAX_STEM = 100
# The largest Content-Length any server can send (a signed 64-bit length).
MAX_LENGTH = 2**63 - 1
_PATH_PARTS = re.compile(r"[/\\]")
_RUNS = re.compile(r"_{2,}")
_KEPT_PUNCTUATION = frozenset(" -_.()")


def is_pdf(first_bytes: bytes) -> bool:
    """Tell whether a body starts like a PDF file."""
    return first_bytes.startswith(PDF_MAGIC)


def attachment_headers(upstream: Mapping[str, str], fallback_stem: str,
                       framed_length: int | None) -> dict[str, str]:
    """Return the download's headers: PDF, attachment, nosniff, a CSP that forbids all.

    Content-Length is the length Craftkit's body is framed by, and only that: a chunked
    (or close-delimited) body has none, whatever Content-Length header came with it, so a
    body that ends early shows as an aborted transfer, never as a shorter complete file.
    """
    name = pdf_filename(suggested_filename(upstream.get("Content-Disposition")), fallback_stem)
    headers = {**FIXED_HEADERS, "Content-Disposition": content_disposition(name)}
    if framed_length is not None and 0 <= framed_length <= MAX_LENGTH:
        headers["Content-Length"] = str(framed_length)
    return headers


def suggested_filename(disposition: str | None) -> str:
    """Return the filename (or decoded filename*) a Content-Disposition suggests, or ''."""
    if not disposition:
        return ""
    _, options = parse_options_header(disposition)
    return options.get("filename", "")


def pdf_filename(suggested: str, fallback_stem: str) -> str:
    """Return a safe name ending in .pdf: no path, control, quote or format characters."""
    name = unicodedata.normalize("NFC", _PATH_PARTS.split(suggested)[-1])
    name = "".join(c if _kept(c) else "_" for c in name)
    stem = name[:-4] if name.lower().endswith(".pdf") else name.rsplit(".", 1)[0]
    stem = _RUNS.sub("_", stem).strip(" ._-")[:MAX_STEM].strip(" ._-")
    return (stem or fallback_stem) + ".pdf"


def content_disposition(filename: str) -> str:
    """Return ``attachment`` with filename, plus RFC 6266 filename* when it is not ASCII.

    filename comes from pdf_filename, so it holds no quote or backslash to escape.
    """
    if filename.isascii():
        return f'attachment; filename="{filename}"'
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    return (f'attachment; filename="{pdf_filename(plain, "download")}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}")


def _kept(char: str) -> bool:
    # Letters, marks and digits of any script, and a little harmless punctuation; never
    # controls, bidi overrides (which can disguise an extension), quotes or separators.
    return unicodedata.category(char)[0] in "LMN" or char in _KEPT_PUNCTUATION
