"""The handoff packet: building, JSON round trip, no metadata, clear errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from actions.escalation.errors import PacketError
from actions.escalation.events import latest_intent_ranking, transcript
from actions.escalation.packet import (
    PACKET_SCHEMA_VERSION,
    HandoffPacket,
    ProfileSummary,
    SuggestedOffer,
    build_packet,
)
from actions.escalation.risk import assess_risk
from actions.escalation.signals import conversation_signals

TOKEN = "tok.eyJjdXN0b21lciI6NDJ9.c2VjcmV0LXNpZ25hdHVyZQ"
NOW = datetime(2024, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))


@dataclass(frozen=True)
class Reason:
    """Shaped like actions.churn.reasons.Reason."""

    feature: str
    text: str
    contribution: float


PROFILE = {
    "id": 42,
    "name": "Jo Example",
    "email": "jo@example.com",
    "loyalty_tier": "gold",
    "order_count": 12,
    "lifetime_value_cents": 123450,
    "currency": "EUR",
    "last_order": {
        "number": "ORD-10042",
        "status": "delivered",
        "placed_at": datetime(2024, 4, 20, 9, 0),
    },
    "open_tickets": 1,
}


def _packet(events: Any, **overrides: Any) -> HandoffPacket:
    events.session()
    events.user("Where is ORD-10042?", "track_order", 0.9)
    events.bot("It is on its way.")
    events.user(
        "This is the WORST!!! Cancel my account, jo@example.com",
        "complaint",
        0.81,
        [("complaint", 0.81), ("delete_account", 0.12), ("track_order", 0.07)],
    )
    risk = assess_risk(0.8, conversation_signals(events.events))
    arguments: dict[str, Any] = {
        "conversation_id": "conv-1",
        "reason": "risk_threshold",
        "risk": risk,
        "now": NOW,
        "profile": PROFILE,
        "churn_probability": 0.8,
        "churn_reasons": [
            Reason("Complain", "complained in the last month", 0.21),
            {
                "feature": "Tenure",
                "text": "short tenure (1 month)",
                "contribution": 0.1,
            },
        ],
        "intent_ranking": latest_intent_ranking(events.events),
        "transcript": transcript(events.events),
        "retrieval_candidates": [
            {
                "question": "Where is my order?",
                "answer": "Track it here.",
                "score": 0.82,
            }
        ],
        "suggested_offer": {"code": "STAY10", "title": "10% off", "arm": "offer"},
    }
    arguments.update(overrides)
    return build_packet(**arguments)


def test_packet_holds_everything_the_agent_needs(events: Any) -> None:
    packet = _packet(events)
    assert packet.schema_version == PACKET_SCHEMA_VERSION
    assert packet.customer_id == 42
    assert packet.profile == ProfileSummary(
        customer_id=42,
        name="Jo Example",
        tier="gold",
        order_count=12,
        lifetime_value_cents=123450,
        currency="EUR",
        last_order=packet.profile.last_order if packet.profile else None,
        open_tickets=1,
    )
    assert packet.profile and packet.profile.last_order
    assert packet.profile.last_order.placed_at == "2024-04-20T09:00:00"
    assert packet.created_at == "2024-05-01T10:30:00+00:00"
    assert [r.feature for r in packet.churn_reasons] == ["Complain", "Tenure"]
    assert packet.intent_ranking[0].name == "complaint"
    assert packet.suggested_offer == SuggestedOffer("STAY10", "10% off", "offer")
    assert packet.risk.score >= 0.6
    assert packet.last_shopper_text().startswith("This is the WORST!!!")  # type: ignore[union-attr]


def test_json_round_trip(events: Any) -> None:
    packet = _packet(events)
    text = packet.to_json()
    assert json.loads(text)["schema_version"] == 1
    assert HandoffPacket.from_json(text) == packet
    assert HandoffPacket.from_dict(json.loads(text)).to_json() == text


def test_no_metadata_or_email_field_leaks_but_texts_stay_as_typed(events: Any) -> None:
    packet = _packet(events)
    text = packet.to_json()
    assert TOKEN not in text
    assert "metadata" not in text
    assert '"email"' not in text
    # The shopper typed their email: the agent sees the message as typed.
    assert "Cancel my account, jo@example.com" in text


def test_anonymous_packet_without_optional_parts(events: Any) -> None:
    packet = _packet(
        events,
        reason="asked_for_person",
        profile=None,
        churn_probability=None,
        churn_reasons=[],
        retrieval_candidates=[],
        suggested_offer=None,
    )
    assert packet.customer_id is None
    assert HandoffPacket.from_json(packet.to_json()) == packet


def test_long_lists_are_cut(events: Any) -> None:
    for i in range(70):
        events.user(f"line {i}", "greet")
    packet = _packet(
        events,
        transcript=transcript(events.events, limit=1000),
        retrieval_candidates=[
            {"question": f"q{i}", "answer": "a", "score": 0.1} for i in range(9)
        ],
    )
    # The transcript argument is read before _packet adds its own messages.
    assert len(packet.transcript) == 50
    assert packet.transcript[0].text == "line 20"
    assert packet.transcript[-1].text == "line 69"
    assert len(packet.retrieval_candidates) == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "bored"}, "Handoff reason is 'bored'"),
        ({"conversation_id": ""}, "conversation_id is empty"),
        ({"churn_probability": 1.2}, "churn_probability is 1.2"),
        ({"profile": {"id": 1, "tier": "gold"}}, "profile has no 'name'"),
        ({"profile": {"id": "1", "name": "A", "tier": "g"}}, "customer_id is '1'"),
        ({"intent_ranking": [{"name": "x", "confidence": 2}]}, "confidence is 2"),
        (
            {"transcript": [{"speaker": "agent", "text": "hi"}]},
            "use 'shopper' or 'bot'",
        ),
        ({"suggested_offer": {"code": "A", "title": "B", "arm": "x"}}, "arm is 'x'"),
        ({"churn_reasons": "Complain"}, "churn_reasons is str; expected a list"),
        ({"retrieval_candidates": [3]}, r"retrieval_candidates\[0\] is int"),
    ],
)
def test_bad_inputs_are_refused_clearly(
    events: Any, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(PacketError, match=message) as caught:
        _packet(events, **change)
    assert isinstance(caught.value, ValueError)


def test_bad_json_and_unknown_versions_are_refused(events: Any) -> None:
    with pytest.raises(PacketError, match="not valid JSON"):
        HandoffPacket.from_json("{not json")
    data = _packet(events).to_dict()
    data["schema_version"] = 2
    with pytest.raises(PacketError, match="version 2 is not supported"):
        HandoffPacket.from_dict(data)
    del data["schema_version"]
    with pytest.raises(PacketError, match="no 'schema_version'"):
        HandoffPacket.from_dict(data)
    data = _packet(events).to_dict()
    data["risk"] = {"reasons": []}
    with pytest.raises(PacketError, match="risk is malformed"):
        HandoffPacket.from_dict(data)
    with pytest.raises(PacketError, match="expected a mapping"):
        HandoffPacket.from_dict([1, 2])
