"""The shopper behind a conversation: identity from the tracker, profile lookups.

Thin I/O glue between rasa-sdk trackers, the identity rules of
:mod:`actions.identity` and the profile store.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from actions.constants import SLOT_CUSTOMER_ID, SLOT_CUSTOMER_TOKEN_EXPIRES
from actions.identity.resolve import Identity, resolve_identity
from actions.settings import get_settings
from actions.store import queries
from actions.store.records import OrderRecord

logger = logging.getLogger(__name__)


def current_identity(tracker: Tracker) -> Identity:
    """Who is talking, proven by a token now or earlier in the session."""
    identity = resolve_identity(
        tracker.events, tracker.slots, get_settings().token_secret, time.time()
    )
    if identity.problem:
        logger.info(
            "Refused the shopper token of sender '%s': %s",
            tracker.sender_id,
            identity.problem,
        )
    return identity


def identity_events(identity: Identity, tracker: Tracker) -> list[dict[str, Any]]:
    """SlotSet events that store (or clear) the verified identity, when changed."""
    wanted = (identity.customer_id, identity.expires_at)
    current = (
        tracker.get_slot(SLOT_CUSTOMER_ID),
        tracker.get_slot(SLOT_CUSTOMER_TOKEN_EXPIRES),
    )
    if wanted == current:
        return []
    return [
        SlotSet(SLOT_CUSTOMER_ID, identity.customer_id),
        SlotSet(SLOT_CUSTOMER_TOKEN_EXPIRES, identity.expires_at),
    ]


@dataclass(frozen=True)
class OrderChoice:
    """Which order a request is about.

    Attributes:
        outcome: "found", "not_found" (unknown, or not this shopper's: the two are
            never told apart), "choose" (several open orders, none named),
            "none_open" (a known customer without open orders) or
            "need_details" (an anonymous shopper has not given number and e-mail).
        order: the order when found.
        candidates: the open orders to choose from ("choose").
    """

    outcome: str
    order: OrderRecord | None = None
    candidates: tuple[OrderRecord, ...] = ()


def choose_order(
    identity: Identity,
    number: str | None,
    email: str | None,
    *,
    session: Session,
) -> OrderChoice:
    """Find the order a shopper means, never one that is not theirs.

    Args:
        identity: the shopper's identity.
        number: the order number they gave, if any.
        email: the e-mail address they gave (used only when anonymous).
        session: an open store session.

    Returns:
        The choice.
    """
    if identity.customer_id is not None:
        if number:
            order = queries.order_for_customer(
                identity.customer_id, number, session=session
            )
            return OrderChoice("found", order) if order else OrderChoice("not_found")
        open_orders = queries.open_orders(identity.customer_id, session=session)
        if not open_orders:
            return OrderChoice("none_open")
        if len(open_orders) == 1:
            return OrderChoice("found", open_orders[0])
        return OrderChoice("choose", candidates=tuple(open_orders))
    if not number or not email:
        return OrderChoice("need_details")
    order = queries.order_by_number_and_email(number, email, session=session)
    return OrderChoice("found", order) if order else OrderChoice("not_found")
