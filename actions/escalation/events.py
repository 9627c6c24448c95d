"""Pure readers of a Rasa tracker's event list.

The events are the dicts rasa-sdk's ``Tracker.events`` holds, e.g.
``{"event": "user", "text": ..., "parse_data": {"intent": ..., "intent_ranking":
[...]}, "timestamp": ..., "metadata": {...}}``. Nothing here copies ``metadata``:
it carries the shopper's token and channel details, which must not leave the
tracker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

EVENT_USER = "user"
EVENT_BOT = "bot"
EVENT_ACTION = "action"
EVENT_SESSION_STARTED = "session_started"
# ConversationResumed: an agent handed the conversation back to the bot.
EVENT_RESUME = "resume"
# UserUtteranceReverted: forget the last user message and what followed it.
EVENT_REWIND = "rewind"
# ActionReverted: forget the bot's last action.
EVENT_UNDO = "undo"
# Rasa's built-in fallback action (RulePolicy's low dialogue confidence).
ACTION_DEFAULT_FALLBACK = "action_default_fallback"
ACTION_LISTEN = "action_listen"
MAX_RANKING = 10
DEFAULT_TRANSCRIPT_LINES = 50

Speaker = Literal["shopper", "bot"]


@dataclass(frozen=True)
class IntentScore:
    """One entry of an intent ranking."""

    name: str
    confidence: float


@dataclass(frozen=True)
class TranscriptLine:
    """One message of the conversation as the shopper saw it.

    Attributes:
        speaker: ``"shopper"`` or ``"bot"``.
        text: the message exactly as typed or sent.
        at: ISO 8601 UTC time of the message, None when the event had none.
    """

    speaker: Speaker
    text: str
    at: str | None = None


@dataclass(frozen=True)
class UserTurn:
    """A shopper message with what NLU made of it and the bot's actions after it."""

    text: str
    intent: str | None
    confidence: float | None
    timestamp: float | None
    message_id: str | None
    actions: tuple[str, ...] = field(default_factory=tuple)


def current_session(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events after the last ``session_started`` or ``resume``.

    A ``resume`` means an agent handed the conversation back after a handoff:
    what happened before it has been dealt with, and counting it again would
    hand the shopper straight back to a person.

    Args:
        events: the tracker's events, oldest first.

    Returns:
        The current session's events, oldest first (all when neither event
        occurs).
    """
    start = 0
    for index, event in enumerate(events):
        if event.get("event") in (EVENT_SESSION_STARTED, EVENT_RESUME):
            start = index + 1
    return list(events[start:])


def user_turns(events: Sequence[Mapping[str, Any]]) -> list[UserTurn]:
    """Shopper messages in order, each with the actions the bot ran after it.

    ``rewind`` drops the last shopper message (and its actions) and ``undo`` the
    last action, as Rasa does when it replays the tracker; ``action_listen`` is
    left out.

    Args:
        events: the events to read (usually :func:`current_session`'s).

    Returns:
        The turns, oldest first.
    """
    turns: list[tuple[Mapping[str, Any], list[str]]] = []
    for event in events:
        kind = event.get("event")
        if kind == EVENT_USER:
            turns.append((event, []))
        elif kind == EVENT_ACTION and turns:
            name = event.get("name")
            if isinstance(name, str) and name != ACTION_LISTEN:
                turns[-1][1].append(name)
        elif kind == EVENT_REWIND and turns:
            turns.pop()
        elif kind == EVENT_UNDO and turns and turns[-1][1]:
            turns[-1][1].pop()
    return [_turn(event, actions) for event, actions in turns]


def _turn(event: Mapping[str, Any], actions: list[str]) -> UserTurn:
    intent = _intent(event)
    message_id = event.get("message_id")
    return UserTurn(
        text=_text(event),
        intent=intent.name if intent else None,
        confidence=intent.confidence if intent else None,
        timestamp=_timestamp(event),
        message_id=message_id if isinstance(message_id, str) else None,
        actions=tuple(actions),
    )


def latest_intent_ranking(
    events: Sequence[Mapping[str, Any]], limit: int = MAX_RANKING
) -> list[IntentScore]:
    """The intent ranking of the shopper's latest message, best first.

    Args:
        events: the tracker's events, oldest first.
        limit: the most entries to keep.

    Returns:
        The ranking (just the top intent when NLU gave no ranking; empty when
        the shopper has not written yet).
    """
    for event in reversed(events):
        if event.get("event") != EVENT_USER:
            continue
        parse_data = event.get("parse_data") or {}
        ranking = [
            score
            for entry in parse_data.get("intent_ranking") or []
            if (score := _score(entry)) is not None
        ]
        if not ranking and (top := _intent(event)) is not None:
            ranking = [top]
        ranking.sort(key=lambda score: score.confidence, reverse=True)
        return ranking[:limit]
    return []


def transcript(
    events: Sequence[Mapping[str, Any]], limit: int = DEFAULT_TRANSCRIPT_LINES
) -> list[TranscriptLine]:
    """The last ``limit`` messages of the conversation, across sessions.

    Only the text is copied (never ``metadata``); bot messages without text
    (buttons only, images) are left out.

    Args:
        events: the tracker's events, oldest first.
        limit: the most lines to keep (the latest ones).

    Returns:
        The transcript, oldest first.
    """
    lines: list[TranscriptLine] = []
    for event in events:
        kind = event.get("event")
        if kind not in (EVENT_USER, EVENT_BOT):
            continue
        text = _text(event)
        if not text:
            continue
        speaker: Speaker = "shopper" if kind == EVENT_USER else "bot"
        lines.append(TranscriptLine(speaker, text, iso_time(_timestamp(event))))
    return lines[-limit:] if limit > 0 else []


def trigger_key(conversation_id: str, events: Sequence[Mapping[str, Any]]) -> str:
    """The idempotency key of a handoff: the conversation and its latest message.

    The same message always gives the same key, so an action retried by Rasa,
    or a spooled handoff replayed after an outage, never creates two handoffs.

    Args:
        conversation_id: the tracker's sender id.
        events: the tracker's events, oldest first.

    Returns:
        ``"<conversation_id>:<message id or timestamp of the latest message>"``.

    Raises:
        ValueError: ``conversation_id`` is empty.
    """
    if not conversation_id:
        raise ValueError("conversation_id is empty; pass the tracker's sender_id.")
    for event in reversed(events):
        if event.get("event") != EVENT_USER:
            continue
        message_id = event.get("message_id")
        if isinstance(message_id, str) and message_id:
            return f"{conversation_id}:{message_id}"
        timestamp = _timestamp(event)
        if timestamp is not None:
            return f"{conversation_id}:{timestamp!r}"
        break
    return f"{conversation_id}:start"


def iso_time(timestamp: float | None) -> str | None:
    """A Unix timestamp as ISO 8601 UTC with seconds, or None."""
    if timestamp is None:
        return None
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.isoformat(timespec="seconds")


def _text(event: Mapping[str, Any]) -> str:
    text = event.get("text")
    return text if isinstance(text, str) else ""


def _timestamp(event: Mapping[str, Any]) -> float | None:
    value = event.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _intent(event: Mapping[str, Any]) -> IntentScore | None:
    parse_data = event.get("parse_data") or {}
    return _score(parse_data.get("intent"))


def _score(entry: Any) -> IntentScore | None:
    if not isinstance(entry, Mapping):
        return None
    name = entry.get("name")
    confidence = entry.get("confidence")
    if not isinstance(name, str) or not name:
        return None
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        confidence = 0.0
    if not math.isfinite(confidence):
        confidence = 0.0
    return IntentScore(name=name, confidence=float(confidence))
