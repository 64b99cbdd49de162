"""<craftkit-embed> on the page: it fills the height its container gives it, and hosts style
its parts with ::part()."""




def place_in(embed, container_css, element_css=""):
    """Drop the rig page's own sizing; put a <craftkit-embed> in a styled container."""
    embed.open(manual=1)
    embed.page.evaluate(
        """([containerCss, elementCss]) => {
            document.querySelector('style').remove();
            const style = document.createElement('style');
            style.textContent = `#box { ${containerCss} } #box craftkit-embed { ${elementCss} }`;
            document.head.append(style);
            const box = document.createElement('div');
            box.id = 'box';
            box.innerHTML = '<header style="height: 100px">Documents</header>';
            box.append(document.createElement('craftkit-embed'));
            document.getElementById('app').append(box);
        }""",
        [container_css, element_css],
    )
    embed.wait_for_state("ready")


def heights(embed):
    element = embed.element.bounding_box()
    frame = embed.element.locator("iframe").bounding_box()
    return round(element["height"]), round(frame["height"])


def test_the_element_fills_a_container_of_definite_height(embed):
    place_in(embed, "height: 700px", "")
    embed.page.evaluate("document.querySelector('#box header').remove()")

    assert heights(embed) == (700, 700)


def test_in_a_flex_column_the_element_takes_the_rest_of_the_height(embed):
    place_in(embed, "height: 700px; display: flex; flex-direction: column", "flex: 1")

    assert heights(embed) == (600, 600)


def test_the_minimum_height_can_be_lowered_for_a_small_container(embed):
    place_in(embed, "height: 400px; display: flex; flex-direction: column", "flex: 1")
    assert heights(embed) == (480, 480)  # the default floor keeps the builder usable

    embed.page.add_style_tag(content="#box craftkit-embed { min-height: 0 }")
    assert heights(embed) == (300, 300)


def test_hosts_style_the_frame_and_the_error_state_through_parts(embed, bff):
    embed.page.goto("about:blank")
    bff.fail("session", 503, "craftkit_unavailable")
    embed.open(wait_for="error", tenant="org-a")
    embed.page.add_style_tag(content="""
        craftkit-embed::part(error-message) { color: rgb(1, 2, 3); }
        craftkit-embed::part(retry) { background-color: rgb(4, 5, 6); }
        craftkit-embed::part(frame) { border: 3px solid rgb(7, 8, 9); }
    """)

    style = "(node, name) => getComputedStyle(node)[name]"
    message = embed.element.locator("[part=error-message]")
    assert message.evaluate(style, "color") == "rgb(1, 2, 3)"
    retry = embed.element.locator("[part=retry]")
    assert retry.evaluate(style, "backgroundColor") == "rgb(4, 5, 6)"

    retry.click()
    embed.wait_for_state("ready")
    frame = embed.element.locator("iframe")
    assert frame.evaluate(style, "borderTopColor") == "rgb(7, 8, 9)"
    assert frame.evaluate(style, "borderTopWidth") == "3px"
