"""Abstract building blocks shared by the per-area action modules.

The classes here are abstract, so rasa-sdk does not register them as actions.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.shop import ShopConfig, shop_or_neutral

logger = logging.getLogger(__name__)


def slot_text(value: Any) -> str:
    """Return a slot value as text ("" for None; the last item of a list)."""
    if isinstance(value, list):
        value = value[-1] if value else None
    return "" if value is None else str(value)


class AskSlotAction(Action, ABC):
    """Asks a form's question, worded with the shop's details."""

    @abstractmethod
    def name(self) -> str:
        """See parent class."""

    @abstractmethod
    def question(self, shop: ShopConfig) -> str:
        """Return the question to send.

        Args:
            shop: the shop configuration.
        """

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Send the question. See parent class."""
        dispatcher.utter_message(text=self.question(shop_or_neutral()))
        return []


class OffLoopAction(Action, ABC):
    """An action whose work blocks (the profile store, models).

    rasa-sdk awaits ``run`` on its single event loop, and calls a plain ``run``
    right on that loop, so one slow database call would hold up every other
    conversation. ``respond`` runs in a worker thread instead.
    """

    @abstractmethod
    def name(self) -> str:
        """See parent class."""

    @abstractmethod
    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Do the work and return the events (runs in a worker thread).

        Args:
            dispatcher: sends messages to the shopper.
            tracker: the conversation.
            domain: the domain.
        """

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Run :meth:`respond` off the event loop. See parent class."""
        return await asyncio.to_thread(self.respond, dispatcher, tracker, domain)
