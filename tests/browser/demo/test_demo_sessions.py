"""Short embed sessions in the demo: refresh in place, re-mint on expiry, recover from errors."""

from __future__ import annotations

import time

from .conftest import SHORT_TTL

# A refresh is due at about half the lifetime; allow for a slow machine on top of a full one.
SESSION_MS = (SHORT_TTL + 5) * 1000
REFRESH = "**/api/craftkit/refresh"


def session_status(page) -> dict:
    """The iframe's own view of its session: state, token id and expiry."""
    status = page.frame.get_by_test_id("session-status")
    return {name: status.get_attribute(f"data-{name}") for name in ("state", "jti", "exp")}


def test_refresh_keeps_the_iframe_and_the_users_unsaved_input(short_demo_page):
    page = short_demo_page.sign_in("ada")
    page.publish(fields=("customer.name", "agreement.notes"))
    page.choose(mode="fill")
    page.wait_until_embedded()
    window = page.frame_window()
    window.evaluate("window.loadedOnce = true")
    first = session_status(page)
    minted = len(page.posts_to("session"))
    page.frame.get_by_test_id("field-customer.name").fill("Ada, not saved yet")

    page.wait_for_event("craftkit:refreshed", timeout=SESSION_MS)
    page.frame.locator(
        f"[data-testid=session-status][data-state=active]:not([data-jti='{first['jti']}'])"
    ).wait_for()
    # Outlive the first token, so only the refreshed one can make the submit succeed.
    page.page.wait_for_timeout(max(0, (int(first["exp"]) + 0.5 - time.time()) * 1000))

    assert page.frame_window() is window and window.evaluate("window.loadedOnce") is True
    assert len(page.posts_to("session")) == minted, "a refresh must not mint a new session"
    name = page.frame.get_by_test_id("field-customer.name")
    assert name.input_value() == "Ada, not saved yet"
    page.frame.get_by_test_id("field-agreement.notes").fill("Typed after the refresh.")
    page.frame.get_by_test_id("submit").click()
    page.wait_for_event("craftkit:completed")
    assert page.count("craftkit:error") == 0


def test_session_expired_re_mints_and_the_builder_works_again(short_demo_page):
    page = short_demo_page.sign_in("ada")
    held = []
    # Refreshes hang unanswered, so only the iframe's session.expired can end this session.
    page.page.route(REFRESH, lambda route: held.append(route))
    old_window = page.frame_window()
    old = session_status(page)

    with page.page.expect_request(lambda r: r.url.endswith("/api/craftkit/session"),
                                  timeout=SESSION_MS):
        pass
    page.page.unroute(REFRESH)
    page.wait_until_embedded()

    assert held, "the element should have tried to refresh before the session expired"
    assert int(time.time()) >= int(old["exp"]) - 1
    assert old_window.is_detached()
    assert session_status(page)["jti"] != old["jti"]
    assert page.count("craftkit:refreshed") == 0
    page.publish()


def test_failed_refresh_surfaces_an_error_and_recovers(short_demo_page):
    page = short_demo_page.sign_in("ada")
    failures = [
        (503, "craftkit_unavailable", "Craftkit cannot be reached right now; try again."),
        (409, "craftkit_refresh_rejected", "The session can no longer be refreshed."),
    ]

    def fail_then_pass(route):
        if failures:
            status, code, message = failures.pop(0)
            route.fulfill(status=status, json={"error": code, "message": message})
        else:
            route.continue_()

    page.page.route(REFRESH, fail_then_pass)
    minted = len(page.posts_to("session"))

    error = page.wait_for_event("craftkit:error", timeout=SESSION_MS)
    assert error == {"code": "craftkit_refresh_rejected", "retryable": False,
                     "message": "The session can no longer be refreshed.", "phase": "refresh"}
    assert "craftkit_refresh_rejected during refresh (not retryable)" in page.log_text()
    # The 503 was retried quietly; only the refusal that ended the session was reported.
    assert [e["code"] for e in page.events("craftkit:error")] == ["craftkit_refresh_rejected"]
    page.wait_until_embedded()
    assert len(page.posts_to("session")) == minted + 1
    page.wait_for_event("craftkit:refreshed", timeout=SESSION_MS)
    page.publish()
    assert len(page.posts_to("refresh")) >= 3
