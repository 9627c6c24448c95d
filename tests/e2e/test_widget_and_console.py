"""The web widget and the agent console in Chromium against a running shopbot.

Shoppers use the demo shop page (which embeds the widget from the Rasa server);
agents use the console served by the channel. Screenshots of each step go to the
test's temporary directory.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

from playwright.sync_api import Page, WebSocketRoute, expect  # noqa: E402

from tests.e2e.helpers import AGENTS  # noqa: E402

# --------------------------------------------------------------------- helpers


def open_chat(page: Page, stack: Any, customer_id: int | None = None) -> None:
    """Load the demo shop and open the chat, as ``customer_id`` or anonymously."""
    page.goto(f"{stack.shop_url}/")
    if customer_id is None:
        page.get_by_test_id("shopbot-launcher").click()
    else:
        # Choosing a customer restarts the widget as them and opens it.
        page.get_by_test_id("chat-as").select_option(str(customer_id))
    expect(page.get_by_test_id("shopbot-panel")).to_be_visible()


def say(page: Page, text: str) -> None:
    page.get_by_test_id("shopbot-input").fill(text)
    page.keyboard.press("Enter")


def shown(page: Page, sender: str) -> Any:
    """The widget's messages from ``user``, ``bot`` or ``agent``."""
    return page.locator(f"[data-testid=shopbot-message][data-from={sender}]")


def widget_focus(page: Page) -> str | None:
    """The test id of the element focused inside the widget's shadow root."""
    return page.evaluate(
        """() => {
          const host = document.querySelector('[data-shopbot-widget]');
          const active = host && host.shadowRoot.activeElement;
          return active ? active.dataset.testid || null : null;
        }"""
    )


