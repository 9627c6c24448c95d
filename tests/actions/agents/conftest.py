"""A migrated, empty SQLite profile store for the agent account tests, and the
same on a throw-away PostgreSQL database (skipped, naming why, when the server
is unreachable)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from actions.store import migrate
from actions.store.db import engine_for

POSTGRES_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@pytest.fixture
def agents_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated, empty SQLite store."""
    url = f"sqlite:///{tmp_path / 'agents.db'}"
    migrate.upgrade(url)
    yield url
    engine_for(url).dispose()


@pytest.fixture
def agents_engine(agents_url: str) -> Engine:
    """The engine of :func:`agents_url`."""
    return engine_for(agents_url)


@pytest.fixture
def postgres_agents_engine() -> Iterator[Engine]:
    """A migrated, uniquely named PostgreSQL database, dropped afterwards."""
    admin = create_engine(
        POSTGRES_SERVER,
        future=True,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 2},
    )
    name = f"shopbot_agents_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        first_line = str(error.orig).strip().splitlines()[0]
        pytest.skip(f"PostgreSQL at {POSTGRES_SERVER} unreachable: {first_line}")
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    try:
        migrate.upgrade(url)
        yield engine_for(url)
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_agents_engine(request: pytest.FixtureRequest) -> Engine:
    """The SQLite store, then the PostgreSQL one."""
    name = "agents_engine" if request.param == "sqlite" else "postgres_agents_engine"
    engine: Engine = request.getfixturevalue(name)
    return engine
