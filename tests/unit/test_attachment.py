"""The download's filename: built by the BFF, sanitised, RFC 6266 for non-ASCII names."""

import pytest

from bff.api.attachment import content_disposition, pdf_filename, suggested_filename


@pytest.mark.parametrize(("suggested", "expected"), [
    ("invoice.pdf", "invoice.pdf"), ("Invoice.PDF", "Invoice.pdf"), ("x.html", "x.pdf"),
    ("report.svg", "report.pdf"), ("../../etc/passwd", "passwd.pdf"),
    ("C:\\\\Windows\\\\evil.pdf", "evil.pdf"), ('a"b;c.pdf', "a_b_c.pdf"),
    ("a\x01\x0b\x7fb.pdf", "a_b.pdf"), ("invoice\u202efdp.exe", "invoice_fdp.pdf"),
    ("Angebot Müller.pdf", "Angebot Müller.pdf"), ("...pdf", "render-r1.pdf"),
    ("", "render-r1.pdf"), ("   .pdf", "render-r1.pdf"), ("a" * 300 + ".pdf", "a" * 100 + ".pdf"),
    ("日本語.pdf", "日本語.pdf"), ("a\r\nSet-Cookie: x=1.pdf", "a_Set-Cookie_ x_1.pdf"),
])
def test_pdf_filename_is_safe(suggested, expected):
    assert pdf_filename(suggested, "render-r1") == expected


def test_ascii_names_are_quoted():
    assert content_disposition("invoice 2024.pdf") == 'attachment; filename="invoice 2024.pdf"'


def test_non_ascii_names_get_an_ascii_fallback_and_filename_star():
    value = content_disposition("Angebot Müller.pdf")
    assert value == ('attachment; filename="Angebot Muller.pdf"; '
                     "filename*=UTF-8''Angebot%20M%C3%BCller.pdf")
    assert content_disposition("日本語.pdf").startswith('attachment; filename="download.pdf"; ')


@pytest.mark.parametrize(("header", "name"), [
    ('attachment; filename="a.pdf"', "a.pdf"), ("attachment; filename*=UTF-8''%C3%A4.pdf", "ä.pdf"),
    ("inline", ""), (None, ""), ("", ""), ('attachment; filename="', ""),
])
def test_suggested_filename_reads_what_craftkit_suggested(header, name):
    assert suggested_filename(header) == name
