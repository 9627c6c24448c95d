"""The Alembic migrations build exactly the schema of actions.store.schema."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from actions.store import migrate
from actions.store.db import engine_for
from actions.store.schema import Base


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
