"""Pure: a simulated conversation and the action-call JSON Rasa would send for it.

A :class:`Conversation` holds what Rasa's tracker holds (slots, events, the
active loop, the latest message). The helpers add what happens between action
calls (a shopper message with its NLU parse and metadata, slots extracted from
it, a form starting or ending) and apply what the action server answers (its
events, and a bot event per message), so each call carries a realistic, growing
tracker. :func:`action_call` builds the request body of ``POST /webhook`` in the
shape rasa-sdk's ``Tracker.from_dict`` reads (Rasa's ``current_state``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ACTION_LISTEN = "action_listen"
SLOT_SESSION_METADATA = "session_started_metadata"
SLOT_REQUESTED = "requested_slot"
INPUT_CHANNEL = "rest"
# Confidences of the runners-up in a simulated intent ranking (top one aside).
RUNNER_UP_CONFIDENCES: tuple[float, ...] = (0.04, 0.02, 0.01, 0.005)


@dataclass
class Conversation:
    """A simulated tracker, changed in place as the conversation goes on.

    Attributes:
        sender_id: the conversation id.
        slots: every domain slot's current value (None when unset).
        events: the tracker's events, oldest first, as Rasa serialises them.
        latest_message: the parse data of the latest shopper message.
        active_loop: ``{"name": form}`` while a form runs, else ``{}``.
        paused: whether the bot is paused (a handoff happened).
        latest_action_name: the last action run.
    """

    sender_id: str
    slots: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    latest_message: dict[str, Any] = field(default_factory=dict)
    active_loop: dict[str, Any] = field(default_factory=dict)
    paused: bool = False
    latest_action_name: str | None = None


def new_conversation(
    sender_id: str,
    slot_names: Iterable[str],
    metadata: Mapping[str, Any],
    now: float,
) -> Conversation:
    """A conversation about to run ``action_session_start``.

    Args:
        sender_id: the conversation id.
        slot_names: every slot of the domain.
        metadata: the first message's metadata (e.g. the shopper token), which
            Rasa puts in the ``session_started_metadata`` slot.
        now: the current time, unix seconds.

    Returns:
        The conversation, with that slot set.
    """
    conversation = Conversation(sender_id, dict.fromkeys(slot_names))
    set_slots(conversation, {SLOT_SESSION_METADATA: dict(metadata)}, now)
    return conversation


def intent_ranking(intent: str, others: Sequence[str]) -> list[dict[str, Any]]:
    """A plausible NLU intent ranking with ``intent`` on top.

    Args:
        intent: the predicted intent.
        others: runner-up intents (at most four are used; ``intent`` is skipped).

    Returns:
        Ranking entries ``{"name", "confidence"}``, best first, summing to 1.
    """
    runners = [name for name in others if name != intent][: len(RUNNER_UP_CONFIDENCES)]
    confidences = RUNNER_UP_CONFIDENCES[: len(runners)]
    top = round(1.0 - sum(confidences), 6)
    return [{"name": intent, "confidence": top}] + [
        {"name": name, "confidence": confidence}
        for name, confidence in zip(runners, confidences, strict=True)
    ]


def add_user_message(
    conversation: Conversation,
    *,
    text: str,
    intent: str,
    ranking_pool: Sequence[str],
    metadata: Mapping[str, Any],
    message_id: str,
    now: float,
    entities: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Append a shopper message the way Rasa records it (``user`` event).

    Args:
        conversation: the conversation to change.
        text: what the shopper typed.
        intent: the intent NLU predicted.
        ranking_pool: intents to fill the ranking's runner-up places with.
        metadata: the message metadata from the channel (token and the like).
        message_id: a unique id (the handoff idempotency key uses it).
        now: the current time, unix seconds.
        entities: extracted entities (``{"entity", "value", "start", "end"}``).
    """
    ranking = intent_ranking(intent, ranking_pool)
    parse_data = {
        "text": text,
        "intent": ranking[0],
        "entities": [dict(entity) for entity in entities],
        "intent_ranking": ranking,
        "message_id": message_id,
        "metadata": dict(metadata),
    }
    conversation.events.append(
        {
            "event": "user",
            "timestamp": now,
            "metadata": dict(metadata),
            "text": text,
            "parse_data": parse_data,
            "input_channel": INPUT_CHANNEL,
            "message_id": message_id,
        }
    )
    conversation.latest_message = parse_data


