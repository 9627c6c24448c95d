"""Fixtures for the demo shop tests: a small seeded profile store and settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.demo_shop.app import create_app
from tests.bot.web.helpers import SEEDED_CUSTOMERS, make_settings


@pytest.fixture(scope="session")
def shop_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a migrated, seeded demo shop (SQLite), built once per session."""
    from actions.store import migrate
    from actions.store.db import engine_for, session_scope
    from actions.store.seed import load_rows, seed_demo_shop

    url = f"sqlite:///{tmp_path_factory.mktemp('demo-shop') / 'shop.db'}"
    migrate.upgrade(url)
    as_of = datetime.now(timezone.utc).replace(
        tzinfo=None, hour=0, minute=0, second=0, microsecond=0
    )
    with session_scope(engine_for(url)) as session:
        seed_demo_shop(
            session=session, rows=load_rows(), as_of=as_of, count=SEEDED_CUSTOMERS
        )
    yield url
    engine_for(url).dispose()


@pytest.fixture
def demo_roles(shop_store: str) -> dict[str, int]:
    """The walkthrough customers of the seeded shop: role -> customer id."""
    from actions.store.db import engine_for, session_scope
    from actions.store.seed import demo_customers

    with session_scope(engine_for(shop_store)) as session:
        return demo_customers(session)


@pytest.fixture
async def client(shop_store: str) -> AsyncIterator[TestClient]:
    """An HTTP client of the demo shop app (in-process, on a free port)."""
    async with TestClient(TestServer(create_app(make_settings(shop_store)))) as test:
        yield test


@pytest.fixture
async def storeless_client(tmp_path: Path) -> AsyncIterator[TestClient]:
    """The app pointed at a database file that was never migrated."""
    url = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    async with TestClient(TestServer(create_app(make_settings(url)))) as test:
        yield test
