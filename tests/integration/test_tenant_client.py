"""The docs' worked example: a background job lists an org's renders with CraftkitBFF.tenant,
against the emulator over real HTTP (no request context, the key never handled)."""

from bff import CraftkitBFF

from .conftest import iframe_call, publish


def test_a_background_job_lists_the_renders_the_browser_made(bob, bff_app):
    template_id = publish(bob, "Job sheet")
    fill = bob.session(mode="fill", templateExternalId=template_id)
    render_id = iframe_call(fill, "POST", "/submissions", json={
        "values": {"customer.name": "Ada"}}).json()["renderId"]

    tenant = CraftkitBFF().tenant("acme", app=bff_app)
    page = tenant.get("/v1/embed/renders", params={"templateId": template_id, "limit": "10"})
    assert [render["id"] for render in page["data"]] == [render_id]
    with tenant.open_stream("/v1/embed/renders/{id}/download", path={"id": render_id}) as pdf:
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert pdf.read(5) == b"%PDF-"
