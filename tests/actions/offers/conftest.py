"""Fixtures for the offers tests: fresh profile stores on SQLite files and PostgreSQL.

The PostgreSQL store lives in a uniquely named schema of the ``test`` database at
127.0.0.1:5432 (user ``postgres``), dropped afterwards; the tests using it skip,
naming the reason, when that server cannot be reached.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from actions.store.db import engine_for, session_scope
from actions.store.schema import Base, Customer, Offer

POSTGRES_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
NOW = datetime(2025, 3, 14, 12, 0, 0)


def _sqlite_store(folder: Path) -> Iterator[Engine]:
    engine = engine_for(f"sqlite:///{folder / 'offers.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _postgres_store() -> Iterator[Engine]:
    admin = create_engine(
        POSTGRES_SERVER,
        future=True,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 2},
    )
    schema = f"offers_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        first_line = str(error.orig).strip().splitlines()[0]
        pytest.skip(f"PostgreSQL at {POSTGRES_SERVER} unreachable: {first_line}")
    engine = engine_for(f"{POSTGRES_SERVER}?options=-csearch_path%3D{schema}")
    try:
        Base.metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty profile store, on a temporary SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_store(tmp_path)
    else:
        yield from _postgres_store()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty profile store in a temporary SQLite file."""
    yield from _sqlite_store(tmp_path)


@pytest.fixture
def add_customers(engine: Engine) -> Callable[..., list[int]]:
    """Insert customers ``first``..``first + count - 1`` with a tier; returns ids."""

    def add(count: int, tier: str = "silver", first: int = 1) -> list[int]:
        ids = list(range(first, first + count))
        with session_scope(engine) as session:
            for customer_id in ids:
                session.add(
                    Customer(
                        id=customer_id,
                        name=f"Shopper {customer_id}",
                        email=f"shopper{customer_id}@example.test",
                        loyalty_tier=tier,
                        personalisation_consent=True,
                        created_at=NOW,
                    )
                )
        return ids

    return add


@pytest.fixture
def add_offer(engine: Engine) -> Callable[..., int]:
    """Insert an offer row (defaults: active general percent discount); returns id."""

    def add(code: str, **columns: object) -> int:
        values: dict[str, object] = {
            "title": f"Offer {code}",
            "description": "Test offer.",
            "kind": "percent_discount",
            "value": 5.0,
            "per_customer_limit": 1,
            "total_budget": 100,
            "granted_count": 0,
            "min_orders": 0,
            "active": True,
        }
        values.update(columns)
        with session_scope(engine) as session:
            offer = Offer(code=code, **values)
            session.add(offer)
            session.flush()
            return int(offer.id)

    return add
