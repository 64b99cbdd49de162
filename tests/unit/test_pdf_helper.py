"""The tests' PDF reader must read a compressed stream that happens to end in byte 0x0D."""

import random
import zlib

from tests.support.pdf import pdf_text


def test_pdf_text_reads_a_stream_ending_in_carriage_return():
    rng = random.Random(1)
    while True:
        text = f"BT (Zoe {rng.random()}) Tj ET".encode()
        compressed = zlib.compress(text)
        if compressed.endswith(b"\r"):
            break
    pdf = b"%PDF-1.3\nstream\n" + compressed + b"\nendstream\n"
    assert text.decode() in pdf_text(pdf)
