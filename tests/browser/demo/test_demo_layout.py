"""The demo in a 1280x800 window: the page fits it, the builder's and the form's primary action
and feedback stay in view however far the frame scrolls, and one field names a template."""

from __future__ import annotations

import pytest

WINDOW = {"width": 1280, "height": 800}
ALL_FIELDS = ("customer.name", "customer.email", "customer.company", "customer.phone",
              "agreement.start", "agreement.amount", "agreement.notes", "agreement.accepted")


def in_view(demo_page, locator) -> bool:
    """Whether ``locator`` (inside the iframe) is wholly visible in the frame and the window."""
    box = locator.bounding_box()  # in the window's coordinates, even inside the iframe
    frame = demo_page.page.locator("craftkit-embed iframe").bounding_box()
    bottom = min(frame["y"] + frame["height"], WINDOW["height"])
    return box is not None and box["y"] >= max(frame["y"], 0) and box["y"] + box["height"] <= bottom


def below_the_header(demo_page, locator) -> bool:
    """Whether ``locator`` is in view and not hidden under the frame's sticky header."""
    header = demo_page.frame.locator("header.top").bounding_box()
    box = locator.bounding_box()
    return in_view(demo_page, locator) and box["y"] >= header["y"] + header["height"]


def scroll_frame_to_the_end(demo_page) -> None:
    """Scroll the Craftkit page to its end; fail if it had nothing to scroll (a vacuous check)."""
    scrolled = demo_page.frame_window().evaluate(
        "() => { window.scrollTo(0, document.documentElement.scrollHeight); return scrollY; }")
    assert scrolled > 0, "the frame's content should be taller than the frame here"


@pytest.fixture
def window_page(demo_page):
    demo_page.page.set_viewport_size(WINDOW)
    return demo_page.sign_in("ada")


def test_demo_page_fits_the_window_with_the_builder_filling_the_rest(window_page):
    page = window_page.page
    assert page.evaluate("document.documentElement.scrollHeight") <= WINDOW["height"]
    embed = page.locator("craftkit-embed").bounding_box()
    assert embed["y"] + embed["height"] <= WINDOW["height"]
    assert embed["height"] >= 480
    frame = page.locator("craftkit-embed iframe").bounding_box()
    assert (frame["height"], frame["width"]) == (embed["height"], embed["width"])


def test_demo_publish_and_its_feedback_stay_in_view(window_page):
    for key in ALL_FIELDS:
        window_page.frame.get_by_test_id(f"add-field-{key}").click()
    scroll_frame_to_the_end(window_page)

    publish = window_page.frame.get_by_test_id("publish")
    assert in_view(window_page, publish)
    publish.click()

    message = window_page.frame.get_by_test_id("message")
    message.filter(has_text="Published").wait_for()
    assert in_view(window_page, message)
    assert window_page.wait_for_event("craftkit:published")["name"] == "Service agreement"


def test_demo_submit_and_its_feedback_stay_in_view(window_page):
    template_id = window_page.publish(fields=ALL_FIELDS)
    window_page.choose(mode="fill", template=template_id)
    window_page.wait_until_embedded()
    scroll_frame_to_the_end(window_page)

    submit = window_page.frame.get_by_test_id("submit")
    assert in_view(window_page, submit)
    submit.click()
    message = window_page.frame.get_by_test_id("message")
    message.filter(has_text="Fill in the fields marked with *").wait_for()
    assert in_view(window_page, message)
    # The browser scrolls the empty required field into view, below the sticky header.
    assert below_the_header(window_page, window_page.frame.get_by_test_id("field-customer.name"))

    window_page.frame.get_by_test_id("field-customer.name").fill("Ada Lovelace")
    scroll_frame_to_the_end(window_page)
    submit.click()
    message.filter(has_text="Submitted").wait_for()
    assert in_view(window_page, message)
    window_page.wait_for_event("craftkit:completed")


def test_demo_has_one_template_name_field_seeded_from_the_element(window_page):
    page = window_page.page
    assert page.locator("[data-testid=pickers] input").count() == 0
    assert page.locator("craftkit-embed").get_attribute("template-name") == "Service agreement"
    name = window_page.frame.get_by_test_id("template-name")
    assert name.input_value() == "Service agreement"  # the session's initialName

    name.fill("Lease renewal")
    window_page.frame.get_by_test_id("add-field-customer.name").click()
    window_page.frame.get_by_test_id("publish").click()

    published = window_page.wait_for_event("craftkit:published")
    assert published["name"] == "Lease renewal"
    listed = page.get_by_test_id(f"template-{published['templateId']}")
    assert "Lease renewal" in listed.inner_text()
    assert page.locator("craftkit-embed").get_attribute("template-name") == "Service agreement"
