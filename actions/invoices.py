"""Invoice actions: the invoice form (ask, validate) and its answer."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import AskSlotAction, slot_text
from actions.constants import (
    ACTION_ASK_INVOICE_NUMBER,
    ACTION_GET_INVOICE,
    ACTION_VALIDATE_INVOICE_FORM,
    SLOT_INVOICE_NUMBER,
)
from actions.parsing import parse_invoice_number
from actions.shop import ShopConfig, shop_or_neutral

logger = logging.getLogger(__name__)


class ActionAskInvoiceNumber(AskSlotAction):
    """Ask for the invoice number (invoice_form)."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_ASK_INVOICE_NUMBER

    def question(self, shop: ShopConfig) -> str:
        """See parent class."""
        return messages.ask_invoice_number(shop)


class ValidateInvoiceForm(FormValidationAction):
    """Accept an invoice number only in the shop's format; otherwise re-ask."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_VALIDATE_INVOICE_FORM

    def validate_invoice_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        """Normalise a valid invoice number to "#digits"; reject anything else.

        Args:
            slot_value: the extracted value (an entity or the whole message).
            dispatcher: sends the explanation when the value is rejected.
            tracker: the conversation.
            domain: the domain.

        Returns:
            ``{"invoice_number": "#digits"}`` or ``{"invoice_number": None}``.
        """
        typed = slot_text(slot_value)
        number = parse_invoice_number(typed)
        if number is not None:
            return {SLOT_INVOICE_NUMBER: number}
        logger.info(
            "Rejected an invoice number in the wrong format for sender '%s'.",
            tracker.sender_id,
        )
        dispatcher.utter_message(
            text=messages.invalid_invoice_number(shop_or_neutral(), typed)
        )
        return {SLOT_INVOICE_NUMBER: None}


class ActionGetInvoice(Action):
    """Tell the shopper where to download the invoice, then forget its number."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_GET_INVOICE

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Send the answer; see parent class."""
        number = parse_invoice_number(slot_text(tracker.get_slot(SLOT_INVOICE_NUMBER)))
        dispatcher.utter_message(text=messages.get_invoice(shop_or_neutral(), number))
        return [SlotSet(SLOT_INVOICE_NUMBER, None)]
