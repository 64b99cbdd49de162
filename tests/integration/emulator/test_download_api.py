"""GET /v1/embed/renders/<id>/download: a real PDF of the filled form, streamed."""

from __future__ import annotations

import re

from tests.support.pdf import pdf_text

from .conftest import error_of


def download(emulator, key, render_id):
    return emulator.call("GET", f"/v1/embed/renders/{render_id}/download", key)


def test_download_render_is_a_pdf_with_the_filled_values(emulator, org_key):
    template = emulator.template(org_key, name="Service agreement")
    render = emulator.render(org_key, template["id"],
                             {"customer.name": "Jane Doe", "customer.email": "jane@example.com"})
    assert render["downloadUrl"] == (
        f"{emulator.url}/v1/embed/renders/{render['renderId']}/download")
    response = download(emulator, org_key, render["renderId"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert int(response.headers["Content-Length"]) == len(response.content)
    text = pdf_text(response.content)
    for expected in ("Service agreement", "Name", "Jane Doe", "Email", "jane@example.com"):
        assert expected in text


def test_download_render_file_name_is_safe(emulator, org_key):
    template = emulator.template(org_key, name='Bad "name"; \r\nX-Evil: 1 /../')
    render = emulator.render(org_key, template["id"], {"customer.name": "Zoë 日本"})
    response = download(emulator, org_key, render["renderId"])
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+\.pdf"', disposition)
    assert "X-Evil" not in response.headers
    assert "Zo" in pdf_text(response.content)


def test_download_render_of_another_org_is_404(emulator, org_key):
    other_key = emulator.provision("org-b")["apiKey"]
    template = emulator.template(org_key)
    render = emulator.render(org_key, template["id"], {"customer.name": "x"})
    assert error_of(download(emulator, other_key, render["renderId"])) == (404, "not_found")


def test_download_unknown_render_is_404(emulator, org_key):
    assert error_of(download(emulator, org_key, "nope")) == (404, "not_found")


def test_download_render_needs_a_project_key(emulator, org_key):
    template = emulator.template(org_key)
    render = emulator.render(org_key, template["id"], {"customer.name": "x"})
    assert error_of(download(emulator, None, render["renderId"])) == (401, "unauthorized")
