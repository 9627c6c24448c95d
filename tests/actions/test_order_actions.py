"""actions/orders.py: the track-order form and its answer (real rasa-sdk objects)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions.orders import (
    ActionAskOrderNumber,
    ActionTrackOrder,
    ValidateTrackOrderForm,
)


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12345", "12345"),
        ("it's #00123842", "00123842"),
        ("my order number is 113542617735902.", "113542617735902"),
    ],
)
async def test_valid_order_numbers_are_accepted_and_normalised(
    typed: str,
    stored: str,
    dispatcher: CollectingDispatcher,
    load_tracker: Callable[..., Tracker],
    domain: dict[str, Any],
) -> None:
    tracker = load_tracker("tracker_order_number_candidate", candidate=typed)
    events = await ValidateTrackOrderForm().run(dispatcher, tracker, domain)
    assert _slots(events)[c.SLOT_ORDER_NUMBER] == stored
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("123", "that number has 3 digits"),
        ("no idea, sorry", "I couldn't find a number"),
        ("12345 or 67890", "more than one number"),
        ("😀", "I couldn't find a number"),
    ],
)
async def test_invalid_order_numbers_are_rejected_with_a_reason(
    typed: str,
    reason: str,
    dispatcher: CollectingDispatcher,
    load_tracker: Callable[..., Tracker],
    domain: dict[str, Any],
) -> None:
    tracker = load_tracker("tracker_order_number_candidate", candidate=typed)
    events = await ValidateTrackOrderForm().run(dispatcher, tracker, domain)
    assert _slots(events)[c.SLOT_ORDER_NUMBER] is None
    assert len(dispatcher.messages) == 1
    text = dispatcher.messages[0]["text"]
    assert reason in text and "5 to 15 digits" in text and "Northwind" in text


async def test_ask_order_number_uses_the_shop_pages(
    dispatcher: CollectingDispatcher, load_tracker: Callable[..., Tracker]
) -> None:
    tracker = load_tracker("tracker_order_number_candidate", candidate="x")
    assert await ActionAskOrderNumber().run(dispatcher, tracker, {}) == []
    assert "My Orders" in dispatcher.messages[0]["text"]


async def test_a_number_without_the_orders_email_reveals_nothing_and_is_cleared(
    dispatcher: CollectingDispatcher, load_tracker: Callable[..., Tracker]
) -> None:
    tracker = load_tracker("tracker_order_number_candidate", candidate="x")
    tracker.slots[c.SLOT_ORDER_NUMBER] = "00123842"
    events = await ActionTrackOrder().run(dispatcher, tracker, {})
    assert _slots(events) == {c.SLOT_ORDER_NUMBER: None}
    assert "00123842" not in dispatcher.messages[0]["text"]


async def test_track_order_without_a_number_points_to_the_order_history(
    dispatcher: CollectingDispatcher, load_tracker: Callable[..., Tracker]
) -> None:
    tracker = load_tracker("tracker_order_number_candidate", candidate="x")
    await ActionTrackOrder().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"].startswith("No problem")
