"""Cancelling and changing orders, respecting each order's state.

An order that is still in the warehouse is cancelled after the shopper
confirms; one that has shipped is never cancelled: the shopper is offered a
return instead. Changes are explained per open order.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import customer_messages
from actions.base import OffLoopAction
from actions.constants import (
    ACTION_ASK_CANCEL_CONFIRMED,
    ACTION_CANCEL_ORDER,
    ACTION_CHANGE_ORDER,
    ACTION_VALIDATE_CANCEL_ORDER_FORM,
    SLOT_CANCEL_CONFIRMED,
    SLOT_ORDER_NUMBER,
    UTTER_CANCEL_ORDER,
    UTTER_CHANGE_ORDER,
)
from actions.customer import current_identity, identity_events
from actions.errors import StoreUnavailableError
from actions.escalation_flow import escalate_if_at_risk
from actions.order_forms import OrderFormValidation, current_choice
from actions.shop import shop_or_neutral
from actions.store import queries, writes
from actions.store.clock import utcnow
from actions.store.db import session_scope
from actions.store.records import CancelResult

logger = logging.getLogger(__name__)


class ValidateCancelOrderForm(OrderFormValidation):
    """Which order, then a yes/no confirmation only when it can be cancelled."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_VALIDATE_CANCEL_ORDER_FORM

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """See parent class."""
        needed = self.order_slots(tracker)
        if any(tracker.get_slot(slot) is None for slot in needed):
            return needed
        choice = current_choice(tracker)
        if (
            choice is not None
            and choice.order is not None
            and choice.order.is_cancellable
        ):
            return [*needed, SLOT_CANCEL_CONFIRMED]
        return needed


class ActionAskCancelConfirmed(OffLoopAction):
    """Show the order and ask whether to cancel it."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_ASK_CANCEL_CONFIRMED

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the question. See parent class."""
        choice = current_choice(tracker)
        if choice is None or choice.order is None:
            dispatcher.utter_message(text="Shall I cancel that order? (yes or no)")
            return []
        dispatcher.utter_message(
            text=customer_messages.ask_cancel_confirmed(
                shop_or_neutral(), choice.order
            ),
            buttons=[
                {"title": "Yes, cancel it", "payload": "/affirm"},
                {"title": "No, keep it", "payload": "/deny"},
            ],
        )
        return []


class ActionCancelOrder(OffLoopAction):
    """Cancel the chosen order if confirmed and still possible; else explain."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_CANCEL_ORDER

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the answer; see parent class."""
        shop = shop_or_neutral()
        identity = current_identity(tracker)
        events: list[dict[str, Any]] = [
            *identity_events(identity, tracker),
            SlotSet(SLOT_ORDER_NUMBER, None),
            SlotSet(SLOT_CANCEL_CONFIRMED, None),
        ]
        choice = current_choice(tracker)
        if choice is None:
            dispatcher.utter_message(text=customer_messages.store_unavailable(shop))
            return events
        order = choice.order
        if choice.outcome == "need_details":
            dispatcher.utter_message(response=UTTER_CANCEL_ORDER)
        elif choice.outcome == "none_open":
            dispatcher.utter_message(text=customer_messages.change_order(shop, []))
        elif choice.outcome == "not_found" or order is None:
            number = str(tracker.get_slot(SLOT_ORDER_NUMBER))
            dispatcher.utter_message(
                text=customer_messages.order_not_found(
                    shop, number, with_email=not identity.is_known
                )
            )
        elif not order.is_cancellable:
            dispatcher.utter_message(
                text=customer_messages.not_cancellable(shop, order)
            )
        elif tracker.get_slot(SLOT_CANCEL_CONFIRMED) is not True:
            dispatcher.utter_message(text=customer_messages.cancel_kept(order.number))
        else:
            dispatcher.utter_message(text=self._cancel(tracker, order.number))
        return events + escalate_if_at_risk(dispatcher, tracker, trigger="cancel_order")

    @staticmethod
    def _cancel(tracker: Tracker, number: str) -> str:
        """Cancel in the store and word the outcome."""
        shop = shop_or_neutral()
        choice = current_choice(tracker)
        if choice is None or choice.order is None:
            return customer_messages.store_unavailable(shop)
        owner = choice.order
        try:
            with session_scope() as session:
                customer_id = current_identity(tracker).customer_id
                if customer_id is None:
                    customer = queries.find_customer_by_email(
                        str(tracker.get_slot("email")), session=session
                    )
                    customer_id = customer.id if customer else None
                if customer_id is None:
                    return customer_messages.order_not_found(
                        shop, number, with_email=True
                    )
                outcome = writes.cancel_order(
                    customer_id, number, utcnow(), session=session
                )
        except StoreUnavailableError:
            logger.exception("Cancelling failed for sender '%s'.", tracker.sender_id)
            return customer_messages.store_unavailable(shop)
        if outcome.result is CancelResult.CANCELLED and outcome.order is not None:
            logger.info("Sender '%s' cancelled an order.", tracker.sender_id)
            return customer_messages.cancelled(shop, outcome.order)
        if outcome.result is CancelResult.NOT_CANCELLABLE and outcome.order is not None:
            return customer_messages.not_cancellable(shop, outcome.order)
        return customer_messages.order_not_found(shop, owner.number, with_email=True)


class ActionChangeOrder(OffLoopAction):
    """Say which open orders can still be changed, and what to do otherwise."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_CHANGE_ORDER

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the answer; see parent class."""
        shop = shop_or_neutral()
        identity = current_identity(tracker)
        events = identity_events(identity, tracker)
        if identity.customer_id is None:
            dispatcher.utter_message(response=UTTER_CHANGE_ORDER)
            return events
        try:
            with session_scope() as session:
                orders = queries.open_orders(identity.customer_id, session=session)
        except StoreUnavailableError:
            logger.exception("Order lookup failed for sender '%s'.", tracker.sender_id)
            dispatcher.utter_message(text=customer_messages.store_unavailable(shop))
            return events
        dispatcher.utter_message(text=customer_messages.change_order(shop, orders))
        return events
