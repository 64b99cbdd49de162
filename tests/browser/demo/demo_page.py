"""A driver for the demo host page and the emulator's iframe inside it, as a user works them."""

from __future__ import annotations

import json
import uuid

from playwright.sync_api import Frame, FrameLocator, Page, Request

EMBED = "craftkit-embed"
LOG = "[data-testid=event-log]"
API = "/api/craftkit/"


class DemoPage:
    """The demo page of one browser context, with the BFF calls it made so far."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.api_calls: list[Request] = []
        page.on("request", self._note)

    def _note(self, request: Request) -> None:
        if API in request.url:
            self.api_calls.append(request)

    def posts_to(self, route: str) -> list[Request]:
        """The POSTs the page made to /api/craftkit/<route>."""
        return [r for r in self.api_calls if r.method == "POST" and r.url.endswith(API + route)]

    def sign_in(self, user: str = "ada") -> DemoPage:
        """Sign in as a seeded user and wait until the embedded builder is usable."""
        self.page.goto(self.url)
        self.page.get_by_test_id(f"signin-{user}").click()
        self.page.wait_for_selector("body[data-ready=true]")
        self.wait_until_embedded()
        return self

    @property
    def frame(self) -> FrameLocator:
        """The current Craftkit iframe (re-resolved, so it follows a re-mint)."""
        return self.page.frame_locator(f"{EMBED} iframe")

    def frame_window(self) -> Frame:
        """The current iframe's Frame, to evaluate scripts in the Craftkit origin."""
        return self.page.locator(f"{EMBED} iframe").element_handle().content_frame()

    def wait_until_embedded(self) -> None:
        """Wait for the element to be ready and the iframe page to have loaded its session."""
        self.page.wait_for_selector(f"{EMBED}[data-state=ready]")
        self.frame.locator("[data-testid=session-status][data-state=active]").wait_for()
        self.frame.locator("main").wait_for()

    def choose(self, *, org: str | None = None, mode: str | None = None,
               template: str | None = None) -> None:
        """Pick an org, a mode and a template, as a user would, in that order."""
        if org is not None:
            self.page.get_by_test_id("org-picker").select_option(org)
        if mode is not None:
            self.page.get_by_test_id("mode-picker").select_option(mode)
        if template is not None:
            self.page.get_by_test_id("template-picker").select_option(template)

    def publish(self, name: str | None = None, fields=("customer.name", "customer.email")) -> str:
        """Name a template, add catalog fields, publish; return the new template's id."""
        name = name or f"Agreement {uuid.uuid4().hex[:6]}"
        published = self.count("craftkit:published")
        self.frame.get_by_test_id("template-name").fill(name)
        for key in fields:
            self.frame.get_by_test_id(f"add-field-{key}").click()
        self.frame.get_by_test_id("publish").click()
        detail = self.wait_for_event("craftkit:published", published + 1)
        assert detail["name"] == name
        return detail["templateId"]

    def events(self, type_: str) -> list[dict]:
        """The details of the logged events of one type, oldest first."""
        items = self.page.locator(f"{LOG} li[data-type='{type_}']")
        return [json.loads(d or "null") for d in reversed(items.evaluate_all(
            "items => items.map(item => item.dataset.detail)"))]

    def count(self, type_: str) -> int:
        return self.page.locator(f"{LOG} li[data-type='{type_}']").count()

    def wait_for_event(self, type_: str, count: int = 1, timeout: float = 10_000) -> dict:
        """Wait until the log shows count events of this type; return the newest's detail."""
        self.page.wait_for_function(
            "([selector, count]) => document.querySelectorAll(selector).length >= count",
            arg=[f"{LOG} li[data-type='{type_}']", count], timeout=timeout)
        return self.events(type_)[-1]

    def log_text(self) -> str:
        return self.page.locator(LOG).inner_text()
