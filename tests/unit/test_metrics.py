"""/metrics: 404 unless enabled; request, upstream, key-cache, refresh and circuit figures."""

from bff import create_app
from tests.support.craftkit_mock import (
    BASE,
    bearer,
    expect_provision,
    post_json,
    session_payload,
)


def metric(text, name, **labels):
    """Return the value of one sample in Prometheus text, 0 if absent."""
    for line in text.splitlines():
        if line.startswith(name + "{" if labels else name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_is_404_unless_enabled(client, upstream):
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_metrics_count_requests_keys_refreshes_and_upstream(config, upstream):
    client = create_app({**config, "CRAFTKIT_METRICS": "true"}).test_client()
    before = client.get("/metrics").get_data(as_text=True)
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    upstream.post(BASE + "/v1/embed/sessions/refresh", json=session_payload())
    sealed = post_json(client, "/session", {"mode": "create"}).json["renew_token"]
    post_json(client, "/session", {"mode": "edit"})
    post_json(client, "/refresh", {"renewToken": sealed})
    post_json(client, "/refresh", {"renewToken": "v1.forged"})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    after = response.get_data(as_text=True)

    def grew(name, **labels):
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert grew("craftkit_bff_requests_total", route="/api/craftkit/session", method="POST",
                status="200") == 1
    assert grew("craftkit_bff_requests_total", route="/api/craftkit/session", status="400") == 1
    assert grew("craftkit_bff_provision_calls_total") == 1
    assert grew("craftkit_bff_key_cache_total", result="miss") == 1
    assert grew("craftkit_bff_key_cache_total", result="hit") == 1
    assert grew("craftkit_bff_refresh_total", outcome="ok") == 1
    assert grew("craftkit_bff_upstream_duration_seconds_count",
                endpoint="/v1/embed/sessions", outcome="200") == 1
    assert "craftkit_bff_circuit_open" in after
    assert "ck_live" not in after


def test_upstream_up_is_measured_by_a_scrape_without_readyz(config, upstream):
    down = create_app({**config, "CRAFTKIT_METRICS": "true",
                       "CRAFTKIT_BASE_URL": "http://127.0.0.1:9"}).test_client()
    assert metric(down.get("/metrics").get_data(as_text=True), "craftkit_bff_upstream_up") == 0
    upstream.get(BASE + "/", status=404)  # any answer below 500: Craftkit is there
    up = create_app({**config, "CRAFTKIT_METRICS": "true"}).test_client()
    assert metric(up.get("/metrics").get_data(as_text=True), "craftkit_bff_upstream_up") == 1


def test_a_parameterised_route_adds_one_series_not_one_per_id(config, upstream):
    client = create_app({**config, "CRAFTKIT_METRICS": "true"}).test_client()
    expect_provision(upstream)
    ids = ["r1", "r2", "r-3"]
    for render_id in ids:
        upstream.get(f"{BASE}/v1/embed/renders/{render_id}/download", body=b"%PDF-1.4 x",
                     content_type="application/pdf")
    for render_id in ids:
        response = client.get(f"/api/craftkit/renders/{render_id}/download", headers=bearer())
        assert response.status_code == 200
        response.close()
    text = client.get("/metrics").get_data(as_text=True)
    series = {line.split("{", 1)[1].rsplit("}", 1)[0] for line in text.splitlines()
              if line.startswith("craftkit_bff_upstream_duration_seconds_count{")
              and "download" in line}
    assert series == {'endpoint="/v1/embed/renders/{render_id}/download",outcome="200"'}
    assert metric(text, "craftkit_bff_upstream_duration_seconds_count",
                  endpoint="/v1/embed/renders/{render_id}/download") == 3
    assert not any(render_id + "/" in text for render_id in ids)
    assert metric(text, "craftkit_bff_requests_total",
                  route="/api/craftkit/renders/<render_id>/download", status="200") == 3


def test_a_new_parameterised_route_is_labelled_by_its_template(config, upstream):
    # What a newcomer adds for one more proxied GET with an id in its path.
    from flask import Blueprint, jsonify

    from bff.api.guards import requested_org
    from bff.api.routes import CRAFTKIT_ID, Route

    render_status = Route("render", "GET", "/renders/<render_id>",
                          "/v1/embed/renders/{render_id}", path={"render_id": CRAFTKIT_ID})
    bp = Blueprint("render_status", __name__)

    @render_status.view(bp)
    def show_render(render_id):
        return jsonify(render_status.fetch_json(requested_org(), render_id=render_id))

    app = create_app({**config, "CRAFTKIT_METRICS": "true"})
    app.register_blueprint(bp, url_prefix="/api/craftkit")
    client = app.test_client()
    expect_provision(upstream)
    for render_id in ("r1", "r2"):
        upstream.get(f"{BASE}/v1/embed/renders/{render_id}", json={"status": "done"})
        assert client.get(f"/api/craftkit/renders/{render_id}",
                          headers=bearer()).json == {"status": "done"}
    assert client.get("/api/craftkit/renders/bad%20id", headers=bearer()).status_code == 400
    text = client.get("/metrics").get_data(as_text=True)
    assert metric(text, "craftkit_bff_upstream_duration_seconds_count",
                  endpoint="/v1/embed/renders/{render_id}", outcome="200") == 2
    assert "renders/r1" not in text and "renders/r2" not in text
