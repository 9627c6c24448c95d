"""The sign-in throttle (bot/chat/agents.py): per username, bounded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.chat import agents


@pytest.fixture(autouse=True)
def empty_throttle() -> Iterator[None]:
    agents._failures.clear()
    yield
    agents._failures.clear()


def test_five_failures_block_that_username_for_the_window() -> None:
    for second in range(agents.LOGIN_MAX_FAILURES):
        assert not agents.login_blocked("alex", float(second))
        agents.note_failure("alex", float(second))
    assert agents.login_blocked("alex", 10.0)
    assert not agents.login_blocked("sam", 10.0)
    later = agents.LOGIN_WINDOW_SECONDS + agents.LOGIN_MAX_FAILURES + 1.0
    assert not agents.login_blocked("alex", later)
    assert "alex" not in agents._failures  # forgotten once the window passed


def test_checking_a_username_stores_nothing() -> None:
    for i in range(100):
        agents.login_blocked(f"user{i}", 0.0)
    assert agents._failures == {}


def test_random_usernames_cannot_grow_it_without_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agents, "MAX_TRACKED_USERNAMES", 50)
    for i in range(500):
        agents.note_failure(f"guess{i}", 0.0)
    assert len(agents._failures) == 50 and "guess499" in agents._failures
