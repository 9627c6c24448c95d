"""Building rasa-sdk trackers for personalised action tests."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Tracker

from actions.identity.tokens import sign_token
from actions.settings import DEVELOPMENT_SECRET


def token_for(
    customer_id: int, ttl: int = 600, secret: str = DEVELOPMENT_SECRET
) -> str:
    """A token as the shop's page would mint it."""
    return sign_token(customer_id, int(time.time()) + ttl, secret)


def tracker(
    text: str = "hello",
    intent: str = "greet",
    *,
    token: str | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    sender: str = "shopper-1",
    history: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker whose latest user message is ``text`` classified as ``intent``."""
    metadata = {"shopbot_token": token} if token is not None else {}
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "intent_ranking": [
            {"name": intent, "confidence": 0.97},
            {"name": "inform", "confidence": 0.02},
        ],
        "entities": [],
    }
    user = {
        "event": "user",
        "timestamp": time.time(),
        "text": text,
        "parse_data": parse_data,
        "metadata": metadata,
        "message_id": f"m-{time.time_ns()}",
    }
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": time.time()},
        {"event": "session_started", "timestamp": time.time()},
        *(history or []),
        user,
    ]
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": dict(slots or {}),
            "latest_message": {**parse_data, "metadata": metadata},
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slot values an action's events set (last one wins)."""
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def texts(dispatcher: Any) -> str:
    """Everything the dispatcher sent, joined."""
    return " ".join(
        str(m.get("text") or m.get("response") or "") for m in dispatcher.messages
    )