def add_action(conversation: Conversation, name: str, now: float) -> None:
    """Record that Rasa ran action ``name`` (an ``action`` event)."""
    conversation.events.append(
        {
            "event": "action",
            "timestamp": now,
            "name": name,
            "policy": "RulePolicy",
            "confidence": 1.0,
            "action_text": None,
            "hide_rule_turn": False,
        }
    )
    conversation.latest_action_name = name


def set_slots(
    conversation: Conversation, values: Mapping[str, Any], now: float
) -> None:
    """Set slots with ``slot`` events (as ``action_extract_slots`` does)."""
    for name, value in values.items():
        conversation.events.append(
            {"event": "slot", "timestamp": now, "name": name, "value": value}
        )
        conversation.slots[name] = value


def set_active_loop(conversation: Conversation, name: str | None, now: float) -> None:
    """Start form ``name``, or end the running one when ``name`` is None."""
    conversation.events.append({"event": "active_loop", "timestamp": now, "name": name})
    conversation.active_loop = {"name": name} if name else {}
    if name is None:
        set_slots(conversation, {SLOT_REQUESTED: None}, now)


def apply_response(
    conversation: Conversation, response: Mapping[str, Any], now: float
) -> None:
    """Apply an action server answer as Rasa would: its events, then its messages.

    ``session_started`` clears every slot (the action sets the kept ones
    again), ``slot`` sets one, ``pause``/``resume`` (un)pause, ``active_loop``
    starts or ends a form; every message becomes a ``bot`` event.

    Args:
        conversation: the conversation to change.
        response: the webhook's JSON (``{"events": [...], "responses": [...]}``).
        now: the current time, unix seconds.
    """
    for event in response.get("events") or []:
        recorded = {**event, "timestamp": event.get("timestamp") or now}
        kind = event.get("event")
        if kind == "session_started":
            conversation.slots = dict.fromkeys(conversation.slots)
            conversation.active_loop = {}
        elif kind == "slot":
            conversation.slots[str(event.get("name"))] = event.get("value")
        elif kind == "pause":
            conversation.paused = True
        elif kind == "resume":
            conversation.paused = False
        elif kind == "active_loop":
            name = event.get("name")
            conversation.active_loop = {"name": name} if name else {}
        conversation.events.append(recorded)
    for message in response.get("responses") or []:
        text = message.get("text") or message.get("response") or ""
        conversation.events.append(
            {
                "event": "bot",
                "timestamp": now,
                "text": text,
                "data": {"buttons": message.get("buttons") or None},
                "metadata": {},
            }
        )


def tracker_state(conversation: Conversation) -> dict[str, Any]:
    """The tracker as Rasa sends it to the action server (``current_state``)."""
    latest_time = conversation.events[-1]["timestamp"] if conversation.events else None
    return {
        "sender_id": conversation.sender_id,
        "slots": dict(conversation.slots),
        "latest_message": conversation.latest_message,
        "latest_event_time": latest_time,
        "followup_action": None,
        "paused": conversation.paused,
        "events": list(conversation.events),
        "latest_input_channel": INPUT_CHANNEL,
        "active_loop": dict(conversation.active_loop),
        "latest_action": {"action_name": conversation.latest_action_name},
        "latest_action_name": conversation.latest_action_name,
    }


def action_call(
    conversation: Conversation,
    action: str,
    domain: Mapping[str, Any],
    version: str,
) -> dict[str, Any]:
    """The JSON body of ``POST /webhook`` asking the server to run ``action``.

    Args:
        conversation: the conversation so far.
        action: the action to run.
        domain: the domain as Rasa sends it (``Domain.as_dict()``).
        version: the Rasa version making the call.

    Returns:
        ``{"next_action", "sender_id", "tracker", "domain", "version"}``.
    """
    return {
        "next_action": action,
        "sender_id": conversation.sender_id,
        "tracker": tracker_state(conversation),
        "domain": domain,
        "version": version,
    }


def encode_action_call(
    conversation: Conversation, action: str, domain_json: str, version: str
) -> bytes:
    """:func:`action_call` as JSON bytes, with the domain already encoded.

    The domain is the same in every call; splicing in its JSON once encoded
    keeps the load generator's own CPU use (on the same machine) small.

    Args:
        conversation: the conversation so far.
        action: the action to run.
        domain_json: ``json.dumps`` of the domain.
        version: the Rasa version making the call.

    Returns:
        The request body.
    """
    head = json.dumps(
        {
            "next_action": action,
            "sender_id": conversation.sender_id,
            "tracker": tracker_state(conversation),
            "version": version,
        }
    )
    return f'{head[:-1]}, "domain": {domain_json}}}'.encode()
