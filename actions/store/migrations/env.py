"""Alembic environment of the profile store, run by :mod:`actions.store.migrate`.

The database URL is the Config's ``sqlalchemy.url`` when set, else the
action-server settings (``SHOPBOT_DATABASE_URL``). SQLite migrations run in
batch mode, since SQLite's ALTER TABLE cannot change most things in place.
This folder is not a package on purpose: rasa-sdk must not import this file.
"""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy.engine import Connection, make_url

from actions.settings import get_settings
from actions.store.db import engine_for
from actions.store.schema import Base

logger = logging.getLogger("actions.store.migrations")

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Write the SQL to stdout instead of running it (``--sql``)."""
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=make_url(url).get_backend_name() == "sqlite",
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a live connection (given, or opened from the URL)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    with engine_for(_url()).connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