def sign_in(page: Page, stack: Any, username: str) -> None:
    """Sign an agent in to the console."""
    page.goto(f"{stack.rasa_url}/webhooks/shopbot/agent")
    page.get_by_test_id("agent-username").fill(username)
    page.get_by_test_id("agent-password").fill(AGENTS[username][1])
    page.get_by_test_id("agent-login").click()
    expect(page.get_by_test_id("agent-signout")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("Connected")


def queue_item(page: Page, marker: str) -> Any:
    """The console's queue entry whose last message contains ``marker``."""
    return page.get_by_test_id("queue-item").filter(has_text=marker)


# ----------------------------------------------------------------------- tests


def test_widget_opens_closes_and_fills_a_small_screen(
    stack: Any, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    page = new_page()
    page.goto(f"{stack.shop_url}/")
    launcher = page.get_by_test_id("shopbot-launcher")
    panel = page.get_by_test_id("shopbot-panel")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    launcher.click()
    expect(panel).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    assert widget_focus(page) == "shopbot-input"
    say(page, "hello")
    expect(shown(page, "bot").first).to_be_visible()
    expect(page.locator("[role=log][aria-live=polite]")).to_have_count(1)
    page.screenshot(path=tmp_path / "widget-1280.png")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert widget_focus(page) == "shopbot-launcher"

    phone = new_page(width=360, height=740)
    phone.goto(f"{stack.shop_url}/")
    phone.get_by_test_id("shopbot-launcher").click()
    box = phone.get_by_test_id("shopbot-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 360, "height": 740}
    say(phone, "hello")
    expect(shown(phone, "bot").first).to_be_visible()
    overflow = phone.evaluate(
        """() => {
          const root = document.querySelector('[data-shopbot-widget]').shadowRoot;
          return [...root.querySelectorAll('*')].filter(
            (el) => el.getBoundingClientRect().right > 360.5).length;
        }"""
    )
    assert overflow == 0, "something in the widget sticks out of a 360 px screen"
    phone.screenshot(path=tmp_path / "widget-360.png")
    phone.get_by_role("button", name="Close chat").click()
    expect(phone.get_by_test_id("shopbot-panel")).to_be_hidden()
    expect(phone.get_by_test_id("shopbot-launcher")).to_be_visible()


def test_quick_replies_history_after_reload_and_rating(
    stack: Any,
    new_page: Callable[..., Page],
    demo_customers: dict[str, int],
    e2e_store: str,
) -> None:
    page = new_page()
    customer_id = demo_customers["multi_open"]
    open_chat(page, stack, customer_id)
    say(page, "where is my order?")
    replies = page.get_by_test_id("shopbot-quick-reply")
    expect(replies.first).to_be_visible()
    order_number = replies.first.inner_text()
    replies.first.click()
    expect(shown(page, "user").last).to_contain_text(order_number)
    expect(replies).to_have_count(0)
    expect(shown(page, "bot")).to_have_count(2)
    expect(shown(page, "bot").last).to_contain_text(order_number)
    before = page.get_by_test_id("shopbot-message").all_inner_texts()
    session_id = page.evaluate("localStorage.getItem('shopbot.session_id')")
    assert session_id

    page.reload()
    page.get_by_test_id("shopbot-launcher").click()
    expect(page.get_by_test_id("shopbot-message")).to_have_count(len(before))
    assert page.get_by_test_id("shopbot-message").all_inner_texts() == before
    assert page.evaluate("localStorage.getItem('shopbot.session_id')") == session_id

    # The rating works from the keyboard: Space picks 1, arrows move to 4.
    page.get_by_test_id("shopbot-end").click()
    assert widget_focus(page) == "shopbot-rate-1"
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("shopbot-rate-4")).to_be_checked()
    page.get_by_label("Comment (optional)").fill("Quick and clear, thanks")
    page.get_by_test_id("shopbot-rating-submit").click()
    expect(page.get_by_test_id("shopbot-rating-thanks")).to_be_visible()

    from sqlalchemy import select

    from actions.store.db import engine_for, session_scope
    from actions.store.schema import ChatRating

    with session_scope(engine_for(e2e_store)) as session:
        rows = session.execute(
            select(ChatRating.score, ChatRating.comment, ChatRating.customer_id).where(
                ChatRating.conversation_id == session_id
            )
        ).all()
    assert rows == [(4, "Quick and clear, thanks", customer_id)]


def test_a_dropped_connection_resends_with_the_same_id(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    """The first socket dies after the server accepted a message but before its
    ack reached the page: the widget reconnects, resends it with the same id, the
    server answers with a duplicate ack, and the page shows the message once.

    The relay drops the socket on the server's ack, not right after forwarding
    the message: closing then raced the frame to the server (under load the
    server sometimes never got it, and the resend was rightly not a duplicate).
    """
    page = new_page()
    sent: list[tuple[int, dict[str, Any]]] = []
    received: list[tuple[int, dict[str, Any]]] = []
    connections: list[WebSocketRoute] = []

    def relay(socket: WebSocketRoute) -> None:
        number = len(connections) + 1
        connections.append(socket)
        server = socket.connect_to_server()
        dropped = {"yes": False}

        def to_server(message: str | bytes) -> None:
            sent.append((number, json.loads(message)))
            server.send(message)

        def to_page(message: str | bytes) -> None:
            frame = json.loads(message)
            received.append((number, frame))
            if number == 1 and frame["type"] == "ack":
                dropped["yes"] = True
                socket.close()
            if not dropped["yes"]:
                socket.send(message)

        socket.on_message(to_server)
        server.on_message(to_page)

    page.route_web_socket(re.compile(r"/webhooks/shopbot/ws$"), relay)
    open_chat(page, stack)
    page.evaluate(
        """() => {
          const status = document.querySelector('[data-shopbot-widget]').shadowRoot
            .querySelector('[data-testid=shopbot-status]');
          window.statusTexts = [];
          new MutationObserver(() => window.statusTexts.push(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )
    say(page, "hello there")
    expect(shown(page, "bot").first).to_be_visible()
    mine = shown(page, "user")
    expect(mine).to_have_count(1)
    expect(mine).to_have_attribute("data-state", "sent")

    messages = [(n, f) for n, f in sent if f["type"] == "message"]
    assert [n for n, _ in messages] == [1, 2]
    assert messages[0][1]["id"] == messages[1][1]["id"]
    client_id = messages[0][1]["id"]
    acks = [f for n, f in received if n == 2 and f["type"] == "ack"]
    assert [(f["id"], f["duplicate"]) for f in acks] == [(client_id, True)]
    assert "Reconnecting…" in page.evaluate("window.statusTexts")
    expect(page.get_by_test_id("shopbot-status")).to_be_hidden()


def test_handoff_claim_reply_offer_and_resolve(
    stack: Any,
    new_page: Callable[..., Page],
    demo_customers: dict[str, int],
    tmp_path: Path,
) -> None:
    marker = f"parcel {uuid.uuid4().hex[:8]}"
    shopper = new_page()
    open_chat(shopper, stack, demo_customers["high_risk"])
    say(shopper, "hello")
    expect(shown(shopper, "bot").first).to_be_visible()
    say(shopper, f"I want to speak to a human agent now about my {marker}")
    status = shopper.get_by_test_id("shopbot-status")
    expect(status).to_have_attribute("data-state", "queued")
    expect(status).to_contain_text("Connecting you to a support agent")

    # Sam opens the waiting conversation but is slower to claim it than Alex.
    sam = new_page()
    sign_in(sam, stack, "sam")
    expect(queue_item(sam, marker)).to_have_attribute("data-status", "waiting")
    queue_item(sam, marker).get_by_test_id("open-handoff").click()
    expect(sam.get_by_test_id("claim")).to_be_enabled()

    alex = new_page(width=1400, height=900)
    sign_in(alex, stack, "alex")
    item = queue_item(alex, marker)
    expect(item).to_have_attribute("data-status", "waiting")
    item.get_by_test_id("open-handoff").click()
    packet = alex.get_by_test_id("packet")
    expect(packet).to_contain_text("Customer")
    expect(packet).to_contain_text(marker)  # the transcript before the hand-off
    expect(alex.get_by_test_id("release")).to_be_disabled()
    alex.get_by_test_id("claim").click()
    expect(alex.get_by_test_id("release")).to_be_enabled()
    expect(alex.get_by_test_id("resolve")).to_be_enabled()
    expect(alex.get_by_test_id("claim")).to_be_disabled()
    expect(status).to_contain_text("Alex Morgan from our support team has joined")

    # Sam's claim loses: he is told who holds it.
    expect(queue_item(sam, marker)).to_have_attribute("data-status", "assigned")
    expect(queue_item(sam, marker)).to_contain_text("Taken by Alex Morgan")
    sam.get_by_test_id("claim").click()
    expect(sam.get_by_test_id("agent-error")).to_contain_text("Alex Morgan")
    expect(sam.locator("#handoff-holder")).to_have_text("Taken by Alex Morgan")
    expect(sam.get_by_test_id("claim")).to_be_disabled()

    # Live chat both ways, typing, and shopper text shown as text, never as HTML.
    alex.get_by_test_id("agent-input").fill("Hi, I'm Alex. I'm sorry about the parcel.")
    alex.get_by_test_id("agent-send").click()
    from_agent = shown(shopper, "agent")
    expect(from_agent).to_contain_text("I'm sorry about the parcel")
    expect(from_agent).to_contain_text("Alex Morgan")
    expect(from_agent).to_contain_text("support agent")
    expect(alex.get_by_test_id("shopper-presence")).to_have_text("Shopper online")

    # A reload mid-handoff keeps the agent, the banner and the agent's messages.
    shopper.reload()
    shopper.get_by_test_id("shopbot-launcher").click()
    expect(status).to_have_attribute("data-state", "agent_joined")
    expect(shown(shopper, "agent")).to_contain_text("I'm sorry about the parcel")
    expect(alex.get_by_test_id("shopper-presence")).to_have_text("Shopper online")

    shopper.get_by_test_id("shopbot-input").press_sequentially("It was")
    expect(alex.get_by_test_id("shopper-typing")).to_be_visible()
    hostile = "<img src=x onerror=window.pwned=1> it was crushed"
    shopper.get_by_test_id("shopbot-input").fill(hostile)
    shopper.keyboard.press("Enter")
    last_from_shopper = alex.locator("[data-testid=agent-message][data-from=user]").last
    expect(last_from_shopper).to_contain_text(hostile)
    expect(alex.get_by_test_id("shopper-typing")).to_be_hidden()
    assert alex.evaluate("window.pwned") is None
    mine = alex.locator("[data-testid=agent-message][data-from=agent]")
    expect(mine).to_have_count(1)  # the server's echo does not double it

    grant = alex.get_by_test_id("grant-offer")
    offer = packet.locator(".offer-title")
    if offer.count() and "Hold-out" not in packet.inner_text():
        expect(grant).to_be_enabled()
        grant.click()
        expect(grant).to_be_disabled()
        note = packet.locator("[data-offer-note]")
        expect(note).to_contain_text("Granted")
        code = re.search(r"code (\S+)\)", note.inner_text()).group(1)
        expect(shown(shopper, "agent").last).to_contain_text(f"Use code {code}")
    else:
        expect(grant).to_be_disabled()
    alex.screenshot(path=tmp_path / "console-held.png")
    shopper.screenshot(path=tmp_path / "widget-agent.png")

    alex.get_by_test_id("resolve").click()
    expect(status).to_have_attribute("data-state", "back_to_bot")
    expect(status).to_contain_text("You're chatting with shopbot again")
    expect(alex.locator("#handoff-status")).to_contain_text("Resolved")
    expect(alex.get_by_test_id("agent-send")).to_be_disabled()
    expect(queue_item(alex, marker)).to_have_count(0)
    assert shopper.evaluate("window.pwned") is None


def test_console_sign_in_errors_reload_and_sign_out(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    page.goto(f"{stack.rasa_url}/webhooks/shopbot/agent")
    page.get_by_test_id("agent-login").click()
    expect(page.get_by_test_id("agent-login-error")).to_have_text(
        "Enter your username and password."
    )
    page.get_by_test_id("agent-username").fill("alex")
    page.get_by_test_id("agent-password").fill("not-the-password")
    page.get_by_test_id("agent-login").click()
    expect(page.get_by_test_id("agent-login-error")).to_be_visible()
    expect(page.get_by_test_id("agent-signout")).to_be_hidden()

    sign_in(page, stack, "alex")
    page.reload()  # the tab keeps its session
    expect(page.locator("#connection")).to_have_text("Connected")
    expect(page.locator("#agent-name")).to_have_text("Alex Morgan")
    page.get_by_test_id("agent-signout").click()
    expect(page.get_by_test_id("agent-login")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("agent-login")).to_be_visible()


def test_a_forged_token_chats_as_a_guest(
    stack: Any, new_page: Callable[..., Page], demo_customers: dict[str, int]
) -> None:
    page = new_page()
    forged = f"v1.{demo_customers['loyal']}.9999999999.{'A' * 43}"
    page.route(
        "**/api/session",
        lambda route: route.fulfill(
            json={"token": forged, "expires_at": None, "customer": None}
        ),
    )
    open_chat(page, stack, demo_customers["loyal"])
    expect(page.get_by_test_id("shopbot-error")).to_have_text(
        "You're chatting as a guest."
    )
    expect(page.locator(".sb-identity")).to_have_text("Chatting as a guest")
    say(page, "hello")
    expect(shown(page, "bot").first).to_be_visible()
    expect(shown(page, "bot").first).not_to_contain_text("welcome back")
