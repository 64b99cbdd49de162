"""<craftkit-embed>: minting, loading and error states, attribute changes, disconnect, mount()."""



ELEMENT = "document.querySelector('craftkit-embed')"


def test_connect_mints_and_frames_the_session(embed, bff):
    embed.open(mode="fill", tenant="org-a", template="tpl-1", template_name="Invoice")

    assert embed.iframe_src() == f"{bff.frame_origin}/frame?session=s1&tenant=org-a"
    iframe = embed.element.locator("iframe")
    assert iframe.get_attribute("allow") == "clipboard-write"
    assert iframe.get_attribute("title") == "Craftkit form"
    assert iframe.is_visible()
    [call] = bff.calls_to("session")
    assert call.content_type == "application/json"
    assert call.body == {
        "mode": "fill",
        "tenantExternalId": "org-a",
        "templateExternalId": "tpl-1",
        "templateName": "Invoice",
    }


def test_connect_without_attributes_asks_for_edit_and_nothing_else(embed, bff):
    embed.open()

    assert [call.body for call in bff.calls_to("session")] == [{"mode": "edit"}]


def test_loading_state_is_shown_until_the_frame_loads(embed, bff):
    bff.hold("session")
    embed.open(wait_for="loading", tenant="org-a")

    loading = embed.page.get_by_text("Loading document builder…")
    assert loading.is_visible()
    assert embed.element.get_attribute("aria-busy") == "true"
    assert embed.element.locator("iframe").count() == 0
    bff.release("session")
    embed.wait_for_state("ready")
    assert loading.is_hidden()
    assert embed.element.get_attribute("aria-busy") == "false"
    assert embed.element.locator("iframe").is_visible()


def test_mint_failure_shows_an_error_whose_retry_works(embed, bff):
    bff.fail("session", 503, "craftkit_unavailable", message="Craftkit is unreachable right now.")
    embed.open(wait_for="error", tenant="org-a")

    [event] = embed.events("craftkit:error")
    assert event["detail"] == {
        "code": "craftkit_unavailable",
        "retryable": True,
        "message": "Craftkit is unreachable right now.",
        "phase": "mint",
    }
    alert = embed.page.get_by_role("alert")
    assert alert.is_visible()
    assert "Craftkit is unreachable right now. Press Retry" in alert.inner_text()
    assert embed.element.locator("iframe").count() == 0

    embed.page.get_by_role("button", name="Retry").click()
    embed.wait_for_state("ready")
    embed.wait_for_session("s2")
    assert alert.is_hidden()


def test_signed_out_user_is_told_to_sign_in(embed, bff):
    bff.fail("session", 401, "unauthenticated", message="Sign in first.")
    embed.open(wait_for="error")

    [event] = embed.events("craftkit:error")
    assert event["detail"]["code"] == "unauthenticated"
    assert event["detail"]["retryable"] is False
    assert "Sign in again, then press Retry" in embed.page.get_by_role("alert").inner_text()


def test_non_retryable_refusal_says_so(embed, bff):
    bff.fail("session", 403, "forbidden", message="You are not a member of org-x.")
    embed.open(wait_for="error", tenant="org-x")

    [event] = embed.events("craftkit:error")
    assert event["detail"]["code"] == "forbidden"
    assert event["detail"]["retryable"] is False
    text = embed.page.get_by_role("alert").inner_text()
    assert text.strip() == "Could not load the document builder. You are not a member of org-x."
    # Trying again cannot help, so no Retry is offered; a retryable error brings it back.
    assert embed.page.get_by_role("button", name="Retry").count() == 0
    bff.fail("session", 503, "craftkit_unavailable", message="Craftkit is unreachable.")
    embed.page.evaluate(f"{ELEMENT}.setAttribute('tenant', 'org-y')")
    embed.page.get_by_text("Craftkit is unreachable.").wait_for()
    assert embed.page.get_by_role("button", name="Retry").is_visible()


def test_unknown_mode_is_reported_without_asking_the_server(embed, bff):
    embed.open(wait_for="error", mode="draw")

    [event] = embed.events("craftkit:error")
    assert event["detail"]["code"] == "invalid_mode"
    assert "create, edit, fill, view" in embed.page.get_by_role("alert").inner_text()
    assert bff.calls_to("session") == []


def test_changing_the_tenant_remints_for_that_tenant(embed, bff):
    embed.open(tenant="org-a")

    embed.page.evaluate(f"{ELEMENT}.setAttribute('tenant', 'org-b')")

    embed.wait_for_session("s2")
    embed.wait_for_state("ready")
    assert embed.iframe_src().endswith("session=s2&tenant=org-b")
    assert bff.calls_to("session")[1].body == {"mode": "edit", "tenantExternalId": "org-b"}


def test_attribute_changes_in_one_task_mint_once(embed, bff):
    embed.open(tenant="org-a")

    embed.page.evaluate(
        f"""() => {{
            const element = {ELEMENT};
            element.tenant = 'org-b';
            element.mode = 'fill';
            element.setAttribute('template', 'tpl-9');
            element.templateName = 'Lease';
        }}"""
    )

    embed.wait_for_session("s2")
    embed.page.wait_for_timeout(300)
    calls = bff.calls_to("session")
    assert len(calls) == 2
    assert calls[1].body == {
        "mode": "fill",
        "tenantExternalId": "org-b",
        "templateExternalId": "tpl-9",
        "templateName": "Lease",
    }


