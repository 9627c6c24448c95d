"""Order actions: the track-order form (ask, validate) and the real status.

The answer comes from the profile store: a signed-in customer hears about
their own orders (asked which one when several are open); an anonymous
shopper only after giving an order number and the e-mail address it was placed
with. Nothing is ever said about an order that is not the shopper's.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import customer_messages, messages
from actions.base import OffLoopAction
from actions.constants import (
    ACTION_ASK_EMAIL,
    ACTION_ASK_ORDER_NUMBER,
    ACTION_TRACK_ORDER,
    ACTION_VALIDATE_TRACK_ORDER_FORM,
    INTENT_INFORM,
    SLOT_ORDER_NUMBER,
)
from actions.customer import current_identity, identity_events
from actions.errors import StoreUnavailableError
from actions.order_forms import OrderFormValidation, current_choice
from actions.shop import shop_or_neutral
from actions.store import queries
from actions.store.db import session_scope

logger = logging.getLogger(__name__)


def order_buttons(numbers: list[str]) -> list[dict[str, str]]:
    """One button per order number, sending it as an ``inform`` entity."""
    return [
        {
            "title": number,
            "payload": f"/{INTENT_INFORM}{json.dumps({SLOT_ORDER_NUMBER: number})}",
        }
        for number in numbers
    ]


class ActionAskOrderNumber(OffLoopAction):
    """Ask which order: buttons for a customer's open orders, else the number."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_ASK_ORDER_NUMBER

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the question. See parent class."""
        shop = shop_or_neutral()
        choice = current_choice(tracker) if current_identity(tracker).is_known else None
        if choice is not None and choice.outcome == "choose":
            purpose = (
                "cancel" if tracker.active_loop_name == "cancel_order_form" else "check"
            )
            dispatcher.utter_message(
                text=customer_messages.which_order(choice.candidates, purpose),
                buttons=order_buttons([order.number for order in choice.candidates]),
            )
            return []
        dispatcher.utter_message(text=messages.ask_order_number(shop))
        return []


class ActionAskEmail(Action):
    """Ask an anonymous shopper for the order's e-mail address."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_ASK_EMAIL

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the question. See parent class."""
        dispatcher.utter_message(text=customer_messages.ask_email(shop_or_neutral()))
        return []


class ValidateTrackOrderForm(OrderFormValidation):
    """Ask only for what is needed to know which order, and check it."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_VALIDATE_TRACK_ORDER_FORM

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """See parent class."""
        return self.order_slots(tracker)


class ActionTrackOrder(OffLoopAction):
    """Tell the shopper the real status of their order.

    The order number is cleared afterwards, so the next "where is my order?"
    asks again instead of silently reusing an older number.
    """

    def name(self) -> str:
        """See parent class."""
        return ACTION_TRACK_ORDER

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the answer; see parent class."""
        shop = shop_or_neutral()
        identity = current_identity(tracker)
        events = [*identity_events(identity, tracker), SlotSet(SLOT_ORDER_NUMBER, None)]
        choice = current_choice(tracker)
        if choice is None:
            dispatcher.utter_message(text=customer_messages.store_unavailable(shop))
            return events
        number = tracker.get_slot(SLOT_ORDER_NUMBER)
        if choice.outcome == "found" and choice.order is not None:
            text = customer_messages.order_status(choice.order)
        elif choice.outcome == "not_found":
            text = customer_messages.order_not_found(
                shop, str(number), with_email=not identity.is_known
            )
        elif choice.outcome == "none_open" and identity.customer_id is not None:
            try:
                with session_scope() as session:
                    latest = queries.recent_orders(
                        identity.customer_id, 1, session=session
                    )
            except StoreUnavailableError:
                latest = []
            text = customer_messages.no_open_orders(shop, latest[0] if latest else None)
        elif choice.outcome == "choose":
            text = customer_messages.which_order(choice.candidates, "check")
        else:
            text = messages.order_history_pointer(shop)
        dispatcher.utter_message(text=text)
        return events
