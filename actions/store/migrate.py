"""Run the profile store's Alembic migrations from code (no alembic.ini needed).

The scripts live in ``actions/store/migrations``; :func:`alembic_config` builds
the Config that points at them, so the ``alembic`` command can be used as well::

    python -c "from actions.store.migrate import upgrade; upgrade('sqlite:///x.db')"
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DBAPIError, OperationalError

from actions.errors import StoreUnavailableError
from actions.store.db import describe_error, engine_for, redact

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic Config for the store's migrations on ``url``.

    Args:
        url: the SQLAlchemy database URL.

    Returns:
        The Config (no ini file behind it).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates "%": URL-encoded passwords must be escaped.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _unavailable(url: str, error: DBAPIError) -> StoreUnavailableError:
    return StoreUnavailableError(
        f"Cannot migrate the profile store '{redact(url)}' "
        f"({describe_error(error)}); check that the database "
        "is running, reachable and not locked, then retry."
    )


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``.

    Args:
        url: the SQLAlchemy database URL.
        revision: the target revision ("head" for the newest).

    Raises:
        StoreUnavailableError: the database cannot be reached or is locked.
    """
    logger.info("Migrating the profile store '%s' to %s.", redact(url), revision)
    try:
        command.upgrade(alembic_config(url), revision)
    except OperationalError as error:
        raise _unavailable(url, error) from error


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at.

    Args:
        url: the SQLAlchemy database URL.

    Returns:
        The revision id, or None for a database never migrated.

    Raises:
        StoreUnavailableError: the database cannot be reached or is locked.
    """
    try:
        with engine_for(url).connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise _unavailable(url, error) from error
