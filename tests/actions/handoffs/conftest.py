"""A temporary SQLite profile store with one customer, the same on a throw-away
PostgreSQL schema (skipped, with the reason, when the server is unreachable),
and packet builders."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from actions.escalation.events import TranscriptLine
from actions.escalation.packet import HandoffPacket, build_packet
from actions.escalation.risk import assess_risk
from actions.escalation.signals import ConversationSignals
from actions.store.db import engine_for, session_scope
from actions.store.schema import Base, Customer

NOW = datetime(2024, 5, 1, 12, 0, 0)
CUSTOMER_ID = 42
CUSTOMER_NAME = "Jo Example"
CUSTOMER_EMAIL = "jo.example@example.com"
POSTGRES_URL = os.environ.get(
    "SHOPBOT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def _add_customer(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(
            Customer(
                id=CUSTOMER_ID,
                name=CUSTOMER_NAME,
                email=CUSTOMER_EMAIL,
                loyalty_tier="gold",
                created_at=NOW,
            )
        )


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """URL of a fresh SQLite file with every table and customer 42."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = engine_for(url)
    Base.metadata.create_all(engine)
    _add_customer(engine)
    yield url
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Engine:
    """The engine of :func:`db_url`."""
    return engine_for(db_url)


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """An engine on a throw-away schema of the test PostgreSQL with customer 42,
    or skip naming why."""
    engine = create_engine(
        POSTGRES_URL, future=True, connect_args={"connect_timeout": 2}
    )
    try:
        with engine.connect():
            pass
    except Exception as error:  # noqa: BLE001 - any failure means "not here"
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}")
    schema = f"handoffs_{uuid.uuid4().hex[:10]}"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = engine.execution_options(schema_translate_map={None: schema})
    Base.metadata.create_all(scoped)
    _add_customer(scoped)
    yield scoped
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The SQLite store of :func:`engine`, then the PostgreSQL one."""
    name = "engine" if request.param == "sqlite" else "postgres_engine"
    engine: Engine = request.getfixturevalue(name)
    return engine


@pytest.fixture
def make_packet() -> Callable[..., HandoffPacket]:
    """Build a packet; keyword arguments override the defaults."""

    def make(
        conversation_id: str = "conv-1",
        customer_id: int | None = CUSTOMER_ID,
        last_message: str = "This is ridiculous, where is my parcel?",
        **overrides: Any,
    ) -> HandoffPacket:
        signals = ConversationSignals(user_turns=2, complaints=1, anger=0.35)
        profile = (
            None
            if customer_id is None
            else {
                "customer_id": customer_id,
                "name": CUSTOMER_NAME,
                "email": CUSTOMER_EMAIL,
                "tier": "gold",
                "order_count": 7,
                "lifetime_value_cents": 45600,
                "last_order": {"number": "ORD-10042", "status": "shipped"},
                "open_tickets": 1,
            }
        )
        arguments: dict[str, Any] = {
            "conversation_id": conversation_id,
            "reason": "risk_threshold",
            "risk": assess_risk(0.8 if customer_id else None, signals),
            "now": NOW,
            "profile": profile,
            "churn_probability": 0.8 if customer_id else None,
            "churn_reasons": [
                {
                    "feature": "Complain",
                    "text": "complained recently",
                    "contribution": 0.2,
                }
            ],
            "intent_ranking": [{"name": "complaint", "confidence": 0.9}],
            "transcript": [
                TranscriptLine("shopper", "hi", "2024-05-01T11:59:00+00:00"),
                TranscriptLine(
                    "bot", "Hi! How can I help?", "2024-05-01T11:59:01+00:00"
                ),
                TranscriptLine("shopper", last_message, "2024-05-01T11:59:30+00:00"),
            ],
            "retrieval_candidates": [
                {"question": "Where is my parcel?", "answer": "Track it.", "score": 0.7}
            ],
            "suggested_offer": {"code": "STAY10", "title": "10% off", "arm": "offer"},
        }
        arguments.update(overrides)
        return build_packet(**arguments)

    return make
