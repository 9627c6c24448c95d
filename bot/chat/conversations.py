"""Reading and writing Rasa trackers from the chat channel.

Agent messages and the hand-back to the bot are written as tracker events under
the conversation's lock (the lock Rasa's own message handling takes), so they
interleave safely with shopper messages and are kept wherever the tracker store
keeps conversations.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationResumed,
    Event,
)

from bot.chat.history import (
    META_AGENT_NAME,
    META_AGENT_USERNAME,
    META_SENDER,
    SENDER_AGENT,
)

logger = logging.getLogger(__name__)
ACTION_LISTEN = "action_listen"


async def load_events(agent: Any, conversation_id: str) -> list[Event]:
    """The conversation's events; [] when it does not exist yet."""
    tracker = await agent.tracker_store.retrieve(conversation_id)
    return [] if tracker is None else list(tracker.events)


async def append_events(
    agent: Any, conversation_id: str, events: Sequence[Event]
) -> None:
    """Append events to a conversation under its lock and save it."""
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        for event in events:
            tracker.update(event)
        await agent.processor.save_tracker(tracker)


def agent_message_event(text: str, username: str, display_name: str) -> BotUttered:
    """An agent's message, recorded as a bot utterance marked with the agent."""
    return BotUttered(
        text=text,
        metadata={
            META_SENDER: SENDER_AGENT,
            META_AGENT_NAME: display_name,
            META_AGENT_USERNAME: username,
        },
    )


def resume_events(text: str) -> list[Event]:
    """Hand the conversation back to the bot: resume, say so, listen.

    The bot's slots are untouched; ``action_listen`` makes the next shopper
    message a fresh turn for the policies.
    """
    return [ConversationResumed(), BotUttered(text=text), ActionExecuted(ACTION_LISTEN)]
