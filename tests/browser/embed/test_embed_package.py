"""The npm package as a frontend developer uses it: packed by npm, installed, and imported by
bare specifier through an import map, talking to the fake BFF."""

import json

import pytest

from tests.browser.element.tooling import install_tarball, npm_pack, require_node_tooling

EVENTS = ["craftkit:published", "craftkit:completed", "craftkit:refreshed", "craftkit:error"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The packed package, unpacked as <dir>/node_modules/@craftkit-bff/embed."""
    require_node_tooling()
    work = tmp_path_factory.mktemp("package-app")
    tarball, _ = npm_pack(work)
    return install_tarball(tarball, work / "app")


def import_map(package) -> dict:
    """Map every export with a JavaScript target to its URL, as import-map tools read exports."""
    meta = json.loads((package / "package.json").read_text())
    imports = {}
    for subpath, conditions in meta["exports"].items():
        target = conditions.get("default") if isinstance(conditions, dict) else conditions
        if target and target.endswith(".js"):
            specifier = meta["name"] + subpath.removeprefix(".")
            imports[specifier] = f"/node_modules/{meta['name']}/{target.removeprefix('./')}"
    return {"imports": imports}


@pytest.fixture
def app(rig, bff, installed, tmp_path, page):
    """Write an app (its body markup and main.js) served from the host origin; open it."""
    rig.mounts["node_modules"] = installed.parents[1]
    rig.mounts["app"] = tmp_path

    def open_app(body, main):
        (tmp_path / "main.js").write_text(main)
        (tmp_path / "index.html").write_text(f"""<!doctype html>
<html lang="en"><meta charset="utf-8"><title>An app</title><link rel="icon" href="data:,">
<script type="importmap">{json.dumps(import_map(installed))}</script>
<script type="module" src="/app/main.js"></script>
<body>{body}</body></html>""")
        page.goto(f"{rig.host.origin}/app/index.html")
        page.wait_for_function("window.appReady === true")
        return page

    yield open_app
    rig.mounts.clear()


def frame_of(page):
    frame = page.locator("craftkit-embed iframe").element_handle().content_frame()
    frame.wait_for_function("typeof window.send === 'function'")
    return frame


def test_the_package_by_bare_specifier_defines_when_asked_and_embeds(app, bff, rig):
    page = app(
        '<craftkit-embed mode="fill" tenant="org-a" template="tpl-1"></craftkit-embed>',
        f"""
        import {{ define }} from "@craftkit-bff/embed";
        window.events = [];
        for (const type of {json.dumps(EVENTS)}) {{
          document.querySelector("craftkit-embed").addEventListener(type, (event) => {{
            window.events.push({{ type, detail: event.detail }});
          }});
        }}
        window.definedOnImport = customElements.get("craftkit-embed") !== undefined;
        define();
        window.appReady = true;
        """,
    )

    page.wait_for_selector("craftkit-embed[data-state=ready]")
    assert page.evaluate("window.definedOnImport") is False, "importing must register nothing"
    assert page.locator("craftkit-embed iframe").get_attribute("src") == (
        f"{rig.frame.origin}/frame?session=s1&tenant=org-a")
    assert [call.body for call in bff.calls_to("session")] == [
        {"mode": "fill", "tenantExternalId": "org-a", "templateExternalId": "tpl-1"}]

    frame = frame_of(page)
    frame.evaluate("window.send({ type: 'craftkit.form.completed', payload: { renderId: 'r-1' } })")
    assert page.evaluate("document.querySelector('craftkit-embed').refresh()") is True
    page.wait_for_function("window.events.length >= 2")
    assert page.evaluate("window.events") == [
        {"type": "craftkit:completed", "detail": {"renderId": "r-1"}},
        {"type": "craftkit:refreshed", "detail": {"expiresIn": 600}},
    ]
    frame.wait_for_function("window.received.length >= 2")
    assert [m["data"] for m in frame.evaluate("window.received")] == [
        {"type": "craftkit.session.refreshed", "token": "tok-r1"},
        {"type": "session.refresh", "token": "tok-r1"},
    ]


def test_the_define_entry_registers_on_import_and_mount_works(app, bff):
    page = app(
        '<section id="documents"></section>',
        """
        import { mount, CraftkitEmbedElement } from "@craftkit-bff/embed/define";
        window.defined = customElements.get("craftkit-embed") === CraftkitEmbedElement;
        window.published = [];
        window.mounted = mount("#documents", {
          mode: "create", tenant: "org-b", templateName: "Lease",
          onPublished: (detail) => window.published.push(detail),
        });
        window.appReady = true;
        """,
    )

    page.wait_for_selector("#documents craftkit-embed[data-state=ready]")
    assert page.evaluate("window.defined") is True
    assert [call.body for call in bff.calls_to("session")] == [
        {"mode": "create", "tenantExternalId": "org-b", "templateName": "Lease"}]
    frame_of(page).evaluate("""window.send({
        type: 'template.published', payload: { templateId: 't-9', name: 'Lease' } })""")
    page.wait_for_function("window.published.length === 1")
    assert page.evaluate("window.published") == [{"templateId": "t-9", "name": "Lease"}]

    page.evaluate("window.mounted.destroy()")
    assert page.locator("craftkit-embed").count() == 0
