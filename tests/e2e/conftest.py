"""Browser tests: a whole shopbot (action server, Rasa with the websocket channel,
demo shop) on free ports, driven with Playwright through Debian's Chromium.

Skipped, with the reason, when Playwright, Chromium or the trained model is
missing. Everything runs against the real servers and a private SQLite store.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.helpers import CHROMIUM, REPLY_TIMEOUT_MS


@pytest.fixture(scope="session")
def stack(chat_stack: Any) -> Any:
    """The running servers: the session's shared shopbot (tests/conftest.py),
    seeded with the agent accounts of :data:`AGENTS`."""
    return chat_stack


@pytest.fixture(scope="session")
def e2e_store(chat_stack: Any) -> str:
    """The running shopbot's profile store URL."""
    return str(chat_stack.env["SHOPBOT_DATABASE_URL"])


@pytest.fixture(scope="session")
def demo_customers(stack: Any) -> dict[str, int]:
    """The demo shop's walkthrough customers: role -> id (from its own API)."""
    with urllib.request.urlopen(f"{stack.shop_url}/api/customers") as answer:
        return {c["role"]: c["id"] for c in json.load(answer)["customers"]}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's; Playwright's own browsers are not needed).

    Module-scoped: Playwright's sync API keeps an event loop running, which would
    break the asyncio tests that run after this module.
    """
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed"
    )
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    sync_api.expect.set_options(timeout=REPLY_TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (its own storage), e.g.
    ``new_page(width=360, height=740)``. Uncaught page errors fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(width: int = 1280, height: int = 800) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(REPLY_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
