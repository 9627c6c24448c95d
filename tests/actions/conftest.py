"""Fixtures for action tests: the real domain, fresh dispatchers, JSON trackers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import shop
from actions.constants import ENV_SHOP_CONFIG

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
CANDIDATE = "__CANDIDATE__"


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The project's domain.yml as the action server receives it from Rasa."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(REPO_ROOT / "domain.yml")).as_dict()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """A dispatcher that collects the messages an action sends."""
    return CollectingDispatcher()


@pytest.fixture
def load_tracker() -> Callable[..., Tracker]:
    """Build a Tracker from a JSON file in tests/actions/data.

    The returned function takes the file stem and an optional ``candidate``
    that replaces every ``__CANDIDATE__`` (what the shopper typed).
    """

    def load(name: str, candidate: str | None = None) -> Tracker:
        text = (DATA / f"{name}.json").read_text(encoding="utf-8")
        state = json.loads(text)
        if candidate is not None:
            state = json.loads(text.replace(CANDIDATE, _json_escape(candidate)))
        return Tracker.from_dict(state)

    return load


def _json_escape(text: str) -> str:
    return json.dumps(text)[1:-1]


@pytest.fixture(autouse=True)
def _fresh_shop_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Use the repository's shop.yml unless a test points elsewhere; no stale cache."""
    monkeypatch.delenv(ENV_SHOP_CONFIG, raising=False)
    shop._cached.cache_clear()
    yield
    shop._cached.cache_clear()


# --- The profile store ----------------------------------------------------------
# Seeded as of today, so what the store says about "the last 30 days" is what
# the actions (which use the clock) see.
STORE_AS_OF = datetime.now(timezone.utc).replace(
    tzinfo=None, hour=0, minute=0, second=0, microsecond=0
)
STORE_CUSTOMERS = 300


@pytest.fixture(autouse=True)
def _private_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every action test gets its own (empty, unmigrated) store and spool.

    Nothing a test does reaches the repository's var/shopbot.db.
    """
    from actions.settings import get_settings

    monkeypatch.setenv("SHOPBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("SHOPBOT_HANDOFF_SPOOL", str(tmp_path / "handoffs.jsonl"))
    monkeypatch.delenv("SHOPBOT_TOKEN_SECRET", raising=False)
    monkeypatch.delenv("SHOPBOT_OFFER_HOLDOUT", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo shop (300 customers, offers), seeded once per session."""
    from actions.offers.catalogue import seed_offers
    from actions.store import migrate
    from actions.store.db import engine_for, session_scope
    from actions.store.seed import load_rows, seed_demo_shop

    path = tmp_path_factory.mktemp("shop") / "shop.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = engine_for(url)
    with session_scope(engine) as session:
        seed_demo_shop(
            session=session,
            rows=load_rows(),
            as_of=STORE_AS_OF,
            count=STORE_CUSTOMERS,
        )
    with session_scope(engine) as session:
        seed_offers(session)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    engine_for.cache_clear()
    return path


@pytest.fixture
def store_url(
    store_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A private copy of the seeded demo shop, configured as the action store."""
    from actions.settings import get_settings
    from actions.store.db import engine_for

    path = tmp_path / "shop.db"
    shutil.copyfile(store_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("SHOPBOT_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    engine_for(url).dispose()


@pytest.fixture
def demo(store_url: str) -> dict[str, int]:
    """The demo customers of the seeded shop: role -> customer id."""
    from actions.store.db import engine_for, session_scope
    from actions.store.seed import demo_customers

    with session_scope(engine_for(store_url)) as session:
        return demo_customers(session)
