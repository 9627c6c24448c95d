"""Accounting for lost and duplicated messages: reply frames per bot event,
tracker facts, and the verdict on each sent message."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bench.accounting import (
    SentRecord,
    TrackerEntry,
    TrackerFacts,
    bot_frames,
    judge,
    reconcile,
    tracker_facts,
)

NO_DATA = {
    "elements": None, "quick_replies": None, "buttons": None,
    "attachment": None, "image": None, "custom": None,
}  # fmt: skip


def user(client_id: str | None, intent: str = "greet") -> dict[str, Any]:
    metadata = {"model_id": "m", "shopbot_customer_id": None}
    if client_id is not None:
        metadata["shopbot_client_id"] = client_id
    return {
        "event": "user",
        "text": "hi",
        "metadata": metadata,
        "parse_data": {"intent": {"name": intent, "confidence": 0.99}},
    }


def bot(text: str | None = "Hello!", **data: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {}, "data": {**NO_DATA, **data}}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


@pytest.mark.parametrize(
    ("event", "frames"),
    [
        (bot("Hello!"), 1),
        (bot("Pick one", buttons=[{"title": "a", "payload": "/a"}]), 1),
        (bot(None, quick_replies=[{"title": "a", "payload": "/a"}]), 1),
        (bot(None, image="https://x/img.png"), 1),
        (bot("Look", image="https://x/img.png"), 2),
        (bot("Look", image="https://x/a.png", attachment="https://x/a.png"), 2),
        (bot("Look", attachment="https://x/doc.pdf"), 2),
        (bot(None, custom={"shopbot_handoff": {"id": 1}}), 0),
        (bot("card", elements=[{"title": "a"}, {"title": "b"}]), 3),
        ({**bot("from a person"), "metadata": {"shopbot_sender": "agent"}}, 0),
    ],
)
def test_bot_frames_follow_rasas_send_response(
    event: dict[str, Any], frames: int
) -> None:
    assert bot_frames(event) == frames


def test_tracker_facts_count_ids_replies_and_intents() -> None:
    events = [
        action("action_session_start"),
        {"event": "session_started"},
        action("action_listen"),
        user("m1"),
        action("action_greet"),
        bot("Hi!"),
        action("action_listen"),
        user("m2", "track_order"),
        bot("Your order ..."),
        bot(None, image="https://x/map.png"),
        user("m3", "inform"),
        action("action_default_fallback"),
        bot("Sorry?"),
        {"event": "rewind"},
        user("m3", "inform"),
        bot("Sorry?"),
        user(None),  # not from the widget: ignored
        bot("ignored"),
        user("m4"),
        bot("Hi!"),
    ]
    facts = tracker_facts(events)
    assert facts.entries["m1"] == TrackerEntry(1, 1, "greet")
    assert facts.entries["m2"] == TrackerEntry(1, 2, "track_order")
    assert facts.entries["m3"] == TrackerEntry(2, 2, "inform")
    assert facts.entries["m4"] == TrackerEntry(1, 1, "greet")
    assert facts.anomalous_actions == {"action_default_fallback": 1}
    assert not facts.paused


def test_session_start_utterances_belong_to_the_message_that_started_it() -> None:
    events = [
        user("m1"),
        bot("Hi!"),
        {"event": "session_started"},
        bot("Welcome back!"),  # sent while handling m2
        user("m2"),
        bot("Hi again!"),
        {"event": "pause"},
    ]
    facts = tracker_facts(events)
    assert facts.entries["m1"].bot_frames == 1
    assert facts.entries["m2"].bot_frames == 2
    assert facts.paused


def answered(
    client_id: str, *, acks: int = 1, replies: int = 1, **kw: Any
) -> SentRecord:
    return SentRecord(
        client_id, kw.pop("intent", "greet"), due=10.0, sent_at=10.0,
        ack_at=10.001 if acks else None, acks=acks,
        first_reply_at=10.2 if replies else None, replies=replies, **kw,
    )  # fmt: skip


def test_a_message_answered_once_is_neither_lost_nor_duplicated() -> None:
    verdict = judge(answered("m1"), TrackerEntry(1, 1, "greet"))
    assert verdict.lost == () and verdict.duplicated == () and not verdict.misrouted


@pytest.mark.parametrize(
    ("record", "entry", "lost", "duplicated"),
    [
        (answered("m"), None, ("not_in_tracker",), ()),
        (answered("m", acks=0), TrackerEntry(1, 1), ("not_acknowledged",), ()),
        (
            answered("m", replies=0),
            TrackerEntry(1, 1),
            ("not_answered", "reply_not_delivered"),
            (),
        ),
        (
            answered("m", replies=0),
            TrackerEntry(1, 0),
            ("not_answered", "no_reply_in_tracker"),
            (),
        ),
        (answered("m", replies=1), TrackerEntry(1, 2), ("reply_incomplete",), ()),
        (answered("m"), TrackerEntry(2, 1), (), ("in_tracker_twice",)),
        (answered("m", acks=2), TrackerEntry(1, 1), (), ("acknowledged_twice",)),
        (answered("m", replies=2), TrackerEntry(1, 1), (), ("reply_delivered_twice",)),
        (
            answered("m", acks=0, replies=0),
            None,
            ("not_in_tracker", "not_acknowledged", "not_answered"),
            (),
        ),
    ],
)
def test_each_way_of_losing_or_duplicating_is_named(
    record: SentRecord,
    entry: TrackerEntry | None,
    lost: tuple[str, ...],
    duplicated: tuple[str, ...],
) -> None:
    verdict = judge(record, entry)
    assert verdict.lost == lost and verdict.duplicated == duplicated


def test_a_message_parsed_as_another_intent_is_misrouted() -> None:
    assert judge(answered("m", intent="greet"), TrackerEntry(1, 1, "deny")).misrouted
    assert not judge(answered("m", intent="greet"), TrackerEntry(1, 1, None)).misrouted


def test_reconcile_judges_each_session_against_its_own_tracker() -> None:
    unsent = SentRecord("a3", "greet", due=12.0)
    records = {
        "A": [answered("a1"), answered("a2", replies=2), unsent],
        "B": [answered("b1"), answered("b2")],
        "C": [answered("c1")],  # its tracker could not be read
    }
    trackers = {
        "A": TrackerFacts({"a1": TrackerEntry(1, 1), "a2": TrackerEntry(1, 1)}),
        # b2 went into A's conversation: lost for B, a stray id in A.
        "B": TrackerFacts({"b1": TrackerEntry(1, 1), "a9": TrackerEntry(1, 1)}),
    }
    result = reconcile(records, trackers)
    assert [v.client_id for v in result.verdicts] == ["a1", "a2", "b1", "b2", "c1"]
    assert result.lost == 2 and result.duplicated == 1
    assert result.stray == 1
    assert result.reasons() == {
        "lost": {"not_in_tracker": 2},
        "duplicated": {"reply_delivered_twice": 1},
    }
    assert [e["id"] for e in result.examples()["lost"]] == ["b2", "c1"]
    assert result.examples()["lost"][0]["lost"] == ["not_in_tracker"]


def test_record_latencies() -> None:
    record = SentRecord(
        "m", "greet", due=9.5, sent_at=10.0, ack_at=10.002, first_reply_at=10.25
    )
    assert record.round_trip_ms == pytest.approx(250.0)
    assert record.from_due_ms == pytest.approx(750.0)
    assert record.ack_ms == pytest.approx(2.0)
    assert SentRecord("n", "greet", due=1.0).round_trip_ms is None
