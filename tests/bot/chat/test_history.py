"""Tracker events to widget messages, session owners and accepted ids
(bot/chat/history.py)."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.chat.conversations import agent_message_event, resume_events
from bot.chat.history import (
    accepted_client_ids,
    event_message,
    recent_messages,
    session_owner,
)


def user(text: str, **metadata: object) -> UserUttered:
    return UserUttered(text, metadata=metadata, timestamp=1_700_000_000)


def test_user_bot_and_agent_messages_are_labelled() -> None:
    events = [
        ActionExecuted("action_listen"),
        user("/affirm", shopbot_display_text="Yes, cancel it", shopbot_client_id="c1"),
        BotUttered("Pick one", {"buttons": [{"title": "A", "payload": "/a"}]}),
        SlotSet("customer_id", 4),
        agent_message_event("Hi, Alex here", "alex", "Alex"),
        BotUttered(None, {"image": "https://shop.example/p.png"}),
    ]
    messages = recent_messages(events)
    assert [m["from"] for m in messages] == ["user", "bot", "agent", "bot"]
    assert messages[0]["text"] == "Yes, cancel it"  # the title, not the payload
    assert messages[0]["id"] == "c1" and messages[1]["id"] is None
    assert messages[1]["buttons"] == [{"title": "A", "payload": "/a"}]
    assert messages[2]["agent_name"] == "Alex"
    assert messages[3]["image"] == "https://shop.example/p.png"
    assert messages[0]["at"] == "2023-11-14T22:13:20Z"


def test_history_keeps_the_latest_messages() -> None:
    events = [user(f"m{i}") for i in range(10)]
    assert [m["text"] for m in recent_messages(events, 3)] == ["m7", "m8", "m9"]
    assert recent_messages(events, 0) == []


def test_events_without_words_are_not_messages() -> None:
    assert event_message(SlotSet("x", 1)) is None
    assert event_message(BotUttered(None, {})) is None
    assert event_message(user("")) is None


def test_the_owner_is_the_latest_verified_customer() -> None:
    assert session_owner([user("hi")]) is None
    assert session_owner([user("hi", shopbot_customer_id=None)]) is None
    assert session_owner([user("a", shopbot_customer_id=3), user("b")]) == 3
    assert session_owner([user("a", shopbot_customer_id=True)]) is None


def test_accepted_client_ids_come_from_user_metadata() -> None:
    events = [
        user("a", shopbot_client_id="1"),
        BotUttered("x"),
        user("b", shopbot_client_id="2"),
    ]
    assert accepted_client_ids(events) == ["1", "2"]


def test_resuming_says_so_and_listens() -> None:
    events = resume_events("You're back with the assistant.")
    assert [e.type_name for e in events] == ["resume", "bot", "action"]
    assert events[-1].action_name == "action_listen"
