"""The extension serves the browser element from inside the package, under its URL prefix."""

from __future__ import annotations

from flask import Flask, render_template_string

from bff import CraftkitBFF, __version__
from tests.support.craftkit_mock import ADMIN_KEY, BASE

PREFIX = f"/api/craftkit/element/{__version__}"


def fetch(client, path):
    """GET path and read the whole answer (closing the file behind it)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def test_the_element_and_its_modules_are_served_and_cacheable(client):
    entry = fetch(client, PREFIX + "/craftkit-embed.js")
    assert entry.status_code == 200
    assert entry.mimetype == "text/javascript"
    assert 'from "./embed/define.js"' in entry.get_data(as_text=True)
    assert "immutable" in entry.headers["Cache-Control"]
    module = fetch(client, PREFIX + "/embed/session-keeper.js")
    assert module.status_code == 200 and "SessionKeeper" in module.get_data(as_text=True)
    assert fetch(client, PREFIX + "/craftkit-embed.d.ts").status_code == 200


MISSING = (PREFIX + "/demo.js", PREFIX + "/embed/../demo.js", PREFIX + "/embed/missing.js",
           "/api/craftkit/element/0.0.1/craftkit-embed.js", "/api/craftkit/element/demo.js")


def mounted_app(**config) -> Flask:
    """A host app of its own that mounts the extension (no JSON error handlers of its own)."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="s", CRAFTKIT_ADMIN_KEY=ADMIN_KEY, CRAFTKIT_BASE_URL=BASE,
                      **config)
    CraftkitBFF(app)
    return app


def test_only_the_elements_files_and_only_this_version(client):
    for path in (*MISSING, PREFIX + "/../../static/demo.js"):
        response = fetch(client, path)
        assert response.status_code == 404, path
        assert response.is_json or response.mimetype == "text/html"


def test_mounted_and_standalone_apps_answer_the_same_json_for_a_missing_file(client):
    mounted = mounted_app().test_client()
    for path in MISSING:
        standalone, hosted = fetch(client, path), fetch(mounted, path)
        assert (hosted.status_code, hosted.json) == (standalone.status_code, standalone.json)
        assert hosted.json["error"] == "not_found" and __version__ in hosted.json["message"]


def test_the_versionless_url_redirects_to_this_versions_file(client):
    for app_client, prefix in ((client, "/api/craftkit"),
                               (mounted_app(CRAFTKIT_URL_PREFIX="/docs/bff").test_client(),
                                "/docs/bff")):
        response = fetch(app_client, prefix + "/element/craftkit-embed.js")
        assert response.status_code == 302
        assert response.location == f"{prefix}/element/{__version__}/craftkit-embed.js"
        assert "no-cache" in response.headers["Cache-Control"]
        assert fetch(app_client, response.location).status_code == 200
        types = fetch(app_client, prefix + "/element/craftkit-embed.d.ts")
        assert types.location.endswith(f"/{__version__}/craftkit-embed.d.ts")


def test_a_mounted_extension_serves_it_under_its_own_prefix_and_names_it_for_templates():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="s", CRAFTKIT_ADMIN_KEY=ADMIN_KEY, CRAFTKIT_BASE_URL=BASE,
                      CRAFTKIT_URL_PREFIX="/documents/api")
    CraftkitBFF(app)
    with app.test_request_context():
        url = render_template_string("{{ craftkit_element_url() }}")
    assert url == f"/documents/api/element/{__version__}/craftkit-embed.js"
    assert fetch(app.test_client(), url).status_code == 200
