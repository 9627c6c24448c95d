"""Agent accounts in the profile store: create, sign in, list, enable, re-key.

Each function takes the session as a keyword argument (open one with
``actions.store.db.session_scope``; the caller's scope commits) and returns
frozen :class:`AgentAccountRecord` values, never table rows or password hashes.
Usernames are case-insensitive
(see :func:`actions.agents.validation.normalise_username`).

Sign-in (:func:`authenticate`) answers None for an unknown username, a wrong
password and a disabled account alike, and checks a password hash in each case
(a fixed dummy one for unknown usernames), so neither the answer nor its timing
tells which usernames exist.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.agents.errors import (
    AgentExistsError,
    AgentInputError,
    AgentNotFoundError,
)
from actions.agents.passwords import hash_password, verify_password
from actions.agents.validation import check_display_name, normalise_username
from actions.store.clock import naive_utc
from actions.store.schema import AgentAccount

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentAccountRecord:
    """A stored agent account (without its password hash).

    Attributes:
        id: the row id.
        username: the sign-in name (lowercase); ``handoffs.agent`` stores it.
        display_name: the name shoppers and other agents see.
        active: False once disabled: sign-in is refused.
        created_at: when the account was made (naive UTC).
        last_login_at: the last successful sign-in (naive UTC), None before one.
    """

    id: int
    username: str
    display_name: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


def _record(row: AgentAccount) -> AgentAccountRecord:
    return AgentAccountRecord(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        active=bool(row.active),
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash no typed password matches, checked for unknown usernames."""
    return hash_password(secrets.token_urlsafe(24))


def _row(session: Session, username: str) -> AgentAccount | None:
    row: AgentAccount | None = session.execute(
        select(AgentAccount).where(AgentAccount.username == username)
    ).scalar_one_or_none()
    return row


def _existing(session: Session, username: object) -> AgentAccount:
    name = normalise_username(username)
    row = _row(session, name)
    if row is None:
        raise AgentNotFoundError(
            f"No agent account is called {name!r}; list them with "
            "`python -m actions.agents list`."
        )
    return row


def create_account(
    *,
    session: Session,
    username: str,
    display_name: str,
    password: str,
    now: datetime,
) -> AgentAccountRecord:
    """Create an active agent account.

    Args:
        session: an open session; the caller commits.
        username: 1-64 lowercase letters, digits, ``.``, ``_``, ``-`` (spaces
            around it are dropped, capitals lowered).
        display_name: 1-120 characters, one line.
        password: 8-256 characters.
        now: the creation time.

    Returns:
        The new account.

    Raises:
        AgentInputError: a bad username, display name or password.
        AgentExistsError: the username is taken.
    """
    name = normalise_username(username)
    shown = check_display_name(display_name)
    password_hash = hash_password(password)
    if _row(session, name) is not None:
        raise AgentExistsError(
            f"An agent account called {name!r} exists already; choose another "
            "username, or change its password with `python -m actions.agents "
            "passwd`."
        )
    return _insert(session, name, shown, password_hash, now)


