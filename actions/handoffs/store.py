"""Handoff records in the profile store: create (idempotent), list, get, status,
and the agent console's claim, release and resolve.

Each function takes the session as a keyword argument (open one with
``actions.store.db.session_scope``) and returns frozen :class:`HandoffRecord`
values, never table rows. Status changes follow :data:`TRANSITIONS`:

    waiting -> assigned -> returned | closed
    waiting -> closed
    assigned -> waiting   (the agent releases it back to the queue)

``returned`` (the bot has the conversation back) and ``closed`` are final.
``agent`` holds the username of the agent who holds an assigned handoff (see
:mod:`actions.agents.accounts`); it is cleared when the handoff goes back to
waiting. Every change is one UPDATE guarded by the status (and holder) read,
so two agents acting on the same handoff at once cannot both succeed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from actions.agents.accounts import display_names
from actions.escalation.errors import PacketError
from actions.escalation.packet import HandoffPacket
from actions.handoffs.errors import (
    HandoffClaimedError,
    HandoffDataError,
    HandoffInputError,
    HandoffNotFoundError,
    HandoffNotHeldError,
    HandoffTransitionError,
)
from actions.store.schema import HANDOFF_STATUSES, Handoff

logger = logging.getLogger(__name__)

STATUS_WAITING = "waiting"
STATUS_ASSIGNED = "assigned"
STATUS_RETURNED = "returned"
STATUS_CLOSED = "closed"
TRANSITIONS: Mapping[str, frozenset[str]] = {
    STATUS_WAITING: frozenset({STATUS_ASSIGNED, STATUS_CLOSED}),
    STATUS_ASSIGNED: frozenset({STATUS_RETURNED, STATUS_CLOSED, STATUS_WAITING}),
    STATUS_RETURNED: frozenset(),
    STATUS_CLOSED: frozenset(),
}
MAX_KEY_LENGTH = 300
MAX_CONVERSATION_ID_LENGTH = 255
MAX_AGENT_LENGTH = 120
MAX_LIST_LIMIT = 1000
# A claim that loses a race re-reads the handoff and tries again this often
# (the winner may have released it in between) before reporting the holder.
CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class HandoffRecord:
    """A stored handoff.

    Attributes:
        id: the handoff's id (what the CLI and console show).
        key: the idempotency key (conversation id + triggering message).
        conversation_id: the tracker's sender id.
        customer_id: the customer, None for an anonymous shopper.
        reason: ``asked_for_person`` or ``risk_threshold``.
        risk_score: the live risk when it was made.
        status: waiting, assigned, returned or closed.
        agent: who took it, None until assigned.
        packet: what the agent reads.
        created_at: when it was made (naive UTC).
        updated_at: its last status change (naive UTC).
    """

    id: int
    key: str
    conversation_id: str
    customer_id: int | None
    reason: str
    risk_score: float | None
    status: str
    agent: str | None
    packet: HandoffPacket
    created_at: datetime
    updated_at: datetime


def naive_utc(moment: datetime) -> datetime:
    """``moment`` as a naive UTC datetime, the store's convention.

    Naive datetimes are taken to be UTC already.
    """
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def create_handoff(
    *, session: Session, packet: HandoffPacket, key: str, now: datetime
) -> HandoffRecord:
    """Store a new waiting handoff, or return the one already stored under ``key``.

    The insert skips a key that exists (``ON CONFLICT DO NOTHING`` on SQLite
    and PostgreSQL), so two workers racing on the same key store one handoff.

    Args:
        session: an open session; the caller commits.
        packet: the handoff packet.
        key: the idempotency key (see ``actions.escalation.events.trigger_key``).
        now: when the handoff is made.

    Returns:
        The stored handoff (the existing one when ``key`` was seen before).

    Raises:
        HandoffInputError: the key or conversation id is empty or too long.
    """
    check_handoff(packet=packet, key=key)
    existing = _row_by_key(session, key)
    if existing is not None:
        logger.info("Handoff for key '%s' exists already (id %d).", key, existing.id)
        return _record(existing)
    moment = naive_utc(now)
    values: dict[str, Any] = {
        "key": key,
        "conversation_id": packet.conversation_id,
        "customer_id": packet.customer_id,
        "reason": packet.reason,
        "risk_score": packet.risk.score,
        "status": STATUS_WAITING,
        "agent": None,
        "packet": packet.to_json(),
        "created_at": moment,
        "updated_at": moment,
    }
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = insert(Handoff).values(**values)
        session.execute(statement.on_conflict_do_nothing(index_elements=["key"]))
    else:
        session.add(Handoff(**values))
        session.flush()
    row = _row_by_key(session, key)
    if row is None:  # pragma: no cover - the insert above guarantees a row
        raise HandoffDataError(f"Handoff for key '{key}' vanished right after insert.")
    logger.info(
        "Created handoff %d for conversation '%s' (%s, risk %.2f).",
        row.id,
        packet.conversation_id,
        packet.reason,
        packet.risk.score,
    )
    return _record(row)


def check_handoff(*, packet: HandoffPacket, key: str) -> None:
    """Check that a handoff fits the store before storing or spooling it.

    Raises:
        HandoffInputError: the key or conversation id is empty or too long.
    """
    _check_text("key", key, MAX_KEY_LENGTH)
    _check_text("conversation_id", packet.conversation_id, MAX_CONVERSATION_ID_LENGTH)


def get_handoff(*, session: Session, handoff_id: int) -> HandoffRecord | None:
    """The handoff with this id, or None.

    Raises:
        HandoffDataError: its stored packet cannot be read.
    """
    row = session.get(Handoff, handoff_id)
    return None if row is None else _record(row)


def list_handoffs(
    *, session: Session, status: str | None = None, limit: int = 50
) -> list[HandoffRecord]:
    """Handoffs, newest first.

    Args:
        session: an open session.
        status: only those in this status; all when None.
        limit: the most to return (1 to :data:`MAX_LIST_LIMIT`).

    Returns:
        The handoffs.

    Raises:
        HandoffInputError: unknown status or a limit out of range.
        HandoffDataError: a stored packet cannot be read.
    """
    if status is not None:
        _check_status(status)
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise HandoffInputError(
            f"limit is {limit}; pass a number from 1 to {MAX_LIST_LIMIT}."
        )
    query = select(Handoff).order_by(Handoff.created_at.desc(), Handoff.id.desc())
    if status is not None:
        query = query.where(Handoff.status == status)
    rows = session.execute(query.limit(limit)).scalars().all()
    return [_record(row) for row in rows]


def set_status(
    *,
    session: Session,
    handoff_id: int,
    status: str,
    now: datetime,
    agent: str | None = None,
) -> HandoffRecord:
    """Move a handoff to ``status`` when :data:`TRANSITIONS` allows it.

    The update is conditional on the status read, so two agents taking the same
    handoff at once cannot both succeed.

    Args:
        session: an open session; the caller commits.
        handoff_id: the handoff's id.
        status: the new status.
        now: when the change happens.
        agent: who takes it (kept as is when None; cleared when the handoff
            goes back to waiting).

    Returns:
        The updated handoff.

    Raises:
        HandoffInputError: unknown status, or an agent name too long.
        HandoffNotFoundError: no handoff has this id.
        HandoffTransitionError: the current status does not allow the change.
    """
    _check_status(status)
    if agent is not None:
        _check_text("agent", agent, MAX_AGENT_LENGTH)
    row = session.get(Handoff, handoff_id)
    if row is None:
        raise HandoffNotFoundError(
            f"No handoff has id {handoff_id}; list them with "
            "`python -m actions.handoffs list`."
        )
    current = row.status
    if status not in TRANSITIONS.get(current, frozenset()):
        raise _transition_error(handoff_id, current, status)
    changes: dict[str, Any] = {"status": status, "updated_at": naive_utc(now)}
    if agent is not None:
        changes["agent"] = agent
    if status == STATUS_WAITING:
        changes["agent"] = None
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == current)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    if result.rowcount != 1:
        # Another session changed it between our read and our update.
        raise _transition_error(handoff_id, row.status, status)
    logger.info("Handoff %d: %s -> %s.", handoff_id, current, status)
    return _record(row)


def claim_handoff(
    *, session: Session, handoff_id: int, agent: str, now: datetime
) -> HandoffRecord:
    """Give a waiting handoff to ``agent``; exactly one of racing claims wins.

    The claim is one ``UPDATE ... WHERE status = 'waiting'``: on PostgreSQL the
    losers wait on the winner's row lock and then match no row, on SQLite they
    wait for the single write lock. A loser then reads who won.

    Args:
        session: an open session; the caller commits.
        handoff_id: the handoff's id.
        agent: the claiming agent's username.
        now: when the claim happens.

    Returns:
        The assigned handoff; unchanged when ``agent`` holds it already.

    Raises:
        HandoffInputError: the agent name is empty or too long.
        HandoffNotFoundError: no handoff has this id.
        HandoffClaimedError: another agent holds it (``error.agent`` is their
            username; the message gives their display name too).
        HandoffTransitionError: it is returned or closed, no longer claimable.
    """
    _check_text("agent", agent, MAX_AGENT_LENGTH)
    row = _row_or_raise(session, handoff_id)
    for _ in range(CLAIM_ATTEMPTS):
        if row.status != STATUS_WAITING:
            break
        result = session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status == STATUS_WAITING)
            .values(status=STATUS_ASSIGNED, agent=agent, updated_at=naive_utc(now))
            .execution_options(synchronize_session=False)
        )
        session.expire(row)
        if result.rowcount == 1:
            logger.info("Handoff %d claimed by agent '%s'.", handoff_id, agent)
            return _record(row)
        # Lost a race; the winner may already have released it: look again.
    if row.status in (STATUS_ASSIGNED, STATUS_WAITING):
        if row.agent == agent:
            return _record(row)
        holder = row.agent or "another agent"
        raise HandoffClaimedError(
            f"Handoff {handoff_id} is held by {_agent_label(session, holder)}; "
            "pick another from the queue, or ask them to release it.",
            agent=holder,
        )
    raise HandoffTransitionError(
        f"Handoff {handoff_id} is '{row.status}' and can no longer be claimed; "
        "only waiting handoffs can."
    )


def release_handoff(
    *, session: Session, handoff_id: int, agent: str, now: datetime
) -> HandoffRecord:
    """Put a handoff ``agent`` holds back in the queue (assigned -> waiting).

    Args:
        session: an open session; the caller commits.
        handoff_id: the handoff's id.
        agent: the releasing agent's username.
        now: when it happens.

    Returns:
        The waiting handoff, its agent cleared.

    Raises:
        HandoffNotFoundError: no handoff has this id.
        HandoffNotHeldError: ``agent`` does not hold it (not assigned, or
            assigned to someone else).
    """
    return _holder_move(session, handoff_id, agent, now, STATUS_WAITING)


def resolve_handoff(
    *, session: Session, handoff_id: int, agent: str, now: datetime
) -> HandoffRecord:
    """Hand the conversation back to the bot (assigned -> returned).

    Args:
        session: an open session; the caller commits.
        handoff_id: the handoff's id.
        agent: the resolving agent's username (kept on the record).
        now: when it happens.

    Returns:
        The returned handoff.

    Raises:
        HandoffNotFoundError: no handoff has this id.
        HandoffNotHeldError: ``agent`` does not hold it.
    """
    return _holder_move(session, handoff_id, agent, now, STATUS_RETURNED)


def lock_held_handoff(
    *, session: Session, handoff_id: int, agent: str
) -> HandoffRecord:
    """Lock a handoff ``agent`` holds until the caller's transaction ends.

    A no-op UPDATE guarded by status and holder: it takes the row lock on
    PostgreSQL (the single write lock on SQLite), so work done after it for the
    same handoff (e.g. granting its offer once) is serialised.

    Returns:
        The handoff.

    Raises:
        HandoffNotFoundError: no handoff has this id.
        HandoffNotHeldError: ``agent`` does not hold it.
    """
    row = _row_or_raise(session, handoff_id)
    result = session.execute(
        update(Handoff)
        .where(
            Handoff.id == handoff_id,
            Handoff.status == STATUS_ASSIGNED,
            Handoff.agent == agent,
        )
        .values(agent=Handoff.agent)
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    if result.rowcount != 1:
        raise _not_held(handoff_id, agent, row)
    return _record(row)


def active_handoff(*, session: Session, conversation_id: str) -> HandoffRecord | None:
    """The conversation's newest handoff that is waiting or assigned, or None.

    Raises:
        HandoffDataError: its stored packet cannot be read.
    """
    row = session.execute(
        select(Handoff)
        .where(
            Handoff.conversation_id == conversation_id,
            Handoff.status.in_((STATUS_WAITING, STATUS_ASSIGNED)),
        )
        .order_by(Handoff.created_at.desc(), Handoff.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if row is None else _record(row)


def open_handoffs(*, session: Session) -> list[HandoffRecord]:
    """Every waiting or assigned handoff, oldest first.

    A handoff whose stored packet cannot be read is left out and logged with
    its id, so one bad row does not hide the others from the console.
    """
    rows = session.execute(
        select(Handoff)
        .where(Handoff.status.in_((STATUS_WAITING, STATUS_ASSIGNED)))
        .order_by(Handoff.created_at, Handoff.id)
    ).scalars()
    records: list[HandoffRecord] = []
    for row in rows:
        try:
            records.append(_record(row))
        except HandoffDataError:
            logger.exception("Handoff %d left out of the open handoffs.", row.id)
    return records


def _agent_label(session: Session, username: str) -> str:
    """``Sam Agent (agent 'sam')``, or ``agent 'sam'`` without an account."""
    shown = display_names(session=session, usernames=[username]).get(username)
    return f"agent '{username}'" if shown is None else f"{shown} (agent '{username}')"


def _row_or_raise(session: Session, handoff_id: int) -> Handoff:
    row: Handoff | None = session.get(Handoff, handoff_id)
    if row is None:
        raise HandoffNotFoundError(
            f"No handoff has id {handoff_id}; list them with "
            "`python -m actions.handoffs list`."
        )
    return row


def _not_held(handoff_id: int, agent: str, row: Handoff) -> HandoffNotHeldError:
    if row.status == STATUS_ASSIGNED:
        where = f"held by agent '{row.agent}'"
    else:
        where = f"'{row.status}', held by nobody"
    return HandoffNotHeldError(
        f"Agent '{agent}' does not hold handoff {handoff_id} (it is {where}); "
        "claim it first."
    )


def _holder_move(
    session: Session, handoff_id: int, agent: str, now: datetime, status: str
) -> HandoffRecord:
    """Move a handoff ``agent`` holds from assigned to ``status``."""
    row = _row_or_raise(session, handoff_id)
    changes: dict[str, Any] = {"status": status, "updated_at": naive_utc(now)}
    if status == STATUS_WAITING:
        changes["agent"] = None
    result = session.execute(
        update(Handoff)
        .where(
            Handoff.id == handoff_id,
            Handoff.status == STATUS_ASSIGNED,
            Handoff.agent == agent,
        )
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    if result.rowcount != 1:
        raise _not_held(handoff_id, agent, row)
    logger.info("Handoff %d: assigned -> %s by agent '%s'.", handoff_id, status, agent)
    return _record(row)


def _transition_error(
    handoff_id: int, current: str, status: str
) -> HandoffTransitionError:
    allowed = sorted(TRANSITIONS.get(current, frozenset()))
    return HandoffTransitionError(
        f"Handoff {handoff_id} is '{current}' and cannot become '{status}'; "
        + (
            f"from '{current}' it can become {', '.join(allowed)}."
            if allowed
            else f"'{current}' is final."
        )
    )


def _row_by_key(session: Session, key: str) -> Handoff | None:
    query = select(Handoff).where(Handoff.key == key)
    row: Handoff | None = session.execute(query).scalar_one_or_none()
    return row


def _record(row: Handoff) -> HandoffRecord:
    try:
        packet = HandoffPacket.from_json(row.packet)
    except PacketError as error:
        raise HandoffDataError(
            f"Handoff {row.id}'s stored packet cannot be read ({error}); inspect "
            "the row in the handoffs table."
        ) from error
    return HandoffRecord(
        id=row.id,
        key=row.key,
        conversation_id=row.conversation_id,
        customer_id=row.customer_id,
        reason=row.reason,
        risk_score=row.risk_score,
        status=row.status,
        agent=row.agent,
        packet=packet,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _check_status(status: str) -> None:
    if status not in HANDOFF_STATUSES:
        raise HandoffInputError(
            f"Handoff status '{status}' is unknown; use one of "
            f"{', '.join(HANDOFF_STATUSES)}."
        )


def _check_text(name: str, value: str, max_length: int) -> None:
    if not isinstance(value, str) or not value:
        raise HandoffInputError(
            f"The handoff {name} is {value!r}; pass non-empty text."
        )
    if len(value) > max_length:
        raise HandoffInputError(
            f"The handoff {name} has {len(value)} characters; the store keeps at "
            f"most {max_length}."
        )
