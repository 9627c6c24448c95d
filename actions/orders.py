"""Order actions: the track-order form (ask, validate) and its answer."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import AskSlotAction, slot_text
from actions.constants import (
    ACTION_ASK_ORDER_NUMBER,
    ACTION_TRACK_ORDER,
    ACTION_VALIDATE_TRACK_ORDER_FORM,
    SLOT_ORDER_NUMBER,
)
from actions.parsing import describe_order_number_problem, parse_order_number
from actions.shop import ShopConfig, shop_or_neutral

logger = logging.getLogger(__name__)


class ActionAskOrderNumber(AskSlotAction):
    """Ask for the order number (track_order_form)."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_ASK_ORDER_NUMBER

    def question(self, shop: ShopConfig) -> str:
        """See parent class."""
        return messages.ask_order_number(shop)


class ValidateTrackOrderForm(FormValidationAction):
    """Accept only well-formed order numbers; otherwise explain and re-ask."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_VALIDATE_TRACK_ORDER_FORM

    def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        """Normalise a valid order number; reject anything else with a reason.

        Args:
            slot_value: the extracted value (an entity or the whole message).
            dispatcher: sends the explanation when the value is rejected.
            tracker: the conversation.
            domain: the domain.

        Returns:
            ``{"order_number": digits}`` or ``{"order_number": None}`` to re-ask.
        """
        typed = slot_text(slot_value)
        number = parse_order_number(typed)
        if number is not None:
            return {SLOT_ORDER_NUMBER: number}
        logger.info(
            "Rejected an order number in the wrong format for sender '%s'.",
            tracker.sender_id,
        )
        dispatcher.utter_message(
            text=messages.invalid_order_number(
                shop_or_neutral(), typed, describe_order_number_problem(typed)
            )
        )
        return {SLOT_ORDER_NUMBER: None}


class ActionTrackOrder(Action):
    """Confirm the order number and say where its live status is shown.

    The slot is cleared afterwards, so the next "where is my order?" asks again
    instead of silently reusing an older number.
    """

    def name(self) -> str:
        """See parent class."""
        return ACTION_TRACK_ORDER

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Send the answer; see parent class."""
        number = parse_order_number(slot_text(tracker.get_slot(SLOT_ORDER_NUMBER)))
        dispatcher.utter_message(text=messages.track_order(shop_or_neutral(), number))
        return [SlotSet(SLOT_ORDER_NUMBER, None)]
