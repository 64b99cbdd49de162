"""<craftkit-embed>: keeping the session alive: refresh, backoff, re-mint, timers, waking up."""

import json

ELEMENT = "document.querySelector('craftkit-embed')"


def refresh_messages(frame):
    """The refresh messages the fake Craftkit page has received so far."""
    return [m for m in frame.evaluate("window.received") if "refresh" in str(m["data"].get("type"))]


def test_session_expiring_refreshes_once_and_hands_the_frame_the_new_token(embed, bff, rig):
    embed.open(tenant="org-a")
    frame = embed.frame()
    bff.hold("refresh")

    frame.evaluate(
        "() => { for (let i = 0; i < 3; i++) window.send({ type: 'craftkit.session.expiring' }); }"
    )

    bff.wait_for_calls("refresh", 1)
    embed.page.wait_for_timeout(300)
    bff.release("refresh")
    [event] = embed.wait_for_events("craftkit:refreshed")
    assert event["detail"] == {"expiresIn": 600}
    frame.wait_for_function("window.received.length >= 2")
    embed.page.wait_for_timeout(300)
    [call] = bff.calls_to("refresh")
    assert call.body == {"renewToken": "sealed-s1", "orgId": "org-a"}
    assert call.content_type == "application/json"
    assert refresh_messages(frame) == [
        {
            "origin": rig.host.origin,
            "data": {"type": "craftkit.session.refreshed", "token": "tok-r1"},
            "fromParent": True,
        },
        {
            "origin": rig.host.origin,
            "data": {"type": "session.refresh", "token": "tok-r1"},
            "fromParent": True,
        },
    ]
    assert embed.iframe_src().endswith("session=s1&tenant=org-a"), (
        "a refresh must not reload the frame"
    )
    assert "tok-" not in json.dumps(embed.events()) and "sealed-" not in json.dumps(embed.events())


def test_the_next_refresh_uses_the_renew_token_of_the_last_one(embed, bff):
    embed.open(tenant="org-a")

    embed.send({"type": "session.expiring"})
    embed.wait_for_events("craftkit:refreshed", 1)
    embed.send({"type": "session.expiring"})
    embed.wait_for_events("craftkit:refreshed", 2)

    assert [call.body["renewToken"] for call in bff.calls_to("refresh")] == [
        "sealed-s1",
        "sealed-r1",
    ]


def test_refresh_without_a_tenant_sends_no_org_id(embed, bff):
    embed.open()

    assert embed.page.evaluate(f"{ELEMENT}.refresh()") is True

    assert [call.body for call in bff.calls_to("refresh")] == [{"renewToken": "sealed-s1"}]


def test_a_refreshed_token_never_reaches_a_document_of_another_origin(embed, bff, rig):
    embed.open(tenant="org-a")
    frame = embed.frame()
    frame.evaluate(
        "(url) => { location.href = url; }", f"{rig.foreign.origin}/frame?session=hijacked"
    )
    frame.wait_for_url(f"{rig.foreign.origin}/**")
    frame.wait_for_function("typeof window.send === 'function'")

    assert embed.page.evaluate(f"{ELEMENT}.refresh()") is True
    # Messages to one window arrive in order: once this one is in, the refresh ones would be too.
    embed.page.evaluate(
        f"{ELEMENT}.shadowRoot.querySelector('iframe')"
        ".contentWindow.postMessage({ type: 'sentinel' }, '*')"
    )
    frame.wait_for_function("window.received.length >= 1")

    assert [m["data"] for m in frame.evaluate("window.received")] == [{"type": "sentinel"}]
    assert len(bff.calls_to("refresh")) == 1


def test_a_failing_refresh_backs_off_then_remints(embed, bff):
    bff.fail(
        "refresh",
        503,
        "craftkit_unavailable",
        times=4,
        message="Craftkit is unreachable right now.",
    )
    embed.open(tenant="org-a", retry_delays="100,200,300")

    embed.send({"type": "craftkit.session.expiring"})

    embed.wait_for_session("s2")
    embed.wait_for_state("ready")
    calls = bff.calls_to("refresh")
    assert len(calls) == 4
    gaps = [later.at - earlier.at for earlier, later in zip(calls, calls[1:], strict=False)]
    for gap, backoff in zip(gaps, [0.1, 0.2, 0.3], strict=True):
        assert backoff - 0.01 <= gap < backoff + 1.0, gaps
    assert bff.calls_to("session")[1].at > calls[-1].at
    [error] = embed.events("craftkit:error")
    assert error["detail"] == {
        "code": "craftkit_unavailable",
        "retryable": True,
        "message": "Craftkit is unreachable right now.",
        "phase": "refresh",
    }


def test_a_transient_refresh_failure_recovers_without_reloading(embed, bff):
    bff.fail("refresh", 502, "craftkit_upstream_error")
    embed.open(tenant="org-a", retry_delays="50")
    frame = embed.frame()
    frame.evaluate(
        "() => { document.querySelector('[data-testid=draft]').value = 'unsaved work'; }"
    )

    embed.send({"type": "session.expiring"}, frame)

    embed.wait_for_events("craftkit:refreshed")
    assert len(bff.calls_to("refresh")) == 2
    assert embed.events("craftkit:error") == []
    assert len(bff.calls_to("session")) == 1
    assert frame.evaluate("document.querySelector('[data-testid=draft]').value") == "unsaved work"


