"""The BFF against the emulator over real HTTP: every route, end to end."""

import threading

import jwt

from tests.support.pdf import pdf_text

from .conftest import Browser, iframe_call, publish, token_for


def test_session_create_mode_opens_the_emulators_builder(ada):
    session = ada.session(mode="create", tenantExternalId="acme", templateName="Invoice")
    assert session["iframe_url"].startswith(session["iframe_url"].split("/embed/")[0])
    assert "/embed/builder" in session["iframe_url"]
    assert 880 <= session["expires_in"] <= 900
    assert session["renew_token"].startswith("v1.")
    claims = jwt.decode(session["session_token"], options={"verify_signature": False})
    assert claims["sub"] == "ada"
    assert claims["mode"] == "create"
    context = iframe_call(session, "GET", "/context").json()
    assert context["tenant"]["externalId"] == "acme"
    assert context["initialName"] == "Invoice"


def test_publish_fill_list_and_download_a_pdf(bob):
    template_id = publish(bob, "Service agreement")
    listed = bob.get("/templates").json()["data"]
    assert template_id in [t["id"] for t in listed]

    for mode in ("edit", "fill", "view"):
        session = bob.session(mode=mode, templateExternalId=template_id)
        assert f"/embed/{'builder' if mode == 'edit' else mode}" in session["iframe_url"]

    fill = bob.session(mode="fill", templateExternalId=template_id)
    missing = iframe_call(fill, "POST", "/submissions", json={"values": {}})
    assert missing.status_code == 422
    submitted = iframe_call(fill, "POST", "/submissions",
                            json={"values": {"customer.name": "Grace Hopper",
                                             "document.notes": "Paid in full"}})
    assert submitted.status_code == 201, submitted.text
    render_id = submitted.json()["renderId"]

    renders = bob.get("/renders", params={"templateId": template_id}).json()["data"]
    assert [r["id"] for r in renders] == [render_id]

    download = bob.get(f"/renders/{render_id}/download", stream=True)
    body = download.raw.read()
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert int(download.headers["Content-Length"]) == len(body)
    assert "attachment" in download.headers["Content-Disposition"]
    assert body.startswith(b"%PDF")
    assert "Grace Hopper" in pdf_text(body)


def test_refresh_rotates_and_a_reused_seal_is_rejected(ada):
    session = ada.session(mode="create", tenantExternalId="globex")
    refreshed = ada.post("/refresh", {"renewToken": session["renew_token"], "orgId": "globex"})
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()
    assert fresh["session_token"] != session["session_token"]
    assert iframe_call(fresh, "GET", "/context").status_code == 200
    # The upstream renew token inside the first seal was single use.
    reused = ada.post("/refresh", {"renewToken": session["renew_token"]})
    assert reused.status_code == 409
    assert reused.json()["error"] == "craftkit_refresh_rejected"


def test_orgs_are_isolated(ada, bob):
    acme_template = publish(bob, "Acme only")
    globex = ada.get("/templates", params={"tenantExternalId": "globex"}).json()["data"]
    assert acme_template not in [t["id"] for t in globex]
    denied = bob.get("/templates", params={"tenantExternalId": "globex"})
    assert denied.status_code == 403
    foreign_fill = ada.post("/session", {"mode": "fill", "tenantExternalId": "globex",
                                         "templateExternalId": acme_template})
    assert foreign_fill.status_code == 404
    assert foreign_fill.json()["error"] == "craftkit_session_failed"
    assert foreign_fill.json()["upstream_code"] == "not_found"


def test_a_users_seal_is_useless_to_another_user(ada, bob):
    session = ada.session(mode="create", tenantExternalId="acme")
    stolen = bob.post("/refresh", {"renewToken": session["renew_token"]})
    assert stolen.status_code == 403


class CountingProvisioner:
    """Wrap the app's provisioner and note every org it is asked to provision."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = []

    def provision(self, org_id, org_name, rejected_key=None):
        self.calls.append(org_id)
        return self.inner.provision(org_id, org_name, rejected_key)


def test_concurrent_cold_requests_provision_once(bff_app, bff_url):
    org = "herd-org"
    keys = bff_app.extensions["craftkit_bff"].keys
    counted = CountingProvisioner(keys.provisioner)
    keys.provisioner = counted
    browser_token = token_for("herder", (org,))
    start = threading.Barrier(20)
    statuses = []

    def mint():
        browser = Browser(bff_url, browser_token)
        start.wait()
        statuses.append(browser.post("/session", {"mode": "create"}).status_code)

    threads = [threading.Thread(target=mint) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    keys.provisioner = counted.inner
    assert statuses == [200] * 20
    assert counted.calls == [org]


def test_no_key_or_renew_token_in_any_bff_answer(bob):
    session = bob.session(mode="create")
    texts = [str(session)]
    texts.append(bob.get("/templates").text)
    texts.append(bob.post("/refresh", {"renewToken": session["renew_token"]}).text)
    for text in texts:
        assert "ck_live_" not in text
        assert "ckr_" not in text
