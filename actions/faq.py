"""Answer from past support cases (retrieval) when NLU falls back or for FAQs.

The retriever is loaded lazily, once per process, by :func:`get_retriever` (nothing
happens at import time). The decision itself is :func:`retrieval.decision.decide`;
:func:`plan_reply` turns it into what to send and which audit slots to set, and is
pure. When the calibrated probability is under the threshold, or the question looks
out of scope, the bot says it is not sure and offers a human.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import OffLoopAction
from actions.constants import (
    ACTION_ANSWER_FROM_PAST_CASES,
    SLOT_RETRIEVAL_SCORE,
    SLOT_RETRIEVAL_SOURCE,
    UTTER_RETRIEVAL_UNAVAILABLE,
    UTTER_RETRIEVAL_UNSURE,
)
from retrieval.errors import InvalidQueryError, RetrievalError

if TYPE_CHECKING:
    from retrieval.decision import Decision
    from retrieval.service import Retriever

logger = logging.getLogger(__name__)

INDEX_ENV = "SHOPBOT_RETRIEVAL_INDEX"
DEFAULT_INDEX_DIR = "models/retrieval"


@dataclass(frozen=True)
class FaqReply:
    """What the action sends and records.

    Attributes:
        text: Answer text to send, or None to send ``response`` instead.
        response: Name of the ``utter_*`` response to send when not answering.
        source: Source of the answer used (e.g. ``bitext:17``), None when none was.
        score: Calibrated probability of the candidate answer, None without one.
    """

    text: str | None
    response: str | None
    source: str | None
    score: float | None

    def events(self) -> list[dict[str, Any]]:
        """Slot events that record the answer used on the tracker, for audits."""
        return [
            SlotSet(SLOT_RETRIEVAL_SOURCE, self.source),
            SlotSet(SLOT_RETRIEVAL_SCORE, self.score),
        ]


def plan_reply(decision: Decision | None) -> FaqReply:
    """Turn a retrieval decision into the reply (pure).

    Args:
        decision: The decision for the shopper's question, or None when the
            question could not be searched (empty text).

    Returns:
        The answer with its source and score, or the "not sure, want a human?"
        response with the candidate's score (source None: nothing was used).
    """
    if decision is None:
        return FaqReply(
            text=None, response=UTTER_RETRIEVAL_UNSURE, source=None, score=None
        )
    score = round(decision.probability, 4) if decision.record_id is not None else None
    if decision.answered:
        return FaqReply(
            text=decision.answer, response=None, source=decision.source, score=score
        )
    return FaqReply(
        text=None, response=UTTER_RETRIEVAL_UNSURE, source=None, score=score
    )


def index_dir() -> str:
    """Index directory: ``$SHOPBOT_RETRIEVAL_INDEX`` or ``models/retrieval``."""
    return os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR


@functools.lru_cache(maxsize=2)
def get_retriever(directory: str) -> Retriever:
    """Load the retriever for ``directory`` once per process.

    Raises:
        RetrievalError: When the index is missing, half-written or from another
            model (not cached, so a fixed index is picked up on the next call).
    """
    from retrieval.service import Retriever

    return Retriever.load(directory)


def latest_text(tracker: Tracker) -> str:
    """The shopper's latest message text ("" when there is none)."""
    return str((tracker.latest_message or {}).get("text") or "")


class ActionAnswerFromPastCases(OffLoopAction):
    """Answers from the most similar past support case, or offers a human."""

    def name(self) -> str:
        """See parent class."""
        return ACTION_ANSWER_FROM_PAST_CASES

    def respond(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Answer or abstain, and record the answer used. See parent class."""
        directory = index_dir()
        try:
            retriever = get_retriever(directory)
        except RetrievalError:
            logger.exception(
                "Retrieval index %s unavailable for sender %s",
                directory,
                tracker.sender_id,
            )
            dispatcher.utter_message(response=UTTER_RETRIEVAL_UNAVAILABLE)
            return FaqReply(None, UTTER_RETRIEVAL_UNAVAILABLE, None, None).events()
        try:
            decision: Decision | None = retriever.answer(latest_text(tracker))
        except InvalidQueryError:
            logger.info(
                "Empty question from sender %s; offering a human", tracker.sender_id
            )
            decision = None
        reply = plan_reply(decision)
        if decision is not None:
            logger.info(
                "Retrieval for sender %s: %s (candidate %s, p=%.3f, cos=%.3f)",
                tracker.sender_id,
                decision.reason,
                decision.source,
                decision.probability,
                decision.cosine,
            )
        if reply.text is not None:
            dispatcher.utter_message(text=reply.text)
            return reply.events()
        dispatcher.utter_message(response=reply.response)
        # Not answered: repeated misunderstandings count towards escalation.
        from actions.escalation_flow import escalate_if_at_risk

        return reply.events() + escalate_if_at_risk(
            dispatcher, tracker, trigger="fallback"
        )
