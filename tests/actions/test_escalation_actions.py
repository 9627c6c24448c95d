"""Complaints and handoffs end to end in the action server's code: the store,
the churn model, offers (suggested by the bot, granted by the agent) and the
handoff packet, no mocks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.escalation.packet import HandoffPacket
from actions.escalation_flow import escalate_if_at_risk
from actions.handoffs.offers import grant_suggested_offer
from actions.handoffs.store import claim_handoff, list_handoffs
from actions.store.db import engine_for, session_scope
from actions.store.schema import OfferAssignment, OfferGrant
from actions.support import ActionHandleComplaint, ActionHandoff
from tests.actions.personal import texts, token_for, tracker

REPO_ROOT = Path(__file__).resolve().parents[2]
ANGRY = (
    "This is ridiculous, the WORST service ever, I'm done with you and switching "
    "to another shop"
)


@pytest.fixture(autouse=True)
def _churn_model(
    churn_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("SHOPBOT_CHURN_MODEL", str(churn_model_dir))
    yield


def _handoffs(url: str) -> list[Any]:
    with session_scope(engine_for(url)) as session:
        return list_handoffs(session=session)


def _paused(events: list[dict[str, Any]]) -> bool:
    return any(e["event"] == "pause" for e in events)


async def test_a_high_risk_customer_who_complains_is_escalated_with_a_full_packet(
    store_url: str, demo: dict[str, int], domain: dict[str, Any], monkeypatch: Any
) -> None:
    from actions.settings import get_settings

    monkeypatch.setenv("SHOPBOT_OFFER_HOLDOUT", "0")
    get_settings.cache_clear()
    customer = demo["high_risk"]
    complaint = tracker(ANGRY, "complaint", token=token_for(customer), sender="hr-1")
    dispatcher = CollectingDispatcher()
    events = await ActionHandleComplaint().run(dispatcher, complaint, domain)

    assert _paused(events)
    said = texts(dispatcher)
    assert "person from our customer service team" in said
    [handoff] = _handoffs(store_url)
    packet: HandoffPacket = handoff.packet
    assert packet.reason == "risk_threshold"
    assert packet.profile is not None and packet.profile.customer_id == customer
    assert packet.churn_probability is not None and packet.churn_probability > 0.5
    assert packet.churn_reasons
    assert packet.intent_ranking[0].name == "complaint"
    assert packet.transcript[-1].text == ANGRY
    assert packet.risk.score >= get_settings().escalation_threshold
    assert packet.suggested_offer is not None and packet.suggested_offer.arm == "offer"
    if os.environ.get("SHOPBOT_RETRIEVAL_INDEX"):
        assert packet.retrieval_candidates
    assert "shopbot_token" not in json.dumps(packet.to_dict())


async def test_the_bot_only_suggests_the_offer_and_the_agent_grants_it(
    store_url: str, demo: dict[str, int], domain: dict[str, Any], monkeypatch: Any
) -> None:
    from actions.settings import get_settings

    monkeypatch.setenv("SHOPBOT_OFFER_HOLDOUT", "0")
    get_settings.cache_clear()
    customer = demo["high_risk"]
    complaint = tracker(ANGRY, "complaint", token=token_for(customer), sender="hr-2")
    dispatcher = CollectingDispatcher()
    await ActionHandleComplaint().run(dispatcher, complaint, domain)
    [handoff] = _handoffs(store_url)
    offer = handoff.packet.suggested_offer
    assert offer is not None and offer.arm == "offer"
    said = texts(dispatcher)
    assert offer.code not in said and "use code" not in said
    assert _grants(store_url, "hr-2") == []
    assert _assignments(store_url, "hr-2") == ["offer"]

    now = datetime.now(timezone.utc)
    with session_scope(engine_for(store_url)) as session:
        claim_handoff(session=session, handoff_id=handoff.id, agent="sam", now=now)
        grant = grant_suggested_offer(
            session=session, handoff_id=handoff.id, agent="sam", now=now
        )
    assert (grant.code, grant.title, grant.already_granted) == (
        offer.code,
        offer.title,
        False,
    )
    assert _grants(store_url, "hr-2") == [
        (grant.grant_id, customer, f"agent sam, handoff {handoff.id}")
    ]


def _grants(url: str, conversation: str) -> list[tuple[int, int, str]]:
    with session_scope(engine_for(url)) as session:
        rows = session.execute(
            select(OfferGrant.id, OfferGrant.customer_id, OfferGrant.reason).where(
                OfferGrant.conversation_id == conversation
            )
        ).all()
    return [tuple(row) for row in rows]


def _assignments(url: str, conversation: str) -> list[str]:
    with session_scope(engine_for(url)) as session:
        return list(
            session.execute(
                select(OfferAssignment.arm).where(
                    OfferAssignment.conversation_id == conversation
                )
            ).scalars()
        )


async def test_a_held_out_customer_is_escalated_but_gets_no_offer(
    store_url: str, demo: dict[str, int], domain: dict[str, Any], monkeypatch: Any
) -> None:
    from actions.settings import get_settings

    monkeypatch.setenv("SHOPBOT_OFFER_HOLDOUT", "1")
    get_settings.cache_clear()
    complaint = tracker(ANGRY, "complaint", token=token_for(demo["high_risk"]))
    dispatcher = CollectingDispatcher()
    events = await ActionHandleComplaint().run(dispatcher, complaint, domain)
    assert _paused(events)
    assert "use code" not in texts(dispatcher)
    [handoff] = _handoffs(store_url)
    offer = handoff.packet.suggested_offer
    assert offer is not None and offer.arm == "holdout"


async def test_a_calm_loyal_customer_stays_with_the_bot(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    calm = tracker("where is my order?", "track_order", token=token_for(demo["loyal"]))
    assert escalate_if_at_risk(CollectingDispatcher(), calm, trigger="test") == []
    assert _handoffs(store_url) == []


async def test_an_anonymous_shopper_asking_for_a_person_gets_one_without_profile(
    store_url: str, domain: dict[str, Any]
) -> None:
    ask = tracker("I want to talk to a human", "contact_human_agent", sender="anon-7")
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, ask, domain)
    assert _paused(events)
    [handoff] = _handoffs(store_url)
    assert handoff.packet.reason == "asked_for_person"
    assert handoff.packet.profile is None and handoff.packet.suggested_offer is None
    assert handoff.conversation_id == "anon-7"


async def test_a_handoff_during_an_outage_is_spooled_and_the_shopper_told(
    domain: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    from actions.settings import get_settings

    spool = tmp_path / "spool.jsonl"
    monkeypatch.setenv(
        "SHOPBOT_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:1/none"
    )
    monkeypatch.setenv("SHOPBOT_HANDOFF_SPOOL", str(spool))
    get_settings.cache_clear()
    ask = tracker("a person please", "contact_human_agent", token=token_for(3))
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, ask, domain)
    assert _paused(events)
    assert "your request is saved" in texts(dispatcher)
    [line] = spool.read_text(encoding="utf-8").splitlines()
    assert "a person please" in line
