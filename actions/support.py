"""Complaints and requests for a person: the actions that may hand over."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import OffLoopAction
from actions.constants import ACTION_HANDLE_COMPLAINT, ACTION_HANDOFF, UTTER_COMPLAINT
from actions.customer import current_identity, identity_events
from actions.errors import StoreUnavailableError
from actions.escalation_flow import escalate_if_at_risk, hand_off
from actions.shop import shop_or_neutral
from actions.store import writes
from actions.store.clock import utcnow
from actions.store.db import session_scope

logger = logging.getLogger(__name__)
MAX_SUBJECT_CHARS = 200


def complaint_logged(ticket_id: int, support_email: str) -> str:
    """Confirm a recorded complaint."""
    return (
        "I'm really sorry to hear that. I've logged your complaint as ticket "
        f"#{ticket_id}; a person from our team reads every complaint and will reply "
        f"by e-mail. If you want to add photos or details, reply to that e-mail or "
        f"write to {support_email} with the ticket number."
    )


class ActionHandleComplaint(OffLoopAction):
    """Record the complaint, then hand over when the shopper is at risk."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_HANDLE_COMPLAINT

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Record, answer or escalate; see parent class."""
        identity = current_identity(tracker)
        events = identity_events(identity, tracker)
        ticket_id = None
        if identity.customer_id is not None:
            text = str((tracker.latest_message or {}).get("text") or "complaint")
            try:
                with session_scope() as session:
                    ticket = writes.record_complaint(
                        identity.customer_id,
                        tracker.sender_id,
                        " ".join(text.split())[:MAX_SUBJECT_CHARS] or "complaint",
                        at=utcnow(),
                        session=session,
                    )
                    ticket_id = ticket.id
            except StoreUnavailableError:
                logger.exception("Complaint not recorded for '%s'.", tracker.sender_id)
        handoff = escalate_if_at_risk(dispatcher, tracker, trigger="complaint")
        if handoff:
            return events + handoff
        if ticket_id is not None:
            shop = shop_or_neutral()
            dispatcher.utter_message(
                text=complaint_logged(ticket_id, shop.support_email)
            )
        else:
            dispatcher.utter_message(response=UTTER_COMPLAINT)
        return events


class ActionHandoff(OffLoopAction):
    """The shopper asked for a person: hand over with a full packet."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_HANDOFF

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        """Hand over; see parent class."""
        identity = current_identity(tracker)
        return identity_events(identity, tracker) + hand_off(
            dispatcher, tracker, "asked_for_person"
        )