def _insert(
    session: Session, name: str, shown: str, password_hash: str, now: datetime
) -> AgentAccountRecord:
    row = AgentAccount(
        username=name,
        display_name=shown,
        password_hash=password_hash,
        active=True,
        created_at=naive_utc(now),
        last_login_at=None,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:
        # Another session created the same username between the check and now.
        raise AgentExistsError(
            f"An agent account called {name!r} was created at the same time; "
            "choose another username."
        ) from error
    logger.info("Created agent account '%s'.", name)
    return _record(row)


def create_or_reset_account(
    *,
    session: Session,
    username: str,
    display_name: str,
    password: str,
    now: datetime,
) -> AgentAccountRecord:
    """Create the account, or give an existing one this name and password.

    An existing account is also re-enabled. Used for the development demo
    account (``python -m actions.agents demo``).

    Args:
        session: an open session; the caller commits.
        username: the username (checked as in :func:`create_account`).
        display_name: the display name to set.
        password: the password to set.
        now: the creation time, when the account is new.

    Returns:
        The account as it now is.

    Raises:
        AgentInputError: a bad username, display name or password.
    """
    name = normalise_username(username)
    shown = check_display_name(display_name)
    password_hash = hash_password(password)
    row = _row(session, name)
    if row is None:
        return _insert(session, name, shown, password_hash, now)
    row.display_name = shown
    row.password_hash = password_hash
    row.active = True
    session.flush()
    logger.info("Reset agent account '%s'.", name)
    return _record(row)


def authenticate(
    *, session: Session, username: str, password: str, now: datetime
) -> AgentAccountRecord | None:
    """Check a sign-in; on success record its time.

    Never raises for bad credentials or malformed input: whatever is wrong, the
    answer is None, after about the same work.

    Args:
        session: an open session; the caller commits (``last_login_at``).
        username: what the agent typed.
        password: what the agent typed.
        now: the time of the sign-in.

    Returns:
        The account, or None for an unknown or malformed username, a wrong
        password or a disabled account.
    """
    try:
        name = normalise_username(username)
    except AgentInputError:
        name = None
    row = None if name is None else _row(session, name)
    if row is None:
        verify_password(password, _dummy_hash())
        logger.info("Agent sign-in refused: unknown username.")
        return None
    if not verify_password(password, row.password_hash):
        logger.info("Agent sign-in refused for '%s': wrong password.", name)
        return None
    if not row.active:
        logger.info("Agent sign-in refused for '%s': account disabled.", name)
        return None
    row.last_login_at = naive_utc(now)
    session.flush()
    logger.info("Agent '%s' signed in.", name)
    return _record(row)


def get_account(*, session: Session, username: str) -> AgentAccountRecord | None:
    """The account with this username, or None.

    Raises:
        AgentInputError: the username is malformed.
    """
    row = _row(session, normalise_username(username))
    return None if row is None else _record(row)


def list_accounts(*, session: Session) -> list[AgentAccountRecord]:
    """Every account (active or not), by username."""
    rows = session.execute(select(AgentAccount).order_by(AgentAccount.username))
    return [_record(row) for row in rows.scalars()]


def display_names(*, session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """The display name of each known username (unknown ones are left out).

    Args:
        session: an open session.
        usernames: usernames as stored (e.g. ``handoffs.agent`` values).

    Returns:
        username -> display name.
    """
    wanted = sorted({name for name in usernames if name})
    if not wanted:
        return {}
    rows = session.execute(
        select(AgentAccount.username, AgentAccount.display_name).where(
            AgentAccount.username.in_(wanted)
        )
    ).all()
    return {username: shown for username, shown in rows}


def set_active(*, session: Session, username: str, active: bool) -> AgentAccountRecord:
    """Enable or disable an account (a disabled one cannot sign in).

    Tokens already issued stay valid until they expire; the console should
    check :attr:`AgentAccountRecord.active` when a socket says hello.

    Raises:
        AgentInputError: the username is malformed or ``active`` not a bool.
        AgentNotFoundError: no account has this username.
    """
    if not isinstance(active, bool):
        raise AgentInputError(f"active is {active!r}; pass True or False.")
    row = _existing(session, username)
    row.active = active
    session.flush()
    logger.info(
        "Agent account '%s' %s.", row.username, "enabled" if active else "disabled"
    )
    return _record(row)


def set_password(
    *, session: Session, username: str, password: str
) -> AgentAccountRecord:
    """Give an account a new password.

    Raises:
        AgentInputError: the username or password is malformed.
        AgentNotFoundError: no account has this username.
    """
    password_hash = hash_password(password)
    row = _existing(session, username)
    row.password_hash = password_hash
    session.flush()
    logger.info("Changed the password of agent account '%s'.", row.username)
    return _record(row)
