"""Shared validation of the order forms (track_order_form, cancel_order_form).

A signed-in customer is asked for an order number only when it is not clear
which order they mean, and a number that is not on their account is refused
like an unknown one. An anonymous shopper gives number and e-mail address; the
pair is checked when the e-mail arrives, and both are asked again on a mismatch.
"""

from __future__ import annotations

import asyncio
import logging
import re
from abc import ABC, abstractmethod
from contextvars import ContextVar
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import customer_messages, messages
from actions.base import slot_text
from actions.constants import SLOT_EMAIL, SLOT_ORDER_NUMBER
from actions.customer import OrderChoice, choose_order, current_identity
from actions.errors import StoreUnavailableError
from actions.identity.resolve import Identity
from actions.parsing import describe_order_number_problem, parse_order_number
from actions.shop import shop_or_neutral
from actions.store.db import session_scope

logger = logging.getLogger(__name__)

EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[A-Za-z]{2,24}")
# The orders looked up during the current form validation call, by (customer
# id, order number, e-mail); None outside one. A context variable, so
# concurrent requests (each its own asyncio task) never share it.
_choices_this_call: ContextVar[
    dict[tuple[int | None, str | None, str | None], OrderChoice] | None
] = ContextVar("order_choices_this_call", default=None)


def parse_email(text: str) -> str | None:
    """The e-mail address in ``text`` (lower-cased), or None."""
    match = EMAIL.search(text.strip())
    return match.group(0).lower() if match else None


def lookup_order(
    identity: Identity, number: str | None, email: str | None
) -> OrderChoice:
    """:func:`choose_order` in a short session, once per form validation call.

    Inside one validation (see :meth:`OrderFormValidation.run`) the same
    question is answered from memory: rasa-sdk asks for the required slots up
    to three times per call, and the validators ask again.

    Raises:
        StoreUnavailableError: the store is down.
    """
    remembered = _choices_this_call.get()
    # choose_order ignores the e-mail address of a signed-in customer.
    key = (identity.customer_id, number, None if identity.is_known else email)
    if remembered is not None and key in remembered:
        return remembered[key]
    with session_scope() as session:
        choice = choose_order(identity, number, email, session=session)
    if remembered is not None:
        remembered[key] = choice
    return choice


def current_choice(tracker: Tracker) -> OrderChoice | None:
    """The order the form's slots point at; None when the store is down."""
    identity = current_identity(tracker)
    number = parse_order_number(slot_text(tracker.get_slot(SLOT_ORDER_NUMBER)))
    email = parse_email(slot_text(tracker.get_slot(SLOT_EMAIL)))
    try:
        return lookup_order(identity, number, email)
    except StoreUnavailableError:
        logger.exception("Order lookup failed for sender '%s'.", tracker.sender_id)
        return None


class OrderFormValidation(FormValidationAction, ABC):
    """Order number and e-mail validation shared by the order forms."""

    @abstractmethod
    def name(self) -> str:
        """See parent class."""

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Validate in a worker thread (the checks read the profile store), looking
        each order up once per call; see parent class."""
        validate = super().run

        def validate_off_loop() -> list[dict[str, Any]]:
            token = _choices_this_call.set({})
            try:
                events: list[dict[str, Any]] = asyncio.run(
                    validate(dispatcher, tracker, domain)
                )
            finally:
                _choices_this_call.reset(token)
            return events

        return await asyncio.to_thread(validate_off_loop)

    def order_slots(self, tracker: Tracker) -> list[str]:
        """The slots still needed to know which order is meant."""
        identity = current_identity(tracker)
        if not identity.is_known:
            return [SLOT_ORDER_NUMBER, SLOT_EMAIL]
        if tracker.get_slot(SLOT_ORDER_NUMBER):
            return [SLOT_ORDER_NUMBER]
        choice = current_choice(tracker)
        if choice is not None and choice.outcome == "choose":
            return [SLOT_ORDER_NUMBER]
        return []

    def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept a well-formed number that (for a known customer) is theirs."""
        typed = slot_text(slot_value)
        number = parse_order_number(typed)
        shop = shop_or_neutral()
        if number is None:
            dispatcher.utter_message(
                text=messages.invalid_order_number(
                    shop, typed, describe_order_number_problem(typed)
                )
            )
            return {SLOT_ORDER_NUMBER: None}
        identity = current_identity(tracker)
        if identity.customer_id is None:
            return {SLOT_ORDER_NUMBER: number}
        try:
            choice = lookup_order(identity, number, None)
        except StoreUnavailableError:
            logger.exception("Order check failed for sender '%s'.", tracker.sender_id)
            return {SLOT_ORDER_NUMBER: number}
        if choice.outcome == "found":
            return {SLOT_ORDER_NUMBER: number}
        logger.info(
            "Sender '%s' named an order not on their account.", tracker.sender_id
        )
        dispatcher.utter_message(
            text=customer_messages.order_not_found(shop, number, with_email=False)
        )
        return {SLOT_ORDER_NUMBER: None}

    def validate_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept an e-mail address that matches the order number given."""
        typed = slot_text(slot_value)
        email = parse_email(typed)
        if email is None:
            dispatcher.utter_message(text=customer_messages.invalid_email(typed))
            return {SLOT_EMAIL: None}
        number = parse_order_number(slot_text(tracker.get_slot(SLOT_ORDER_NUMBER)))
        if number is None:
            return {SLOT_EMAIL: email}
        try:
            choice = lookup_order(current_identity(tracker), number, email)
        except StoreUnavailableError:
            logger.exception("Order check failed for sender '%s'.", tracker.sender_id)
            return {SLOT_EMAIL: email}
        if choice.outcome == "found":
            return {SLOT_EMAIL: email}
        logger.info(
            "Sender '%s' gave a number and e-mail that do not match.", tracker.sender_id
        )
        dispatcher.utter_message(
            text=customer_messages.order_not_found(
                shop_or_neutral(), number, with_email=True
            )
        )
        return {SLOT_EMAIL: None, SLOT_ORDER_NUMBER: None}
