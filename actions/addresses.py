"""Changing the saved address: ask, confirm, write to the profile.

Only a signed-in customer can change the address on their profile; anyone
else gets the general instructions (utter_change_shipping_address).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import customer_messages
from actions.base import OffLoopAction, slot_text
from actions.constants import (
    ACTION_ASK_ADDRESS_CONFIRMED,
    ACTION_ASK_NEW_ADDRESS,
    ACTION_SAVE_ADDRESS,
    ACTION_VALIDATE_ADDRESS_FORM,
    SLOT_ADDRESS_CONFIRMED,
    SLOT_NEW_ADDRESS,
    UTTER_CHANGE_SHIPPING_ADDRESS,
)
from actions.customer import current_identity, identity_events
from actions.errors import StoreUnavailableError
from actions.parsing import ParsedAddress, parse_address
from actions.shop import shop_or_neutral
from actions.store import queries, writes
from actions.store.clock import utcnow
from actions.store.db import session_scope

logger = logging.getLogger(__name__)


class ValidateAddressForm(FormValidationAction):
    """A signed-in customer gives the address, then confirms it."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_VALIDATE_ADDRESS_FORM

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Nothing to ask an anonymous shopper; see parent class."""
        return domain_slots if current_identity(tracker).is_known else []

    def validate_new_address(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept an address that parses; otherwise say why and ask again."""
        parsed = parse_address(slot_text(slot_value))
        if isinstance(parsed, ParsedAddress):
            return {SLOT_NEW_ADDRESS: parsed.one_line()}
        dispatcher.utter_message(text=customer_messages.invalid_address(parsed))
        return {SLOT_NEW_ADDRESS: None}


class ActionAskNewAddress(Action):
    """Ask for the new address."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_ASK_NEW_ADDRESS

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the question. See parent class."""
        dispatcher.utter_message(text=customer_messages.ask_new_address())
        return []


class ActionAskAddressConfirmed(OffLoopAction):
    """Show the address as understood, and the current one, and ask."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_ASK_ADDRESS_CONFIRMED

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the question. See parent class."""
        customer_id = current_identity(tracker).customer_id
        current = None
        if customer_id is not None:
            try:
                with session_scope() as session:
                    current = queries.default_address(customer_id, session=session)
            except StoreUnavailableError:
                logger.exception("Address lookup failed for '%s'.", tracker.sender_id)
        dispatcher.utter_message(
            text=customer_messages.ask_address_confirmed(
                slot_text(tracker.get_slot(SLOT_NEW_ADDRESS)), current
            ),
            buttons=[
                {"title": "Yes, save it", "payload": "/affirm"},
                {"title": "No", "payload": "/deny"},
            ],
        )
        return []


class ActionSaveAddress(OffLoopAction):
    """Write the confirmed address to the profile and confirm it."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_SAVE_ADDRESS

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
            SlotSet(SLOT_NEW_ADDRESS, None),
            SlotSet(SLOT_ADDRESS_CONFIRMED, None),
        ]
        if identity.customer_id is None:
            dispatcher.utter_message(response=UTTER_CHANGE_SHIPPING_ADDRESS)
            return events
        parsed = parse_address(slot_text(tracker.get_slot(SLOT_NEW_ADDRESS)))
        if tracker.get_slot(SLOT_ADDRESS_CONFIRMED) is not True or not isinstance(
            parsed, ParsedAddress
        ):
            dispatcher.utter_message(text=customer_messages.address_kept())
            return events
        try:
            with session_scope() as session:
                saved = writes.update_default_address(
                    identity.customer_id,
                    parsed.line1,
                    parsed.city,
                    parsed.postcode,
                    parsed.country,
                    utcnow(),
                    session=session,
                )
                open_orders = queries.open_orders(identity.customer_id, session=session)
        except StoreUnavailableError:
            logger.exception("Saving an address failed for '%s'.", tracker.sender_id)
            dispatcher.utter_message(text=customer_messages.store_unavailable(shop))
            return events
        except ValueError as error:
            dispatcher.utter_message(text=customer_messages.invalid_address(str(error)))
            return events
        logger.info("Sender '%s' changed their saved address.", tracker.sender_id)
        dispatcher.utter_message(
            text=customer_messages.address_saved(saved, open_orders)
        )
        return events