def test_a_rejected_refresh_remints_at_once(embed, bff):
    bff.fail(
        "refresh",
        409,
        "craftkit_refresh_rejected",
        message="The renew token was refused; mint a new session.",
    )
    embed.open(tenant="org-a", retry_delays="2000,2000,2000")

    embed.send({"type": "craftkit.session.expiring"})

    embed.wait_for_session("s2", timeout=1900)
    assert len(bff.calls_to("refresh")) == 1
    [error] = embed.events("craftkit:error")
    assert error["detail"]["code"] == "craftkit_refresh_rejected"
    assert error["detail"]["phase"] == "refresh"


def test_a_signed_out_refresh_keeps_the_frame_and_says_so(embed, bff):
    bff.fail("refresh", 401, "unauthenticated")
    embed.open(tenant="org-a", retry_delays="50,50,50")

    embed.send({"type": "session.expiring"})

    [error] = embed.wait_for_events("craftkit:error")
    assert error["detail"]["code"] == "unauthenticated"
    assert error["detail"]["retryable"] is False
    embed.page.wait_for_timeout(300)
    assert len(bff.calls_to("refresh")) == 1
    assert len(bff.calls_to("session")) == 1
    assert embed.state() == "ready"


def test_a_signed_out_session_is_reminted_when_it_expires(embed, bff):
    bff.expires_in = 2  # refresh due at 1 s, expiry at 2 s
    bff.fail("refresh", 401, "unauthenticated")
    embed.open(tenant="org-a")
    embed.wait_for_events("craftkit:error", timeout=3000)

    # A wake-up check in between must not cancel the re-mint due at expiry.
    embed.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    embed.wait_for_session("s2", timeout=3000)
    assert len(bff.calls_to("refresh")) == 1


def test_a_listener_that_removes_the_element_on_error_stops_it(embed, bff):
    bff.fail("refresh", 409, "craftkit_refresh_rejected")
    embed.open(tenant="org-a")
    embed.page.evaluate(
        "document.addEventListener('craftkit:error', (event) => event.target.remove())"
    )

    embed.send({"type": "session.expiring"})

    embed.wait_for_events("craftkit:error")
    embed.page.wait_for_timeout(300)
    assert len(bff.calls_to("session")) == 1
    assert embed.element.count() == 0


def test_the_timer_refreshes_when_no_message_comes(embed, bff):
    bff.expires_in = 1.5  # due at the 1 s floor (half the lifetime would be sooner)
    embed.open(tenant="org-a")
    frame = embed.frame()

    [event] = embed.wait_for_events("craftkit:refreshed", timeout=3000)

    assert event["detail"] == {"expiresIn": 1.5}
    assert [call.body["renewToken"] for call in bff.calls_to("refresh")][:1] == ["sealed-s1"]
    frame.wait_for_function("window.received.length >= 2")
    assert [m["data"]["token"] for m in refresh_messages(frame)][:2] == ["tok-r1", "tok-r1"]
    assert len(bff.calls_to("session")) == 1


def test_waking_up_after_expiry_remints(embed, bff):
    embed.open(tenant="org-a")

    embed.advance_clock(601_000)
    embed.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    embed.wait_for_session("s2")
    assert bff.calls_to("refresh") == []


def test_coming_back_online_close_to_expiry_refreshes(embed, bff):
    embed.open(tenant="org-a")

    embed.advance_clock(550_000)  # past the refresh point (480 s, 80%), before expiry (600 s)
    embed.page.context.set_offline(True)
    embed.page.context.set_offline(False)

    embed.wait_for_events("craftkit:refreshed")
    assert len(bff.calls_to("refresh")) == 1
    assert len(bff.calls_to("session")) == 1


def test_waking_up_early_does_nothing(embed, bff):
    embed.open(tenant="org-a")

    embed.advance_clock(60_000)
    embed.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    embed.page.wait_for_timeout(200)

    assert bff.calls_to("refresh") == []
    assert len(bff.calls_to("session")) == 1


def test_a_short_session_is_not_refreshed_before_half_its_lifetime(embed, bff):
    bff.expires_in = 30  # "60 s before expiry" is already past; half the lifetime wins
    embed.open(tenant="org-a")

    # 10 s, not 14: the real time a busy machine takes to load the page counts on top.
    embed.advance_clock(10_000)
    embed.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    embed.page.wait_for_timeout(200)
    assert bff.calls_to("refresh") == []

    embed.advance_clock(6_000)  # 16 s: past half the lifetime, well before 80% (24 s)
    embed.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    embed.wait_for_events("craftkit:refreshed")
    assert len(bff.calls_to("refresh")) == 1


def test_a_mint_that_failed_offline_is_retried_when_back_online(embed, bff):
    embed.open(manual=1)
    embed.page.context.set_offline(True)
    embed.page.evaluate(
        "document.getElementById('app').append(document.createElement('craftkit-embed'))"
    )
    embed.wait_for_state("error")
    [error] = embed.events("craftkit:error")
    assert error["detail"]["code"] == "network_error"
    assert error["detail"]["retryable"] is True
    assert "check the network connection" in embed.page.get_by_role("alert").inner_text()

    embed.page.context.set_offline(False)

    embed.wait_for_state("ready")
    assert len(bff.calls_to("session")) == 1
