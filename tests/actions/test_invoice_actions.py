"""actions/invoices.py: the invoice form and its answer, with real rasa-sdk objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions.invoices import (
    ActionAskInvoiceNumber,
    ActionGetInvoice,
    ValidateInvoiceForm,
)


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("#00108", "#00108"), ("INV-20431", "#20431"), ("it is 37777", "#37777")],
)
async def test_valid_invoice_numbers_are_accepted(
    typed: str,
    stored: str,
    dispatcher: CollectingDispatcher,
    load_tracker: Callable[..., Tracker],
    domain: dict[str, Any],
) -> None:
    tracker = load_tracker("tracker_invoice_number_candidate", candidate=typed)
    events = await ValidateInvoiceForm().run(dispatcher, tracker, domain)
    assert _slots(events)[c.SLOT_INVOICE_NUMBER] == stored
    assert dispatcher.messages == []


@pytest.mark.parametrize("typed", ["12", "the one from last week", ""])
async def test_invalid_invoice_numbers_are_rejected(
    typed: str,
    dispatcher: CollectingDispatcher,
    load_tracker: Callable[..., Tracker],
    domain: dict[str, Any],
) -> None:
    tracker = load_tracker("tracker_invoice_number_candidate", candidate=typed)
    events = await ValidateInvoiceForm().run(dispatcher, tracker, domain)
    assert _slots(events)[c.SLOT_INVOICE_NUMBER] is None
    assert '"#00108"' in dispatcher.messages[0]["text"]


def test_ask_and_answer(
    dispatcher: CollectingDispatcher, load_tracker: Callable[..., Tracker]
) -> None:
    tracker = load_tracker("tracker_invoice_number_candidate", candidate="x")
    ActionAskInvoiceNumber().run(dispatcher, tracker, {})
    tracker.slots[c.SLOT_INVOICE_NUMBER] = "#00108"
    events = ActionGetInvoice().run(dispatcher, tracker, {})
    assert _slots(events) == {c.SLOT_INVOICE_NUMBER: None}
    assert "invoice number" in dispatcher.messages[0]["text"]
    assert "invoice #00108" in dispatcher.messages[1]["text"]
