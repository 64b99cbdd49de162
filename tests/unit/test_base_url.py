"""CRAFTKIT_BASE_URL is Craftkit's origin: anything else is a start-up error naming it.

Before, `https://craftkit.dev/v1` started (every call went to /v1/v1/..., the admin check's
404 passed as "accepted"), and a space or port 99999 gave a traceback on the first call.
"""

import pytest

from bff import ConfigError, create_app
from tests.support.craftkit_mock import ADMIN_KEY, JWT_SECRET


def start(base_url):
    return create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
                       "CRAFTKIT_BASE_URL": base_url})


@pytest.mark.parametrize(("base_url", "says"), [
    ("https://www.craftkit.dev/v1", "without a path"),
    ("https://www.craftkit.dev/v1/", "without a path"),
    ("https://www.craftkit.dev?region=eu", "without a path, query"),
    ("https://www.craftkit.dev#top", "fragment"),
    ("https://www.craft kit.dev", "no spaces"),
    ("https://www.craftkit.dev:99999", "port must be 1 to 65535"),
    ("https://www.craftkit.dev:0", "port must be 1 to 65535"),
    ("https://www.craftkit.dev:http", "port must be 1 to 65535"),
    ("https://www.craftkit.dev\t", "https://www.craftkit.dev"),  # stripped: this one works
    ("ftp://www.craftkit.dev", "Craftkit's origin"),
    ("www.craftkit.dev", "Craftkit's origin"),
])
def test_a_base_url_that_is_not_an_origin_fails_at_start_up(base_url, says):
    if base_url.endswith("\t"):
        assert start(base_url).extensions["craftkit_bff"].settings.base_url == says
        return
    with pytest.raises(ConfigError, match="CRAFTKIT_BASE_URL") as caught:
        start(base_url)
    assert says in str(caught.value)


def test_a_base_url_with_credentials_is_refused_without_echoing_them():
    with pytest.raises(ConfigError) as caught:
        start("https://user:hunter2@www.craftkit.dev/v1")
    assert "CRAFTKIT_BASE_URL" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("base_url", ["https://www.craftkit.dev/", "http://127.0.0.1:5001",
                                      "https://[::1]:8443", "HTTPS://Craftkit.Example"])
def test_origins_still_start(base_url):
    assert start(base_url).extensions["craftkit_bff"].settings.base_url == base_url.rstrip("/")
