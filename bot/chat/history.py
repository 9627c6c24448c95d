"""What the widget shows of a conversation, read from its Rasa tracker events.

Pure functions over ``rasa.shared`` event objects: the recent messages of a
session (for ``history`` frames and the agent's live transcript), who owns a
session, and the message objects of the protocol (see PROTOCOL.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from rasa.shared.core.events import BotUttered, Event, UserUttered

from bot.chat.protocol import utc_text

# Metadata keys the channel writes on user messages and agent messages.
META_TOKEN = "shopbot_token"
META_CUSTOMER = "shopbot_customer_id"
META_CLIENT_ID = "shopbot_client_id"
META_DISPLAY_TEXT = "shopbot_display_text"
META_SENDER = "shopbot_sender"
META_AGENT_NAME = "shopbot_agent_name"
META_AGENT_USERNAME = "shopbot_agent_username"
SENDER_AGENT = "agent"
DEFAULT_HISTORY_LIMIT = 50


def message_object(
    sender: str,
    text: str,
    *,
    at: datetime | float | None = None,
    buttons: Sequence[Mapping[str, Any]] = (),
    image: str | None = None,
    agent_name: str | None = None,
    reply_to: str | None = None,
    client_id: str | None = None,
) -> dict[str, Any]:
    """A protocol message object (``from`` is user, bot or agent; ``client_id``
    is a user message's client id)."""
    if isinstance(at, int | float):
        moment = datetime.fromtimestamp(at, tz=timezone.utc)
    else:
        moment = at or datetime.now(timezone.utc)
    return {
        "from": sender,
        "text": text,
        "buttons": [
            {
                "title": str(button.get("title", "")),
                "payload": str(button.get("payload", "")),
            }
            for button in buttons
            if isinstance(button, Mapping)
        ],
        "image": image,
        "agent_name": agent_name,
        "reply_to": reply_to,
        "id": client_id,
        "at": utc_text(moment),
    }


def event_message(event: Event) -> dict[str, Any] | None:
    """The message object of a user or bot event; None for other events."""
    if isinstance(event, UserUttered):
        metadata = event.metadata or {}
        shown = metadata.get(META_DISPLAY_TEXT)
        text = shown if isinstance(shown, str) and shown else event.text
        if not text:
            return None
        client_id = metadata.get(META_CLIENT_ID)
        return message_object(
            "user",
            text,
            at=event.timestamp,
            client_id=client_id if isinstance(client_id, str) else None,
        )
    if isinstance(event, BotUttered):
        metadata = event.metadata or {}
        data = event.data or {}
        buttons = data.get("buttons") or data.get("quick_replies") or []
        image = data.get("image") if isinstance(data.get("image"), str) else None
        if not event.text and image is None:
            return None
        if metadata.get(META_SENDER) == SENDER_AGENT:
            name = metadata.get(META_AGENT_NAME)
            return message_object(
                "agent",
                event.text or "",
                at=event.timestamp,
                agent_name=name if isinstance(name, str) else None,
            )
        return message_object(
            "bot", event.text or "", at=event.timestamp, buttons=buttons, image=image
        )
    return None


def recent_messages(
    events: Iterable[Event], limit: int = DEFAULT_HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """The last ``limit`` messages of a conversation, oldest first."""
    messages = [m for m in (event_message(event) for event in events) if m is not None]
    return messages[-limit:] if limit > 0 else []


def session_owner(events: Iterable[Event]) -> int | None:
    """The customer who owns a session: the one the channel verified on its
    latest user message, None for an anonymous session."""
    owner: int | None = None
    for event in events:
        if isinstance(event, UserUttered) and event.metadata:
            value = event.metadata.get(META_CUSTOMER)
            if isinstance(value, int) and not isinstance(value, bool):
                owner = value
    return owner


def accepted_client_ids(events: Iterable[Event]) -> list[str]:
    """Client message ids already in the conversation (oldest first), so a
    resend after a server restart is still recognised."""
    ids = []
    for event in events:
        if isinstance(event, UserUttered) and event.metadata:
            value = event.metadata.get(META_CLIENT_ID)
            if isinstance(value, str):
                ids.append(value)
    return ids
