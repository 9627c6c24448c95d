"""The Alembic migrations build exactly the schema of actions.store.schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from actions.store import migrate
from actions.store.db import engine_for, session_scope
from actions.store.schema import AgentAccount, Base, ChatRating


def _differences(url: str) -> list[object]:
    with engine_for(url).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def _head() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def test_sqlite_upgrade_matches_metadata(migrated_url: str) -> None:
    assert _differences(migrated_url) == []
    assert migrate.current(migrated_url) == _head()
    tables = set(inspect(engine_for(migrated_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(migrated_url: str) -> None:
    migrate.upgrade(migrated_url)
    assert migrate.current(migrated_url) == _head()
    assert _differences(migrated_url) == []


def test_fresh_database_has_no_revision(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert migrate.current(url) is None
    assert _differences(url) != []  # the comparison can fail


def test_downgrade_to_base_removes_every_table(migrated_url: str) -> None:
    command.downgrade(migrate.alembic_config(migrated_url), "base")
    engine = engine_for(migrated_url)
    engine.dispose()
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrate.current(migrated_url) is None


def test_postgresql_upgrade_matches_metadata(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    assert migrate.current(postgres_url) == _head()
    assert _differences(postgres_url) == []


# --- 0002: agent accounts and chat ratings ---------------------------------------

NOW = datetime(2026, 11, 22, 10, 0, 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, never migrated store: an SQLite file, then PostgreSQL."""
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_url")
        return
    url = f"sqlite:///{tmp_path / 'steps.db'}"
    yield url
    engine_for(url).dispose()


def _tables(url: str) -> set[str]:
    engine = engine_for(url)
    engine.dispose()  # a fresh connection sees the latest schema
    return set(inspect(engine).get_table_names())


def test_0002_upgrades_a_store_with_data_and_downgrades_cleanly(
    empty_url: str,
) -> None:
    config = migrate.alembic_config(empty_url)
    migrate.upgrade(empty_url, "0001")
    assert migrate.current(empty_url) == "0001"
    assert not {"agent_accounts", "chat_ratings"} & _tables(empty_url)
    engine = engine_for(empty_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (id, name, email, loyalty_tier, "
                "personalisation_consent, created_at) VALUES "
                "(1, 'A', 'a@example.test', 'gold', true, :now)"
            ),
            {"now": NOW},
        )
    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == "0002" == _head()
    assert {"agent_accounts", "chat_ratings"} <= _tables(empty_url)
    assert _differences(empty_url) == []
    with session_scope(engine) as session:
        session.add(
            AgentAccount(
                username="alex", display_name="Alex", password_hash="x",
                created_at=NOW,
            )
        )  # fmt: skip
        session.add(
            ChatRating(conversation_id="c1", customer_id=1, score=5, created_at=NOW)
        )
    with session_scope(engine) as session:
        account = session.execute(select(AgentAccount)).scalar_one()
        assert account.active is True and account.last_login_at is None

    command.downgrade(config, "0001")
    assert migrate.current(empty_url) == "0001"
    assert not {"agent_accounts", "chat_ratings"} & _tables(empty_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM customers")).scalar() == 1
    migrate.upgrade(empty_url)
    assert _differences(empty_url) == []


BAD_ROWS: dict[str, Callable[[], object]] = {
    "score-0": lambda: ChatRating(conversation_id="c", score=0, created_at=NOW),
    "score-6": lambda: ChatRating(conversation_id="c", score=6, created_at=NOW),
    "unknown-customer": lambda: ChatRating(
        conversation_id="c", score=5, customer_id=99, created_at=NOW
    ),
    "unknown-handoff": lambda: ChatRating(
        conversation_id="c", score=5, handoff_id=99, created_at=NOW
    ),
    "dup-username": lambda: AgentAccount(
        username="alex", display_name="Again", password_hash="x", created_at=NOW
    ),
}


@pytest.mark.parametrize("bad", sorted(BAD_ROWS))
def test_0002_constraints_hold_in_the_database(empty_url: str, bad: str) -> None:
    migrate.upgrade(empty_url)
    engine = engine_for(empty_url)
    with session_scope(engine) as session:
        session.add(
            AgentAccount(
                username="alex", display_name="Alex", password_hash="x",
                created_at=NOW,
            )
        )  # fmt: skip
    with pytest.raises(IntegrityError):
        with session_scope(engine) as session:
            session.add(BAD_ROWS[bad]())


def test_postgresql_downgrade_to_base_removes_every_table(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    command.downgrade(migrate.alembic_config(postgres_url), "base")
    assert _tables(postgres_url) <= {"alembic_version"}
    assert migrate.current(postgres_url) is None