def test_removing_the_element_removes_its_listeners_and_stops_its_session(embed, bff):
    bff.expires_in = 1.2  # a refresh would be due after 1 s
    embed.open(manual=1)
    window_before = embed.listener_counts("window")
    document_before = embed.listener_counts("document")

    embed.page.evaluate(
        "document.getElementById('app').append(document.createElement('craftkit-embed'))"
    )
    embed.wait_for_state("ready")
    window_during = embed.listener_counts("window")
    assert window_during.get("message", 0) == window_before.get("message", 0) + 1
    assert window_during.get("online", 0) == window_before.get("online", 0) + 1
    document_during = embed.listener_counts("document")
    assert (
        document_during.get("visibilitychange", 0) == document_before.get("visibilitychange", 0) + 1
    )

    embed.page.evaluate(f"{ELEMENT}.remove()")

    assert embed.listener_counts("window") == window_before
    assert embed.listener_counts("document") == document_before
    calls = len(bff.calls)  # normally just the mint, unless a slow machine let the timer fire
    embed.page.wait_for_timeout(1500)
    assert len(bff.calls) == calls


def test_a_session_answer_arriving_after_removal_changes_nothing(embed, bff):
    bff.hold("session")
    embed.open(manual=1)
    embed.page.evaluate(
        """() => {
            window.detached = document.createElement('craftkit-embed');
            document.getElementById('app').append(window.detached);
        }"""
    )
    bff.wait_for_calls("session", 1)

    embed.page.evaluate("window.detached.remove()")
    bff.release("session")
    embed.page.wait_for_timeout(500)

    assert embed.page.evaluate("window.detached.shadowRoot.querySelector('iframe')") is None
    assert embed.page.evaluate("window.detached.dataset.state") == "loading"
    assert embed.events() == []


def test_mount_with_a_custom_fetch_session(embed, bff, rig):
    embed.open(manual=1)
    window_before = embed.listener_counts("window")

    embed.page.evaluate(
        """(frameOrigin) => {
            window.asked = [];
            window.published = [];
            window.mounted = craftkit.mount('#app', {
                mode: 'create',
                tenant: 'org-z',
                templateName: 'Welcome letter',
                fetchSession: async (params) => {
                    window.asked.push(params);
                    return {
                        session_token: 'custom',
                        iframe_url: frameOrigin + '/frame?session=custom',
                        expires_in: 600,
                        renew_token: 'sealed-custom',
                    };
                },
                onPublished: (detail) => window.published.push(detail),
            });
        }""",
        rig.frame.origin,
    )
    embed.wait_for_state("ready")

    assert embed.page.evaluate("window.asked") == [
        {"mode": "create", "tenantExternalId": "org-z", "templateName": "Welcome letter"}
    ]
    assert embed.iframe_src() == f"{rig.frame.origin}/frame?session=custom"
    assert embed.element.locator("iframe").get_attribute("title") == "Craftkit template builder"
    assert bff.calls == []
    frame = embed.frame()
    embed.send({"type": "craftkit.template.published", "payload": {"templateId": "t-1"}}, frame)
    embed.page.wait_for_function("window.published.length === 1")
    assert embed.page.evaluate("window.published") == [{"templateId": "t-1"}]

    embed.page.evaluate("window.mounted.destroy()")

    assert embed.element.count() == 0
    assert embed.listener_counts("window") == window_before


def test_mount_uses_the_fetch_seam_for_the_default_callbacks(embed, bff):
    embed.open(manual=1)

    embed.page.evaluate(
        """() => {
            window.fetched = [];
            craftkit.mount(document.getElementById('app'), {
                tenant: 'org-a',
                endpoint: '/api/craftkit/',
                fetch: (url, init) => {
                    const { credentials, headers } = init;
                    window.fetched.push({ url, credentials, headers });
                    return fetch(url, init);
                },
            });
        }"""
    )
    embed.wait_for_state("ready")

    assert embed.page.evaluate("window.fetched") == [
        {
            "url": "/api/craftkit/session",
            "credentials": "same-origin",
            "headers": {"Content-Type": "application/json", "Accept": "application/json"},
        }
    ]
    assert len(bff.calls_to("session")) == 1


def test_mount_explains_a_missing_container(embed):
    embed.open(manual=1)

    message = embed.page.evaluate(
        """() => {
            try {
                craftkit.mount('#nowhere');
            } catch (error) {
                return `${error.name}: ${error.message}`;
            }
        }"""
    )

    assert message.startswith("TypeError: mount() needs an element or a selector that matches one")


def test_properties_set_before_the_element_is_defined_are_kept(embed, bff, rig):
    embed.open(manual=1)

    embed.page.evaluate(
        """(frameOrigin) => {
            const element = document.createElement('late-embed');
            element.tenant = 'org-q';
            element.fetchSession = async (params) => ({
                session_token: 'early',
                iframe_url: `${frameOrigin}/frame?session=early&tenant=${params.tenantExternalId}`,
                expires_in: 600,
            });
            document.getElementById('app').append(element);
            craftkit.define('late-embed');
        }""",
        rig.frame.origin,
    )

    embed.page.wait_for_function("document.querySelector('late-embed').dataset.state === 'ready'")
    src = embed.page.locator("late-embed iframe").get_attribute("src")
    assert src == f"{rig.frame.origin}/frame?session=early&tenant=org-q"
    assert bff.calls == []


def test_define_is_guarded_and_another_copy_of_the_module_loads_quietly(embed):
    embed.open(manual=1)

    result = embed.page.evaluate(
        """async () => {
            craftkit.define();
            craftkit.define('craftkit-embed');
            const Other = craftkit.define('acme-document-builder');
            const copy = await import('/static/craftkit-embed.js?second-copy');
            copy.define();
            return {
                original: customElements.get('craftkit-embed') === craftkit.CraftkitEmbedElement,
                subclass: new Other() instanceof craftkit.CraftkitEmbedElement,
                sameAgain: craftkit.define('acme-document-builder') === Other,
            };
        }"""
    )

    assert result == {"original": True, "subclass": True, "sameAgain": True}
