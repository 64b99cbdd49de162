"""The demo answers only loopback Host headers, so DNS rebinding cannot reach it."""

import pytest

from bff.demo.stack import create_demo_app
from tests.support.craftkit_mock import ADMIN_KEY


@pytest.fixture
def demo_client():
    app = create_demo_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY}, "http://127.0.0.1:5001")
    yield app.test_client()
    app.extensions["craftkit_bff"].upstream.close()


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000", "127.0.0.1"])
def test_the_demo_answers_loopback_names(demo_client, host):
    assert demo_client.get("/signin", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1.nip.io:5000",
                                  "localhost.evil.example", "0.0.0.0:5000", "10.0.0.5:5000"])
@pytest.mark.parametrize("path", ["/signin", "/demo", "/api/craftkit/templates"])
def test_the_demo_refuses_any_other_host(demo_client, host, path):
    response = demo_client.get(path, headers={"Host": host})
    assert response.status_code == 400
