"""Conversation signals and the event readers behind them."""

from __future__ import annotations

from typing import Any

from actions.escalation.events import (
    current_session,
    latest_intent_ranking,
    transcript,
    trigger_key,
    user_turns,
)
from actions.escalation.signals import ConversationSignals, conversation_signals

TOKEN = "tok.eyJjdXN0b21lciI6NDJ9.c2VjcmV0LXNpZ25hdHVyZQ"


def _frustrated(events: Any) -> Any:
    """A session: greeting, complaint, two misunderstandings in a row, refund."""
    return (
        events.session()
        .user("hi", "greet", 0.99)
        .bot("Hi! How can I help?", "utter_greet")
        .user("my parcel arrived broken, this is RIDICULOUS", "complaint", 0.91)
        .bot("I'm sorry to hear that.", "utter_complaint")
        .user("asdf the thing with the box", "nlu_fallback", 0.3)
        .bot("I'm not sure I understood.", "action_answer_from_past_cases")
        .user("the box thing!!", "track_order", 0.41)
        .action("action_default_fallback")
        .bot("Sorry, I didn't get that.", "utter_default")
        .user("I want my money back", "get_refund", 0.88)
        .bot("Refunds take 5 days.", "utter_get_refund")
    )


def test_realistic_session_counts(events: Any) -> None:
    signals = conversation_signals(_frustrated(events).events)
    assert signals.user_turns == 5
    assert signals.complaints == 1
    assert signals.cancel_or_refund == 1
    assert signals.fallbacks == 2
    assert signals.longest_fallback_run == 2
    assert signals.asked_for_human is False
    assert signals.latest_intent == "get_refund"
    assert signals.anger > 0.3
    assert "ridiculous" in signals.anger_cues and "!!!" in signals.anger_cues


def test_a_new_session_resets_the_counts(events: Any) -> None:
    _frustrated(events).session().user("hello again", "greet", 0.97)
    signals = conversation_signals(events.events)
    assert signals == ConversationSignals(user_turns=1, latest_intent="greet")


def test_a_resume_after_a_handoff_resets_the_counts(events: Any) -> None:
    _frustrated(events).user("get me a person", "contact_human_agent")
    assert conversation_signals(events.events).asked_for_human is True
    events.raw({"event": "pause", "timestamp": 1.0})
    events.raw({"event": "resume", "timestamp": 2.0})
    events.user("ok thanks, and where is order ORD-1?", "track_order")
    signals = conversation_signals(events.events)
    assert signals.user_turns == 1 and signals.complaints == 0
    assert signals.asked_for_human is False


def test_asking_for_a_person_counts_on_the_latest_message_only(events: Any) -> None:
    events.session().user("can I talk to a human", "contact_human_agent", 0.95)
    assert conversation_signals(events.events).asked_for_human is True
    events.bot("Connecting you.", "utter_handoff").user("thanks", "thank")
    assert conversation_signals(events.events).asked_for_human is False


def test_fallback_runs_are_broken_by_an_understood_message(events: Any) -> None:
    events.session()
    for intent in ["nlu_fallback", "nlu_fallback", "greet", "nlu_fallback"]:
        events.user("??", intent, 0.2).bot("Hmm?", "utter_default")
    events.user("what", "greet").action("action_default_fallback")
    events.user("what now", "greet").action("action_default_fallback")
    events.user("and now", "nlu_fallback")
    signals = conversation_signals(events.events)
    assert signals.fallbacks == 6
    assert signals.longest_fallback_run == 4


def test_rewind_forgets_the_last_message_and_undo_the_last_action(events: Any) -> None:
    events.session().user("this is a complaint", "complaint")
    events.raw({"event": "rewind", "timestamp": 1.0})
    events.user("where is my order", "track_order").action("action_default_fallback")
    events.raw({"event": "undo", "timestamp": 2.0})
    signals = conversation_signals(events.events)
    assert signals.user_turns == 1
    assert signals.complaints == 0
    assert signals.fallbacks == 0


def test_no_messages_and_odd_events_give_empty_signals() -> None:
    assert conversation_signals([]) == ConversationSignals()
    odd: list[dict[str, Any]] = [
        {"event": "user", "text": None, "parse_data": None},
        {"event": "user", "parse_data": {"intent": {"name": 3}}},
        {"event": "action"},
        {"event": "slot", "name": "email", "value": "x@example.com"},
    ]
    signals = conversation_signals(odd)
    assert signals.user_turns == 2
    assert signals.latest_intent is None
    assert signals.anger == 0.0


def test_current_session_and_turns(events: Any) -> None:
    events.user("old", "greet").session().user("new", "complaint")
    session = current_session(events.events)
    assert [turn.text for turn in user_turns(session)] == ["new"]
    assert [turn.text for turn in user_turns(events.events)] == ["old", "new"]


def test_latest_intent_ranking_is_sorted_and_capped(events: Any) -> None:
    ranking = [(f"intent{i}", i / 20) for i in range(15)]
    events.session().user("hm", "intent14", 0.7, ranking)
    scores = latest_intent_ranking(events.events)
    assert len(scores) == 10
    assert scores[0].name == "intent14"
    assert [s.confidence for s in scores] == sorted(
        (s.confidence for s in scores), reverse=True
    )
    events.user("only the top", "complaint", 0.8, ranking=[])
    assert [(s.name, s.confidence) for s in latest_intent_ranking(events.events)] == [
        ("complaint", 0.8)
    ]
    assert latest_intent_ranking([]) == []


def test_transcript_keeps_texts_as_typed_without_metadata(events: Any) -> None:
    typed = "my email is jo@example.com \u2014 order #42 \U0001f620\nsecond line"
    events.session().user(typed, "complaint").bot(None).bot("Sorry!")
    lines = transcript(events.events)
    assert [(line.speaker, line.text) for line in lines] == [
        ("shopper", typed),
        ("bot", "Sorry!"),
    ]
    assert lines[0].at is not None and lines[0].at.endswith("+00:00")
    assert TOKEN not in repr(lines)


def test_transcript_keeps_the_last_lines_across_sessions(events: Any) -> None:
    events.user("first", "greet")
    events.session()
    for i in range(60):
        events.user(f"message {i}", "greet")
    lines = transcript(events.events, limit=50)
    assert len(lines) == 50
    assert lines[-1].text == "message 59" and lines[0].text == "message 10"
    assert transcript(events.events, limit=0) == []


def test_trigger_key_is_stable_per_message(events: Any) -> None:
    assert trigger_key("c1", []) == "c1:start"
    events.session().user("help", "contact_human_agent")
    key = trigger_key("c1", events.events)
    assert key == "c1:msg0001"
    events.bot("ok")
    assert trigger_key("c1", events.events) == key
    events.user("again", "contact_human_agent")
    assert trigger_key("c1", events.events) != key
    no_id = [{"event": "user", "text": "x", "timestamp": 12.5}]
    assert trigger_key("c2", no_id) == "c2:12.5"
