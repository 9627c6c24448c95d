"""Fixtures for the profile store tests: migrated SQLite files, a small seeded
shop (copied per test from one seeded template), and a throw-away PostgreSQL
database (skipped, with the reason, when the server is unreachable).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from actions.store import migrate
from actions.store.churn_rows import ChurnRow
from actions.store.db import engine_for, session_scope
from actions.store.seed import load_rows, seed_demo_shop

POSTGRES_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
AS_OF = datetime(2025, 6, 1)
SMALL_COUNT = 20


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def as_of() -> datetime:
    """The demo shop's "now" in these tests."""
    return AS_OF


@pytest.fixture(scope="session")
def churn_rows() -> list[ChurnRow]:
    """Every row of the repository's churn CSV."""
    return load_rows()


@pytest.fixture
def migrated_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty SQLite store."""
    url = sqlite_url(tmp_path / "store.db")
    migrate.upgrade(url)
    yield url
    engine_for(url).dispose()


@pytest.fixture(scope="session")
def seeded_template(
    tmp_path_factory: pytest.TempPathFactory, churn_rows: list[ChurnRow]
) -> Path:
    """An SQLite file with the small demo shop, checkpointed so it can be copied."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    url = sqlite_url(path)
    migrate.upgrade(url)
    with session_scope(engine_for(url)) as session:
        seed_demo_shop(session=session, rows=churn_rows, as_of=AS_OF, count=SMALL_COUNT)
    engine = engine_for(url)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def seeded_engine(seeded_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the small seeded shop."""
    path = tmp_path / "seeded.db"
    shutil.copyfile(seeded_template, path)
    engine = engine_for(sqlite_url(path))
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A uniquely named, empty PostgreSQL database, dropped afterwards."""
    admin = create_engine(
        POSTGRES_SERVER,
        future=True,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 2},
    )
    name = f"shopbot_store_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        first_line = str(error.orig).strip().splitlines()[0]
        pytest.skip(f"PostgreSQL at {POSTGRES_SERVER} unreachable: {first_line}")
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
