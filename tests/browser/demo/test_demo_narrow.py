"""The demo and the emulator's pages at phone width (390 px): nothing overflows sideways, every
control is within reach, and the pickers show their whole labels; and the fill page says which
field stops a submission."""

from __future__ import annotations

import pytest

PHONE = {"width": 390, "height": 844}
# Returns how far an element's content overflows it sideways (0: it fits).
OVERFLOW = "node => node.scrollWidth - node.clientWidth"
# The width a select needs to show its widest option in full: the text, plus its padding and
# the arrow (measured on the select itself).
NEEDED_WIDTH = """select => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const text = Math.max(...[...select.options].map(o => context.measureText(o.text).width));
  return text + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 20;
}"""


@pytest.fixture
def phone(demo_page):
    demo_page.page.set_viewport_size(PHONE)
    return demo_page.sign_in("ada")


def within_the_window(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_demo_page_fits_a_phone_and_its_pickers_show_whole_labels(phone):
    page = phone.page
    assert page.evaluate(f"({OVERFLOW})(document.documentElement)") == 0
    for picker in ("org-picker", "mode-picker", "template-picker"):
        select = page.get_by_test_id(picker)
        if not select.is_visible():
            continue  # the template picker hides in create mode
        assert select.evaluate("s => s.clientWidth") >= select.evaluate(NEEDED_WIDTH), picker
    for testid in ("signout", "org-picker", "mode-picker", "embed"):
        assert within_the_window(page.get_by_test_id(testid)), testid
    assert "kept in memory" in page.get_by_test_id("demo-state").inner_text()


def test_builder_fits_a_phone_once_fields_are_added(phone):
    frame = phone.frame
    for key in ("customer.name", "customer.email", "agreement.accepted"):
        frame.get_by_test_id(f"add-field-{key}").click()
    frame.get_by_test_id("custom-field-label").fill("Preferred contact time")
    frame.get_by_test_id("add-custom-field").click()

    window = phone.frame_window()
    assert window.evaluate(f"({OVERFLOW})(document.documentElement)") == 0
    controls = ["publish", "template-name", "add-field-customer.company",
                "remove-field-customer.name", "remove-field-custom.preferred_contact_time",
                "field-required-customer.email"]
    for testid in controls:
        control = frame.get_by_test_id(testid)
        control.scroll_into_view_if_needed()
        assert within_the_window(control), testid
    frame.get_by_test_id("remove-field-customer.email").click()
    assert frame.get_by_test_id("selected-field-customer.email").count() == 0


def test_fill_page_names_the_field_that_stops_a_submission(phone):
    template_id = phone.publish(fields=("customer.name", "customer.email"))
    phone.choose(mode="fill", template=template_id)
    phone.wait_until_embedded()
    frame, message = phone.frame, phone.frame.get_by_test_id("message")

    frame.get_by_test_id("field-customer.email").fill("not an address")
    frame.get_by_test_id("submit").click()
    message.filter(has_text="Fill in the fields marked with *: Name.").wait_for()
    assert "Email:" in message.inner_text()

    # Every required field filled: only the optional one is wrong, and only it is named.
    frame.get_by_test_id("field-customer.name").fill("Ada Lovelace")
    frame.get_by_test_id("submit").click()
    message.filter(has_text="Email:").wait_for()
    assert "marked with *" not in message.inner_text()

    frame.get_by_test_id("field-customer.email").fill("ada@example.com")
    frame.get_by_test_id("submit").click()
    message.filter(has_text="Submitted").wait_for()
    assert within_the_window(frame.get_by_test_id("submit"))
