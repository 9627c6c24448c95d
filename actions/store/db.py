"""Engines and short-lived sessions for the profile store.

Engines are created on first use (never at import time) and cached per URL.
SQLite gets WAL journaling, a busy timeout and foreign keys, so the action
server's threads can read while one writes. Failures to reach the database, or a
lock held past the busy timeout, surface as :class:`StoreUnavailableError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from actions.errors import StoreUnavailableError
from actions.settings import get_settings

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 2000


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection SQLite settings: WAL, busy timeout, foreign keys."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def redact(url: str) -> str:
    """The URL with any password hidden, for logs and messages."""
    return str(make_url(url).render_as_string(hide_password=True))


def describe_error(error: DBAPIError) -> str:
    """The driver error's class and message on one line, for error messages."""
    return f"{type(error.orig).__name__}: {' '.join(str(error.orig).split())}"


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """The cached engine of a database URL.

    Args:
        url: an SQLAlchemy URL, e.g. ``sqlite:///var/shopbot.db`` or
            ``postgresql+psycopg2://user@host/db``.

    Returns:
        The engine; for a file SQLite URL the parent folder is created.

    Raises:
        StoreUnavailableError: that folder cannot be created.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
        if parsed.database and parsed.database != ":memory:":
            # SQLAlchemy 1.4 gives file SQLite a NullPool: a new connection, four
            # PRAGMAs and a WAL checkpoint per session. Keep connections instead
            # (2.0's default); check_same_thread=False lets threads share them.
            kwargs["poolclass"] = QueuePool
            kwargs["pool_size"] = 10
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreUnavailableError(
                    f"Cannot create the folder '{folder}' of the SQLite database "
                    f"({error.strerror}); point SHOPBOT_DATABASE_URL at a writable "
                    "location."
                ) from error
    else:
        kwargs["connect_args"] = {"connect_timeout": 3}
        kwargs["pool_size"] = 10
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    logger.info("Opened profile store '%s'.", redact(url))
    return engine


def default_engine() -> Engine:
    """The engine of the configured database (``SHOPBOT_DATABASE_URL``)."""
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A short-lived session: committed on success, rolled back on error.

    Args:
        engine: the engine to use; the configured one when None.

    Yields:
        The session.

    Raises:
        StoreUnavailableError: the database cannot be reached or stays locked.
    """
    engine = engine or default_engine()
    session = sessionmaker(bind=engine, future=True, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except (OperationalError, DBAPIError) as error:
        session.rollback()
        if isinstance(error, OperationalError) or error.connection_invalidated:
            raise StoreUnavailableError(
                f"The profile store '{redact(str(engine.url))}' is unavailable "
                f"({describe_error(error)}); check that the "
                "database is running and not locked, then retry."
            ) from error
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
