"""Origin settings are checked when parsed: nothing that would break or widen a CSP starts."""

from __future__ import annotations

import pytest
from flask import Blueprint

from bff import create_app
from bff.config import ConfigError
from bff.page.csp import apply_csp
from tests.support.craftkit_mock import ADMIN_KEY, BASE, JWT_SECRET

CONFIG = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
          "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET}


@pytest.mark.parametrize("variable", ["CRAFTKIT_IFRAME_ORIGINS", "CRAFTKIT_ALLOWED_ORIGINS"])
@pytest.mark.parametrize("value", [
    "*", "https://*.craftkit.test", "https://embed.craftkit.test;script-src",
    "https://embed.craftkit.test'", 'https://embed.craftkit.test"', "https://user@embed.test",
    "https://embed.test:99999", "https://embed.test:", "https://embed.test/path",
    "https://embed.test?x=1", "https://embed.test#f", "https://-embed.test", "https://[zz]",
    "javascript://embed.test", "embed.test",
])
def test_an_origin_that_is_not_exactly_an_origin_stops_start_up_naming_the_variable(
        variable, value):
    with pytest.raises(ConfigError, match=variable):
        create_app({**CONFIG, variable: f"https://ok.test {value}"})


def test_a_semicolon_cannot_add_a_directive_to_the_host_pages_policy():
    # Given as a list (a Python config), the value is not split on spaces either.
    with pytest.raises(ConfigError, match="CRAFTKIT_IFRAME_ORIGINS"):
        create_app({**CONFIG, "CRAFTKIT_IFRAME_ORIGINS": ["https://e.test; script-src *"]})


def test_valid_origins_are_normalised_and_every_host_page_gets_its_policy():
    app = create_app({**CONFIG, "CRAFTKIT_IFRAME_ORIGINS":
                      "HTTPS://Embed.Craftkit.test:8443/, http://127.0.0.1:5001 http://[::1]:80"})
    assert app.extensions["craftkit_bff"].settings.iframe_origins == {
        "https://embed.craftkit.test:8443", "http://127.0.0.1:5001", "http://[::1]:80"}
    pages = Blueprint("pages", __name__)
    pages.add_url_rule("/page", "page", lambda: "<p>host page</p>")
    apply_csp(pages)
    app.register_blueprint(pages)
    response = app.test_client().get("/page")
    assert response.status_code == 200
    frame_src = [d for d in response.headers["Content-Security-Policy"].split("; ")
                 if d.startswith("frame-src ")]
    assert frame_src == ["frame-src https://craftkit.test http://127.0.0.1:5001 "
                         "http://[::1]:80 https://embed.craftkit.test:8443"]
