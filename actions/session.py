"""action_session_start: start a session with the shop's details in slots."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import ACTION_SESSION_START, SHOP_SLOTS, SLOT_REQUESTED
from actions.shop import shop_or_neutral, shop_slot_values

logger = logging.getLogger(__name__)


def carried_over_slots(
    slots: dict[str, Any], domain: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return SlotSet events that keep the previous session's slots.

    Args:
        slots: the tracker's current slot values.
        domain: the domain as the action server receives it.

    Returns:
        SlotSet events for every filled slot except the form bookkeeping slot and
        the shop slots (which are set afresh), or none when the domain's
        ``session_config.carry_over_slots_to_new_session`` is false.
    """
    session_config = domain.get("session_config") or {}
    if not session_config.get("carry_over_slots_to_new_session", True):
        return []
    skip = {SLOT_REQUESTED, *SHOP_SLOTS}
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
        shop = shop_or_neutral()
        events.extend(
            SlotSet(name, value) for name, value in shop_slot_values(shop).items()
        )
        logger.debug("Started a session for sender '%s'.", tracker.sender_id)
        events.append(ActionExecuted("action_listen"))
        return events
