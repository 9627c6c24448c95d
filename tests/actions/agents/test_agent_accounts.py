"""Agent accounts on a migrated store: create, sign in, list, disable, re-key."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from actions.agents.accounts import (
    AgentAccountRecord,
    authenticate,
    create_account,
    create_or_reset_account,
    display_names,
    get_account,
    list_accounts,
    set_active,
    set_password,
)
from actions.agents.errors import (
    AgentExistsError,
    AgentInputError,
    AgentNotFoundError,
)
from actions.agents.passwords import verify_password
from actions.store.db import session_scope
from actions.store.schema import AgentAccount

NOW = datetime(2026, 11, 22, 9, 0, 0)
PASSWORD = "correct horse battery"
T = TypeVar("T")


def _in(engine: Engine, work: Callable[..., T]) -> T:
    with session_scope(engine) as session:
        return work(session)


def _create(
    engine: Engine,
    username: str = "alex",
    display_name: str = "Alex M.",
    password: str = PASSWORD,
) -> AgentAccountRecord:
    return _in(
        engine,
        lambda session: create_account(
            session=session,
            username=username,
            display_name=display_name,
            password=password,
            now=NOW,
        ),
    )


def _login(
    engine: Engine, username: object, password: object, now: datetime = NOW
) -> AgentAccountRecord | None:
    return _in(
        engine,
        lambda session: authenticate(
            session=session,
            username=username,  # type: ignore[arg-type]
            password=password,  # type: ignore[arg-type]
            now=now,
        ),
    )


def test_create_stores_a_hash_and_returns_a_record(agents_engine: Engine) -> None:
    account = _create(agents_engine, username=" Alex ", display_name="  Alex M. ")
    assert account == AgentAccountRecord(
        id=account.id,
        username="alex",
        display_name="Alex M.",
        active=True,
        created_at=NOW,
        last_login_at=None,
    )
    with session_scope(agents_engine) as session:
        stored = session.execute(select(AgentAccount.password_hash)).scalar_one()
        assert PASSWORD not in stored and stored.startswith("scrypt$")
        assert verify_password(PASSWORD, stored)
        assert get_account(session=session, username="ALEX") == account
        assert get_account(session=session, username="kim") is None


def test_usernames_are_unique_whatever_their_case(agents_engine: Engine) -> None:
    _create(agents_engine)
    with pytest.raises(AgentExistsError, match="'alex' exists already") as caught:
        _create(agents_engine, username="ALEX", display_name="Another")
    assert isinstance(caught.value, ValueError)
    assert [a.display_name for a in _in(agents_engine, _list)] == ["Alex M."]


def _list(session: Session) -> list[AgentAccountRecord]:
    return list_accounts(session=session)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": ""}, "username is empty"),
        ({"username": "x" * 65}, "has 65 characters; use at most 64"),
        ({"username": "al ex"}, "'al ex' holds characters other than"),
        ({"username": "alex@shop"}, "holds characters other than"),
        ({"username": "émile"}, "holds characters other than"),
        ({"username": None}, "username is None"),
        ({"display_name": "   "}, "display name is empty"),
        ({"display_name": "x" * 121}, "121 characters; use at most 120"),
        ({"display_name": "Alex\nM."}, "control characters"),
        ({"password": "short"}, "5 characters; use 8 to 256"),
        ({"password": "p" * 257}, "257 characters"),
    ],
)
def test_bad_account_input_is_refused(
    agents_engine: Engine, change: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "username": "alex",
        "display_name": "Alex M.",
        "password": PASSWORD,
    }
    arguments.update(change)
    with pytest.raises(AgentInputError, match=message):
        _create(agents_engine, **arguments)  # type: ignore[arg-type]
    assert _in(agents_engine, _list) == []


def test_length_limits_are_inclusive(agents_engine: Engine) -> None:
    account = _create(agents_engine, username="a" * 64, display_name="D" * 120)
    assert (len(account.username), len(account.display_name)) == (64, 120)
    assert _create(agents_engine, username="j.doe_2-x").username == "j.doe_2-x"


def test_sign_in_succeeds_and_records_the_time(agents_engine: Engine) -> None:
    _create(agents_engine)
    later = NOW + timedelta(hours=1)
    account = _login(agents_engine, " ALEX", PASSWORD, later)
    assert account is not None and account.username == "alex"
    assert account.last_login_at == later
    stored = _in(agents_engine, lambda s: get_account(session=s, username="alex"))
    assert stored is not None and stored.last_login_at == later


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alex", PASSWORD + "x"),
        ("alex", ""),
        ("alex", None),
        ("alex", "x" * 100_000),
        ("kim", PASSWORD),
        ("", PASSWORD),
        ("not a username!", PASSWORD),
        (None, PASSWORD),
    ],
)
def test_bad_sign_ins_are_none_and_change_nothing(
    agents_engine: Engine, username: object, password: object
) -> None:
    _create(agents_engine)
    assert _login(agents_engine, username, password) is None
    stored = _in(agents_engine, lambda s: get_account(session=s, username="alex"))
    assert stored is not None and stored.last_login_at is None


def test_a_disabled_account_cannot_sign_in_until_enabled(
    agents_engine: Engine,
) -> None:
    _create(agents_engine)
    disabled = _in(
        agents_engine, lambda s: set_active(session=s, username="alex", active=False)
    )
    assert disabled.active is False
    assert _login(agents_engine, "alex", PASSWORD) is None
    _in(agents_engine, lambda s: set_active(session=s, username="alex", active=True))
    assert _login(agents_engine, "alex", PASSWORD) is not None


def test_unknown_usernames_cost_about_as_much_as_wrong_passwords(
    agents_engine: Engine,
) -> None:
    """Timing must not tell which usernames exist: both paths run scrypt."""
    _create(agents_engine)
    _login(agents_engine, "nobody", PASSWORD)  # builds the dummy hash once

    def median_time(username: str) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            assert _login(agents_engine, username, "wrong password") is None
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = median_time("alex"), median_time("nobody")
    assert unknown > 0.4 * known, (known, unknown)
    assert known > 0.005  # scrypt really runs (n=2**14 takes tens of ms)


def test_set_password_replaces_the_old_one(agents_engine: Engine) -> None:
    _create(agents_engine)
    _in(
        agents_engine,
        lambda s: set_password(session=s, username="alex", password="new password 2"),
    )
    assert _login(agents_engine, "alex", PASSWORD) is None
    assert _login(agents_engine, "alex", "new password 2") is not None
    with pytest.raises(AgentInputError, match="3 characters"):
        _in(
            agents_engine,
            lambda s: set_password(session=s, username="alex", password="abc"),
        )


def test_unknown_accounts_and_bad_flags(agents_engine: Engine) -> None:
    for work in (
        lambda s: set_active(session=s, username="kim", active=False),
        lambda s: set_password(session=s, username="kim", password=PASSWORD),
    ):
        with pytest.raises(
            AgentNotFoundError, match="No agent account is called 'kim'"
        ):
            _in(agents_engine, work)
    _create(agents_engine)
    with pytest.raises(AgentInputError, match="active is 'no'; pass True or False"):
        _in(
            agents_engine,
            lambda s: set_active(
                session=s,
                username="alex",
                active="no",  # type: ignore[arg-type]
            ),
        )
    with pytest.raises(AgentInputError, match="holds characters"):
        _in(agents_engine, lambda s: get_account(session=s, username="a b"))


def test_list_and_display_names(agents_engine: Engine) -> None:
    _create(agents_engine, username="zoe", display_name="Zoe")
    _create(agents_engine, username="alex", display_name="Alex M.")
    assert [a.username for a in _in(agents_engine, _list)] == ["alex", "zoe"]
    names = _in(
        agents_engine,
        lambda s: display_names(session=s, usernames=["zoe", "ghost", "zoe", ""]),
    )
    assert names == {"zoe": "Zoe"}
    assert _in(agents_engine, lambda s: display_names(session=s, usernames=[])) == {}


def test_create_or_reset_makes_or_repairs_the_account(agents_engine: Engine) -> None:
    def reset(password: str) -> AgentAccountRecord:
        return _in(
            agents_engine,
            lambda s: create_or_reset_account(
                session=s,
                username="demo",
                display_name="Alex (demo)",
                password=password,
                now=NOW,
            ),
        )

    first = reset("shopbot-demo")
    assert (first.username, first.display_name, first.active) == (
        "demo",
        "Alex (demo)",
        True,
    )
    _in(agents_engine, lambda s: set_active(session=s, username="demo", active=False))
    again = reset("another-pass")
    assert again.id == first.id and again.active
    assert _login(agents_engine, "demo", "shopbot-demo") is None
    assert _login(agents_engine, "demo", "another-pass") is not None


def test_racing_creations_of_one_username_make_one_account(
    any_agents_engine: Engine,
) -> None:
    racers = 4
    barrier = threading.Barrier(racers)

    def create(index: int) -> AgentAccountRecord | Exception:
        try:
            with session_scope(any_agents_engine) as session:
                session.connection()
                barrier.wait()
                return create_account(
                    session=session,
                    username="alex",
                    display_name=f"Alex {index}",
                    password=PASSWORD,
                    now=NOW,
                )
        except Exception as error:  # noqa: BLE001 - collected and asserted on
            return error

    with ThreadPoolExecutor(max_workers=racers) as pool:
        outcomes = list(pool.map(create, range(racers)))
    created = [o for o in outcomes if isinstance(o, AgentAccountRecord)]
    assert len(created) == 1, outcomes
    assert all(
        isinstance(o, AgentExistsError) for o in outcomes if o not in created
    ), outcomes
    assert len(_in(any_agents_engine, _list)) == 1
