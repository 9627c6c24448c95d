"""Fixtures for action tests: the real domain, fresh dispatchers, JSON trackers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
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
