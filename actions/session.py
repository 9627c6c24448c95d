"""action_session_start: start a session with the shop's details in slots."""

from __future__ import annotations

import logging
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import (
    ACTION_SESSION_START,
    IDENTITY_SLOTS,
    SHOP_SLOTS,
    SLOT_CUSTOMER_ID,
    SLOT_CUSTOMER_TOKEN_EXPIRES,
    SLOT_REQUESTED,
)
from actions.identity.resolve import resolve_identity
from actions.settings import get_settings
from actions.shop import shop_or_neutral, shop_slot_values

logger = logging.getLogger(__name__)


def session_identity_slots(metadata: Any) -> list[dict[str, Any]]:
    """SlotSet events for the identity proven by the session's first message.

    Args:
        metadata: the ``session_started_metadata`` slot (the first message's
            metadata), or None.

    Returns:
        The customer id and token expiry when the metadata carries a valid
        token; nothing otherwise (the shopper is anonymous).
    """
    events = [{"event": "user", "metadata": metadata}]
    identity = resolve_identity(events, {}, get_settings().token_secret, time.time())
    if identity.problem:
        logger.info("Refused the session's shopper token: %s", identity.problem)
    if identity.customer_id is None:
        return []
    return [
        SlotSet(SLOT_CUSTOMER_ID, identity.customer_id),
        SlotSet(SLOT_CUSTOMER_TOKEN_EXPIRES, identity.expires_at),
    ]


def carried_over_slots(
    slots: dict[str, Any], domain: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return SlotSet events that keep the previous session's slots.

    Args:
        slots: the tracker's current slot values.
        domain: the domain as the action server receives it.

    Returns:
        SlotSet events for every filled slot except the form bookkeeping slot,
        the shop slots (set afresh) and the shopper's identity (proven afresh by
        the new session's token), or none when the domain's
        ``session_config.carry_over_slots_to_new_session`` is false.
    """
    session_config = domain.get("session_config") or {}
    if not session_config.get("carry_over_slots_to_new_session", True):
        return []
    skip = {SLOT_REQUESTED, *SHOP_SLOTS, *IDENTITY_SLOTS}
    return [
        SlotSet(name, value)
        for name, value in sorted(slots.items())
        if value is not None and name not in skip
    ]


class ActionSessionStart(Action):
    """Start a session and fill the shop slots from shop.yml."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_SESSION_START

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Start the session; see parent class."""
        events: list[dict[str, Any]] = [SessionStarted()]
        events.extend(carried_over_slots(dict(tracker.slots), domain))
        events.extend(
            session_identity_slots(tracker.get_slot("session_started_metadata"))
        )
        shop = shop_or_neutral()
        events.extend(
            SlotSet(name, value) for name, value in shop_slot_values(shop).items()
        )
        logger.debug("Started a session for sender '%s'.", tracker.sender_id)
        events.append(ActionExecuted("action_listen"))
        return events
