"""Pure: the conversation signals of the current session that feed the live risk.

Only the events after the last ``session_started`` count, so a shopper who
complained yesterday starts today's conversation with a clean slate (their churn
probability still remembers the complaint); so do only those after the last
``resume``, when an agent has handed the conversation back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from actions.constants import (
    INTENT_CANCEL_ORDER,
    INTENT_COMPLAINT,
    INTENT_CONTACT_HUMAN_AGENT,
    INTENT_DELETE_ACCOUNT,
    INTENT_GET_REFUND,
    INTENT_NLU_FALLBACK,
    INTENT_TRACK_REFUND,
)
from actions.escalation.anger import read_anger
from actions.escalation.events import (
    ACTION_DEFAULT_FALLBACK,
    UserTurn,
    current_session,
    user_turns,
)

COMPLAINT_INTENTS: frozenset[str] = frozenset({INTENT_COMPLAINT})
# Wanting money or an order back, or the account gone: the shopper is leaving
# or unhappy enough to undo a purchase.
CANCEL_REFUND_INTENTS: frozenset[str] = frozenset(
    {INTENT_CANCEL_ORDER, INTENT_GET_REFUND, INTENT_TRACK_REFUND, INTENT_DELETE_ACCOUNT}
)
HUMAN_INTENTS: frozenset[str] = frozenset({INTENT_CONTACT_HUMAN_AGENT})
FALLBACK_INTENTS: frozenset[str] = frozenset({INTENT_NLU_FALLBACK})
FALLBACK_ACTIONS: frozenset[str] = frozenset({ACTION_DEFAULT_FALLBACK})


@dataclass(frozen=True)
class ConversationSignals:
    """What the current session says about the shopper's mood.

    Attributes:
        user_turns: shopper messages in the session.
        complaints: messages classified as a complaint.
        cancel_or_refund: messages asking to cancel, for a refund (or where it
            is), or to delete the account.
        fallbacks: messages the bot did not understand (``nlu_fallback``
            intent, or answered by ``action_default_fallback``).
        longest_fallback_run: the most such messages in a row.
        asked_for_human: the latest message asks for a person (an earlier
            request has already been answered, by a handoff or otherwise).
        anger: the angriest message's score, 0 to 1 (see :mod:`anger`).
        anger_cues: what made the messages read angry, without repeats.
        latest_intent: the intent of the latest message, None before any.
    """

    user_turns: int = 0
    complaints: int = 0
    cancel_or_refund: int = 0
    fallbacks: int = 0
    longest_fallback_run: int = 0
    asked_for_human: bool = False
    anger: float = 0.0
    anger_cues: tuple[str, ...] = ()
    latest_intent: str | None = None


def is_fallback(turn: UserTurn) -> bool:
    """Whether the bot failed to understand this message."""
    return turn.intent in FALLBACK_INTENTS or any(
        action in FALLBACK_ACTIONS for action in turn.actions
    )


def conversation_signals(events: Sequence[Mapping[str, Any]]) -> ConversationSignals:
    """Count the current session's signals from a tracker's events.

    Args:
        events: ``Tracker.events``, oldest first.

    Returns:
        The signals; all zero when the shopper has not written in this session.
    """
    turns = user_turns(current_session(events))
    run = longest = fallbacks = 0
    anger = 0.0
    cues: dict[str, None] = {}
    for turn in turns:
        if is_fallback(turn):
            fallbacks += 1
            run += 1
            longest = max(longest, run)
        else:
            run = 0
        reading = read_anger(turn.text)
        anger = max(anger, reading.score)
        cues.update(dict.fromkeys(reading.cues))
    return ConversationSignals(
        user_turns=len(turns),
        complaints=sum(1 for turn in turns if turn.intent in COMPLAINT_INTENTS),
        cancel_or_refund=sum(
            1 for turn in turns if turn.intent in CANCEL_REFUND_INTENTS
        ),
        fallbacks=fallbacks,
        longest_fallback_run=longest,
        asked_for_human=bool(turns) and turns[-1].intent in HUMAN_INTENTS,
        anger=anger,
        anger_cues=tuple(cues),
        latest_intent=turns[-1].intent if turns else None,
    )
