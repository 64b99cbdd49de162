"""<craftkit-embed>: which postMessages it trusts, and the DOM events it dispatches for them."""



FORGED = {"type": "craftkit.template.published", "payload": {"templateId": "forged"}}
GENUINE = {"type": "craftkit.template.published", "payload": {"templateId": "genuine"}}


def add_iframe(embed, url):
    """Add another iframe showing ``url`` to the host page, outside the element; return it."""
    handle = embed.page.evaluate_handle(
        """(url) => new Promise((resolve) => {
            const iframe = document.createElement('iframe');
            iframe.addEventListener('load', () => resolve(iframe), { once: true });
            iframe.src = url;
            document.body.append(iframe);
        })""",
        url,
    )
    frame = handle.as_element().content_frame()
    frame.wait_for_function("typeof window.send === 'function'")
    return frame


def assert_only_genuine_message_counts(embed, bff):
    """Send a genuine message after the forged ones; only it may become an event."""
    embed.page.wait_for_timeout(200)
    embed.send(GENUINE)
    embed.wait_for_events("craftkit:published")
    embed.page.wait_for_timeout(100)
    assert [event["detail"] for event in embed.events()] == [{"templateId": "genuine"}]
    assert bff.calls_to("refresh") == []
    assert len(bff.calls_to("session")) == 1


def test_prefixed_and_bare_events_are_redispatched_with_their_payloads(embed):
    embed.open(tenant="org-a")

    frame = embed.frame()
    embed.send(
        {"type": "craftkit.template.published", "payload": {"templateId": "t-1", "name": "A"}},
        frame,
    )
    embed.send({"type": "template.published", "payload": {"templateId": "t-2"}}, frame)
    embed.send(
        {"type": "craftkit.form.completed", "payload": {"renderId": "r-1", "downloadUrl": "/d/1"}},
        frame,
    )
    embed.send({"type": "form.completed", "payload": {"renderId": "r-2"}}, frame)

    embed.wait_for_events("craftkit:completed", 2)
    assert embed.events() == [
        {"type": "craftkit:published", "detail": {"templateId": "t-1", "name": "A"}},
        {"type": "craftkit:published", "detail": {"templateId": "t-2"}},
        {"type": "craftkit:completed", "detail": {"renderId": "r-1", "downloadUrl": "/d/1"}},
        {"type": "craftkit:completed", "detail": {"renderId": "r-2"}},
    ]


def test_events_bubble_out_of_shadow_roots(embed):
    embed.open(manual=1)
    embed.page.evaluate(
        """() => {
            const host = document.createElement('div');
            host.attachShadow({ mode: 'open' }).append(document.createElement('craftkit-embed'));
            document.getElementById('app').append(host);
        }"""
    )
    embed.page.wait_for_function(
        "document.querySelector('#app > div').shadowRoot.querySelector('craftkit-embed')"
        ".dataset.state === 'ready'"
    )

    frame = embed.page.locator("craftkit-embed iframe").element_handle().content_frame()
    frame.wait_for_function("typeof window.send === 'function'")
    embed.send({"type": "form.completed", "payload": {"renderId": "r-9"}}, frame)

    assert embed.wait_for_events("craftkit:completed")[0]["detail"] == {"renderId": "r-9"}


def test_messages_from_a_foreign_origin_are_ignored(embed, bff, rig):
    embed.open(tenant="org-a")
    foreign = add_iframe(embed, f"{rig.foreign.origin}/frame?session=foreign")

    embed.send(FORGED, foreign)
    embed.send({"type": "craftkit.session.expiring"}, foreign)
    embed.send({"type": "craftkit.session.expired"}, foreign)

    assert_only_genuine_message_counts(embed, bff)


def test_messages_from_another_iframe_of_the_craftkit_origin_are_ignored(embed, bff, rig):
    embed.open(tenant="org-a")
    sibling = add_iframe(embed, f"{rig.frame.origin}/frame?session=sibling")

    embed.send(FORGED, sibling)
    embed.send({"type": "session.expiring"}, sibling)
    embed.send({"type": "session.expired"}, sibling)

    assert_only_genuine_message_counts(embed, bff)


def test_messages_from_a_popup_of_the_craftkit_origin_are_ignored(embed, bff, rig):
    embed.open(tenant="org-a")
    with embed.page.expect_popup() as popup_info:
        embed.page.evaluate(
            "(url) => { window.open(url); }", f"{rig.frame.origin}/frame?session=popup"
        )
    popup = popup_info.value
    popup.wait_for_function("typeof window.send === 'function'")

    embed.send(FORGED, popup.main_frame, target="opener")
    embed.send({"type": "session.expired"}, popup.main_frame, target="opener")

    assert_only_genuine_message_counts(embed, bff)


def test_malformed_messages_are_ignored(embed, bff):
    embed.open(tenant="org-a")
    frame = embed.frame()

    for message in [
        "template.published",
        None,
        42,
        {"type": 7},
        {"kind": "form.completed"},
        {"type": "craftkit.unknown"},
    ]:
        embed.send(message, frame)

    assert_only_genuine_message_counts(embed, bff)


def test_session_expired_mints_a_new_session(embed, bff):
    embed.open(tenant="org-a")

    embed.send({"type": "craftkit.session.expired"})
    embed.wait_for_session("s2")
    embed.wait_for_state("ready")
    embed.send({"type": "session.expired"})
    embed.wait_for_session("s3")

    assert [call.body for call in bff.calls_to("session")] == [
        {"mode": "edit", "tenantExternalId": "org-a"}
    ] * 3
    assert bff.calls_to("refresh") == []
