"""bff.csp: the host-page policy that lets only Craftkit be framed."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, jsonify

from bff.page.csp import apply_csp, craftkit_origin, frame_src_policy


def directives(policy: str) -> dict[str, str]:
    return dict(part.split(" ", 1) for part in policy.split("; "))


@pytest.mark.parametrize(("url", "origin"), [
    ("https://www.craftkit.dev", "https://www.craftkit.dev"),
    ("https://WWW.Craftkit.dev/v1/embed/builder#token=x", "https://www.craftkit.dev"),
    ("http://127.0.0.1:5001/", "http://127.0.0.1:5001"),
])
def test_craftkit_origin_keeps_only_scheme_host_and_port(url, origin):
    assert craftkit_origin(url) == origin


@pytest.mark.parametrize("url", ["", "www.craftkit.dev", "javascript:alert(1)", "https://*.dev",
                                 "ftp://craftkit.dev", "https://user:pw@craftkit.dev"])
def test_craftkit_origin_refuses_what_cannot_be_a_frame_source(url):
    with pytest.raises(ValueError):
        craftkit_origin(url)


def test_frame_src_policy_frames_only_craftkit_and_runs_only_own_scripts():
    policy = directives(frame_src_policy("https://www.craftkit.dev/"))
    assert policy["frame-src"] == "https://www.craftkit.dev"
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["object-src"] == "'none'"


def make_app(craftkit_url=None) -> Flask:
    app = Flask(__name__)
    app.config["CRAFTKIT_BASE_URL"] = "https://www.craftkit.dev"
    pages = Blueprint("pages", __name__)
    own_policy = {"Content-Security-Policy": "default-src 'none'"}
    pages.add_url_rule("/page", "page", lambda: "<p>host page</p>")
    pages.add_url_rule("/own", "own", lambda: ("<p>own</p>", 200, own_policy))
    pages.add_url_rule("/data", "data", lambda: jsonify(ok=True))
    apply_csp(pages, craftkit_url)
    app.register_blueprint(pages)
    app.add_url_rule("/outside", "outside", lambda: "<p>not the blueprint's</p>")
    return app


def test_apply_csp_covers_the_blueprints_html_pages_only():
    client = make_app().test_client()
    page = client.get("/page").headers["Content-Security-Policy"]
    assert directives(page)["frame-src"] == "https://www.craftkit.dev"
    assert client.get("/own").headers["Content-Security-Policy"] == "default-src 'none'"
    assert "Content-Security-Policy" not in client.get("/data").headers
    assert "Content-Security-Policy" not in client.get("/outside").headers


def test_apply_csp_takes_an_explicit_craftkit_url():
    client = make_app("http://127.0.0.1:5001").test_client()
    policy = client.get("/page").headers["Content-Security-Policy"]
    assert directives(policy)["frame-src"] == "http://127.0.0.1:5001"


def test_frame_src_policy_adds_the_other_origins_craftkit_frames_from():
    policy = directives(frame_src_policy(
        "https://www.craftkit.dev", {"https://Embed.craftkit.dev/", "https://www.craftkit.dev"}))
    assert policy["frame-src"] == "https://www.craftkit.dev https://embed.craftkit.dev"


def test_apply_csp_frames_what_the_mounted_bff_lets_iframe_url_point_to():
    from bff import create_app

    app = create_app({"CRAFTKIT_ADMIN_KEY": "ck_admin_" + "a" * 32,
                      "CRAFTKIT_BASE_URL": "https://www.craftkit.dev",
                      "CRAFTKIT_AUTH_JWT_SECRET": "s" * 48,
                      "CRAFTKIT_IFRAME_ORIGINS": "https://embed.craftkit.dev"})
    pages = Blueprint("pages", __name__)
    pages.add_url_rule("/page", "page", lambda: "<p>host page</p>")
    apply_csp(pages)
    app.register_blueprint(pages)
    policy = app.test_client().get("/page").headers["Content-Security-Policy"]
    assert directives(policy)["frame-src"] == "https://www.craftkit.dev https://embed.craftkit.dev"


MOUNTED = {"SECRET_KEY": "s", "CRAFTKIT_ADMIN_KEY": "ck_admin_" + "a" * 32,
           "CRAFTKIT_BASE_URL": "https://www.craftkit.dev",
           "CRAFTKIT_IFRAME_ORIGINS": "https://embed.craftkit.dev"}


def mounted_app() -> Flask:
    from bff import CraftkitBFF

    app = Flask(__name__)
    app.config.update(MOUNTED)
    CraftkitBFF(app)
    return app


def test_apply_csp_with_craftkits_url_still_frames_the_allowed_iframe_origins():
    app = mounted_app()
    apply_csp(app, "https://www.craftkit.dev")
    app.add_url_rule("/page", "page", lambda: "<p>host page</p>")
    policy = app.test_client().get("/page").headers["Content-Security-Policy"]
    assert directives(policy)["frame-src"] == "https://www.craftkit.dev https://embed.craftkit.dev"


def test_frame_src_policy_in_an_app_frames_its_allowed_iframe_origins():
    with mounted_app().app_context():
        assert directives(frame_src_policy("https://www.craftkit.dev"))["frame-src"] == (
            "https://www.craftkit.dev https://embed.craftkit.dev")
        assert directives(frame_src_policy())["frame-src"] == (
            "https://www.craftkit.dev https://embed.craftkit.dev")
        # Saying there are none is the way to leave them out.
        assert directives(frame_src_policy(iframe_origins=()))["frame-src"] == (
            "https://www.craftkit.dev")


def test_frame_src_policy_outside_an_app_reads_the_environment(monkeypatch):
    monkeypatch.setenv("CRAFTKIT_IFRAME_ORIGINS", "https://embed.craftkit.dev")
    monkeypatch.setenv("CRAFTKIT_BASE_URL", "https://craftkit.example")
    assert directives(frame_src_policy())["frame-src"] == (
        "https://craftkit.example https://embed.craftkit.dev")
    assert directives(frame_src_policy("https://www.craftkit.dev"))["frame-src"] == (
        "https://www.craftkit.dev https://embed.craftkit.dev")


def test_apply_csp_in_an_app_without_the_extension_reads_its_config():
    app = Flask(__name__)
    app.config.update(CRAFTKIT_BASE_URL="https://craftkit.example",
                      CRAFTKIT_IFRAME_ORIGINS="https://embed.craftkit.dev")
    apply_csp(app)
    app.add_url_rule("/page", "page", lambda: "<p>host page</p>")
    policy = app.test_client().get("/page").headers["Content-Security-Policy"]
    assert directives(policy)["frame-src"] == (
        "https://craftkit.example https://embed.craftkit.dev")
