"""End-of-chat ratings: validation, stale references, the summary."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.store.db import engine_for, session_scope
from actions.store.errors import StoreInputError
from actions.store.ratings import ratings_summary, save_rating
from actions.store.schema import ChatRating, Customer, Handoff

NOW = datetime(2026, 11, 22, 10, 0, 0)


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    """A migrated store with customer 7 and handoff 3 (of customer 7)."""
    engine = engine_for(migrated_url)
    with session_scope(engine) as session:
        session.add(
            Customer(
                id=7, name="R. Ater", email="r@example.test", loyalty_tier="silver",
                personalisation_consent=True, created_at=NOW,
            )
        )  # fmt: skip
        session.flush()
        session.add(
            Handoff(
                id=3, key="conv-1:m1", conversation_id="conv-1", customer_id=7,
                reason="asked_for_person", status="returned", packet="{}",
                created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
    return engine


def _save(engine: Engine, **change: Any) -> int:
    arguments: dict[str, Any] = {
        "conversation_id": "conv-1",
        "customer_id": 7,
        "handoff_id": 3,
        "score": 5,
        "comment": None,
        "now": NOW,
    }
    arguments.update(change)
    with session_scope(engine) as session:
        return save_rating(session=session, **arguments)


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with session_scope(engine) as session:
        return [
            (r.conversation_id, r.customer_id, r.handoff_id, r.score, r.comment,
             r.created_at)
            for r in session.execute(select(ChatRating).order_by(ChatRating.id))
            .scalars()
        ]  # fmt: skip


def test_a_rating_is_stored_with_its_references(engine: Engine) -> None:
    aware = datetime(2026, 11, 22, 11, 0, 0, tzinfo=timezone.utc)
    first = _save(engine, comment="  Quick and kind.  ", now=aware)
    second = _save(engine, customer_id=None, handoff_id=None, score=1, comment="  ")
    assert second > first > 0
    assert _rows(engine) == [
        ("conv-1", 7, 3, 5, "Quick and kind.", datetime(2026, 11, 22, 11, 0, 0)),
        ("conv-1", None, None, 1, None, NOW),
    ]


def test_unknown_customers_and_handoffs_are_stored_as_none(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _save(engine, customer_id=999, handoff_id=998, score=3)
    assert _rows(engine) == [("conv-1", None, None, 3, None, NOW)]
    assert "unknown customer 999" in caplog.text
    assert "unknown handoff 998" in caplog.text


def test_the_longest_comment_fits(engine: Engine) -> None:
    _save(engine, comment=" " + "c" * 1000 + "\n")
    assert _rows(engine)[0][4] == "c" * 1000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"score": 0}, "score is 0; pass a whole number from 1 to 5"),
        ({"score": 6}, "score is 6"),
        ({"score": -1}, "score is -1"),
        ({"score": True}, "score is True"),
        ({"score": 4.0}, "score is 4.0"),
        ({"score": "5"}, "score is '5'"),
        ({"score": None}, "score is None"),
        ({"comment": "c" * 1001}, "1001 characters; keep it to 1000"),
        ({"comment": 42}, "comment is a int; pass text or None"),
        ({"conversation_id": ""}, "conversation id is ''"),
        ({"conversation_id": "   "}, "conversation id is '   '"),
        ({"conversation_id": "x" * 256}, "1 to 255 characters"),
        ({"conversation_id": None}, "conversation id is None"),
        ({"customer_id": "7"}, "customer_id is '7'; pass a positive id or None"),
        ({"customer_id": 0}, "customer_id is 0"),
        ({"customer_id": False}, "customer_id is False"),
        ({"handoff_id": -3}, "handoff_id is -3"),
    ],
)
def test_bad_ratings_are_refused(
    engine: Engine, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(StoreInputError, match=message) as caught:
        _save(engine, **change)
    assert isinstance(caught.value, ValueError)
    assert _rows(engine) == []


def test_summary(engine: Engine) -> None:
    with session_scope(engine) as session:
        empty = ratings_summary(session=session)
    assert empty == {
        "count": 0,
        "mean": None,
        "histogram": {1: 0, 2: 0, 3: 0, 4: 0, 5: 0},
    }
    for score in (5, 5, 4, 1):
        _save(engine, score=score)
    with session_scope(engine) as session:
        summary = ratings_summary(session=session)
    assert summary["count"] == 4
    assert summary["mean"] == pytest.approx(3.75)
    assert summary["histogram"] == {1: 1, 2: 0, 3: 0, 4: 1, 5: 2}
