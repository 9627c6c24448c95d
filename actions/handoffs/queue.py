"""The agent console's queue: open handoffs, most valuable rescue first.

Priority (:func:`priority`) is expected loss: the chance the shopper leaves
times what they are worth,

    priority = churn probability x max(lifetime value, 1.0)

with the churn model's probability from the packet, or the handoff's live risk
score when the model gave none (anonymous shoppers, no model), or 0 when neither
is known. Lifetime value is in shop currency units; the floor of 1.0 keeps
anonymous shoppers and new customers (value 0) ordered by their risk instead of
all tying at 0.

Order (:func:`order_queue`): waiting handoffs before assigned ones; within each
group by priority (highest first), then by waiting time (longest first), then
by id. :func:`open_queue` and :func:`queue_position` read the store;
:func:`priority` and :func:`order_queue` are pure.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from actions.agents.accounts import display_names
from actions.handoffs.store import STATUS_WAITING, HandoffRecord, open_handoffs
from actions.store.clock import naive_utc

logger = logging.getLogger(__name__)

MIN_VALUE = 1.0


@dataclass(frozen=True)
class QueueItem:
    """One open handoff as the agent console lists it.

    Attributes:
        handoff_id: the handoff's id.
        conversation_id: the conversation (Rasa sender id).
        status: ``"waiting"`` or ``"assigned"``.
        agent: the holder's display name (their username when the account is
            gone), None while waiting.
        customer_name: the shopper's name, None when anonymous.
        tier: their loyalty tier, None when anonymous.
        reason: ``asked_for_person`` or ``risk_threshold``.
        risk_score: the live risk when the handoff was made.
        churn_probability: the churn model's probability, None when unknown.
        lifetime_value: what the shopper has spent, in shop currency units
            (0 for anonymous shoppers).
        priority: see :func:`priority`.
        waiting_seconds: seconds since the handoff was made.
        created_at: when it was made (naive UTC).
        last_message: the shopper's latest message in the packet, if any.
    """

    handoff_id: int
    conversation_id: str
    status: str
    agent: str | None
    customer_name: str | None
    tier: str | None
    reason: str
    risk_score: float | None
    churn_probability: float | None
    lifetime_value: float
    priority: float
    waiting_seconds: int
    created_at: datetime
    last_message: str | None

    def to_json(self) -> dict[str, Any]:
        """The protocol's "Queue item" (times as ISO-8601 UTC with ``Z``)."""
        return {
            "handoff_id": self.handoff_id,
            "conversation_id": self.conversation_id,
            "status": self.status,
            "agent": self.agent,
            "customer_name": self.customer_name,
            "tier": self.tier,
            "reason": self.reason,
            "risk_score": self.risk_score,
            "churn_probability": self.churn_probability,
            "lifetime_value": self.lifetime_value,
            "priority": self.priority,
            "waiting_seconds": self.waiting_seconds,
            "created_at": iso_utc(self.created_at),
            "last_message": self.last_message,
        }


def iso_utc(moment: datetime) -> str:
    """``2026-11-22T10:15:00Z`` (naive datetimes are taken as UTC)."""
    return naive_utc(moment).isoformat(timespec="seconds") + "Z"


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def priority(
    churn_probability: float | None, risk_score: float | None, lifetime_value: float
) -> float:
    """Expected loss of a handoff: churn risk times customer value.

    Args:
        churn_probability: the churn model's probability; None when unknown.
        risk_score: the live risk score, used when there is no probability.
        lifetime_value: the shopper's spend in currency units (0 if unknown).

    Returns:
        ``(churn_probability if not None else risk_score or 0)
        * max(lifetime_value, 1.0)``; NaN or infinite inputs count as unknown.
    """
    churn = _finite(churn_probability)
    risk = churn if churn is not None else (_finite(risk_score) or 0.0)
    value = _finite(lifetime_value) or 0.0
    return risk * max(value, MIN_VALUE)


def order_queue(items: Iterable[QueueItem]) -> list[QueueItem]:
    """The items in console order (see the module docstring).

    Args:
        items: queue items in any order.

    Returns:
        Waiting before assigned; each group by priority descending, then
        waiting time descending, then creation time and id ascending.
    """
    return sorted(
        items,
        key=lambda item: (
            item.status != STATUS_WAITING,
            -item.priority,
            -item.waiting_seconds,
            item.created_at,
            item.handoff_id,
        ),
    )


def queue_item(
    record: HandoffRecord, now: datetime, agent_names: dict[str, str] | None = None
) -> QueueItem:
    """A stored handoff as a queue item (pure).

    Args:
        record: the handoff.
        now: the current time, for ``waiting_seconds``.
        agent_names: username -> display name of agents.

    Returns:
        The item.
    """
    packet = record.packet
    profile = packet.profile
    value = profile.lifetime_value_cents / 100 if profile is not None else 0.0
    risk = record.risk_score if record.risk_score is not None else packet.risk.score
    agent = None
    if record.agent is not None:
        agent = (agent_names or {}).get(record.agent, record.agent)
    waited = (naive_utc(now) - record.created_at).total_seconds()
    return QueueItem(
        handoff_id=record.id,
        conversation_id=record.conversation_id,
        status=record.status,
        agent=agent,
        customer_name=profile.name if profile is not None else None,
        tier=profile.tier if profile is not None else None,
        reason=record.reason,
        risk_score=risk,
        churn_probability=packet.churn_probability,
        lifetime_value=value,
        priority=priority(packet.churn_probability, risk, value),
        waiting_seconds=max(int(waited), 0),
        created_at=record.created_at,
        last_message=packet.last_shopper_text(),
    )


def open_queue(
    *, session: Session, now: datetime, limit: int | None = None
) -> list[QueueItem]:
    """The open handoffs (waiting and assigned), in console order.

    A handoff whose stored packet cannot be read is left out and logged, so
    one bad row does not hide the whole queue.

    Args:
        session: an open session.
        now: the current time.
        limit: keep only the first ``limit`` items; all when None.

    Returns:
        The ordered items.
    """
    records = open_handoffs(session=session)
    names = display_names(
        session=session,
        usernames=[record.agent for record in records if record.agent],
    )
    ordered = order_queue(queue_item(record, now, names) for record in records)
    return ordered if limit is None else ordered[: max(limit, 0)]


def queue_position(*, session: Session, handoff_id: int, now: datetime) -> int | None:
    """Where a waiting handoff stands in the queue (1 = next).

    Args:
        session: an open session.
        handoff_id: the handoff.
        now: the current time.

    Returns:
        Its 1-based place among the waiting handoffs in queue order; None when
        it is not waiting (assigned, returned, closed or unknown).
    """
    waiting = [
        item
        for item in open_queue(session=session, now=now)
        if item.status == STATUS_WAITING
    ]
    for position, item in enumerate(waiting, start=1):
        if item.handoff_id == handoff_id:
            return position
    return None
