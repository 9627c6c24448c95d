"""A locked or unreachable database is a clear StoreUnavailableError, and
nothing is half-written."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from actions.errors import StoreUnavailableError
from actions.store import migrate, queries, writes
from actions.store.db import SQLITE_BUSY_TIMEOUT_MS, engine_for, session_scope
from actions.store.schema import CANCELLABLE_STATUSES, Order, OrderStatusEvent

UNREACHABLE = "postgresql+psycopg2://postgres@127.0.0.1:1/shopbot"


@pytest.fixture
def exclusive_lock(seeded_engine: Engine) -> Iterator[sqlite3.Connection]:
    """Another connection holding ``BEGIN EXCLUSIVE`` on the seeded store."""
    path = seeded_engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def _cancellable(engine: Engine) -> tuple[int, str, int]:
    with session_scope(engine) as session:
        order = session.execute(
            select(Order).where(Order.status.in_(CANCELLABLE_STATUSES)).limit(1)
        ).scalar_one()
        events = session.execute(
            select(func.count(OrderStatusEvent.id)).where(
                OrderStatusEvent.order_id == order.id
            )
        ).scalar_one()
        return order.customer_id, order.number, events


def test_locked_sqlite_write_fails_cleanly(
    seeded_engine: Engine, as_of: datetime, exclusive_lock: sqlite3.Connection
) -> None:
    customer_id, number, events = _cancellable(seeded_engine)  # reads still work
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError, match="locked") as caught:
        with session_scope(seeded_engine) as session:
            writes.cancel_order(customer_id, number, as_of, session=session)
    elapsed = time.monotonic() - started
    assert isinstance(caught.value, ConnectionError)
    assert "check that the database is running and not locked" in str(caught.value)
    assert elapsed < SQLITE_BUSY_TIMEOUT_MS / 1000 + 3
    exclusive_lock.execute("ROLLBACK")
    with session_scope(seeded_engine) as session:
        order = queries.order_for_customer(customer_id, number, session=session)
    assert order is not None and order.status in CANCELLABLE_STATUSES
    assert len(order.events) == events


def test_locked_sqlite_complaint_writes_nothing(
    seeded_engine: Engine, as_of: datetime, exclusive_lock: sqlite3.Connection
) -> None:
    customer_id, _, _ = _cancellable(seeded_engine)
    with session_scope(seeded_engine) as session:
        before = queries.open_tickets(customer_id, session=session)
    with pytest.raises(StoreUnavailableError):
        with session_scope(seeded_engine) as session:
            writes.record_complaint(
                customer_id, "conv", "Late parcel", at=as_of, session=session
            )
    exclusive_lock.execute("ROLLBACK")
    with session_scope(seeded_engine) as session:
        assert queries.open_tickets(customer_id, session=session) == before


def test_unreachable_postgresql_query() -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError, match="unavailable") as caught:
        with session_scope(engine_for(UNREACHABLE)) as session:
            queries.get_customer(1, session=session)
    assert "127.0.0.1:1" in str(caught.value) or "port 1" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert time.monotonic() - started < 10


def test_unreachable_postgresql_migration() -> None:
    with pytest.raises(StoreUnavailableError, match="Cannot migrate"):
        migrate.upgrade(UNREACHABLE)
    with pytest.raises(StoreUnavailableError):
        migrate.current(UNREACHABLE)


def test_unopenable_sqlite_file(tmp_path: Path) -> None:
    folder = tmp_path / "file-not-folder"
    folder.write_text("x")
    url = f"sqlite:///{tmp_path / 'file-not-folder' / 'sub' / 'x.db'}"
    with pytest.raises(StoreUnavailableError, match="writable location"):
        migrate.upgrade(url)
