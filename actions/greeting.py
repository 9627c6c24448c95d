"""action_greet: greet by name and tier when the shopper is known and consents."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import customer_messages
from actions.base import OffLoopAction
from actions.constants import ACTION_GREET
from actions.customer import current_identity, identity_events
from actions.errors import StoreUnavailableError
from actions.shop import shop_or_neutral
from actions.store import queries
from actions.store.db import session_scope

logger = logging.getLogger(__name__)


class ActionGreet(OffLoopAction):
    """Greet the shopper; personally when the profile allows it."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_GREET

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the greeting; see parent class."""
        identity = current_identity(tracker)
        profile = None
        if identity.customer_id is not None:
            try:
                with session_scope() as session:
                    profile = queries.get_customer(
                        identity.customer_id, session=session
                    )
            except StoreUnavailableError:
                logger.exception("Profile lookup failed for '%s'.", tracker.sender_id)
        dispatcher.utter_message(
            text=customer_messages.greeting(shop_or_neutral(), profile)
        )
        return identity_events(identity, tracker)
