"""Refund status from the customer's refund records."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import customer_messages
from actions.base import OffLoopAction
from actions.constants import ACTION_REFUND_STATUS, UTTER_TRACK_REFUND
from actions.customer import current_identity, identity_events
from actions.errors import StoreUnavailableError
from actions.escalation_flow import escalate_if_at_risk
from actions.shop import shop_or_neutral
from actions.store import queries
from actions.store.db import session_scope

logger = logging.getLogger(__name__)


class ActionRefundStatus(OffLoopAction):
    """Say where the signed-in customer's refunds stand; general info otherwise."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_REFUND_STATUS

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Send the answer; see parent class."""
        identity = current_identity(tracker)
        events = identity_events(identity, tracker)
        if identity.customer_id is None:
            dispatcher.utter_message(response=UTTER_TRACK_REFUND)
            return events
        shop = shop_or_neutral()
        try:
            with session_scope() as session:
                refunds = queries.refunds_for_customer(
                    identity.customer_id, session=session
                )
        except StoreUnavailableError:
            logger.exception("Refund lookup failed for sender '%s'.", tracker.sender_id)
            dispatcher.utter_message(text=customer_messages.store_unavailable(shop))
            return events
        dispatcher.utter_message(text=customer_messages.refund_status(shop, refunds))
        return events + escalate_if_at_risk(dispatcher, tracker, trigger="track_refund")
