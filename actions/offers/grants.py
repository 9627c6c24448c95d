"""Granting offers: next-best-offer decisions, the hold-out arm and budget safety.

Concurrency. Every decision or grant first locks the shopper's customer row
(``SELECT ... FOR UPDATE``; on SQLite, which has no row locks, the transaction
is opened with ``BEGIN IMMEDIATE`` so it holds the database's single write lock
from its first read). Per-customer limits and the per-conversation replay are
read after that lock, so two conversations of one shopper cannot both pass the
limit. The total budget is claimed with one guarded statement::

    UPDATE offers SET granted_count = granted_count + 1
    WHERE id = :id AND granted_count < total_budget AND active
      AND (valid_until IS NULL OR valid_until >= :today)

and its row count says whether this transaction won; a loser falls through to
the next-ranked offer. Budgets therefore hold under concurrent grants on
PostgreSQL (the row lock of the UPDATE) and SQLite (one writer at a time).

The caller owns the transaction: run these functions inside
:func:`actions.store.db.session_scope`, which commits (releasing the locks) or
rolls back on error. Every grant writes an ``offer_grants`` row; every decision
for a shopper with an eligible offer writes an ``offer_assignments`` row (arm
``offer`` or ``holdout``), which the uplift analysis reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from actions.offers.errors import (
    OfferBudgetExhaustedError,
    OfferCustomerNotFoundError,
    OfferNotFoundError,
    OfferUnavailableError,
    OfferValueError,
)
from actions.offers.holdout import DEFAULT_SALT, in_holdout, validate_share
from actions.offers.ranking import (
    OfferCandidate,
    OfferProfile,
    ScoredOffer,
    rank_offers,
    score_offer,
)
from actions.store.schema import (
    ASSIGNMENT_ARMS,
    Customer,
    Offer,
    OfferAssignment,
    OfferGrant,
)

logger = logging.getLogger(__name__)

ARM_OFFER = "offer"
ARM_HOLDOUT = "holdout"
ARM_NONE = "none"
"""No offer was eligible (or every eligible budget ran out): nothing recorded."""

MAX_CONVERSATION_ID_LENGTH = 255
MAX_REASON_LENGTH = 200
_OFFER_COLUMNS = tuple(Offer.__table__.columns)


@dataclass(frozen=True)
class OfferDecision:
    """What :func:`decide_offer` did for a shopper in a conversation.

    Attributes:
        arm: ``"offer"`` (granted, or suggested with ``grant=False``),
            ``"holdout"`` (held out, nothing granted) or
            ``"none"`` (nothing eligible, or every eligible budget ran out).
        offer: the offer granted, or the one a held-out shopper would have got;
            None for arm ``"none"``.
        grant_id: the ``offer_grants`` row of arm ``"offer"``; None otherwise
            and for a suggestion not (yet) granted.
        replayed: True when this repeats the conversation's earlier decision.
    """

    arm: str
    offer: ScoredOffer | None = None
    grant_id: int | None = None
    replayed: bool = False


def _naive_utc(now: datetime) -> datetime:
    """The store's time format: naive UTC (aware times are converted)."""
    if not isinstance(now, datetime):
        raise OfferValueError(f"now is {now!r}; pass a datetime (UTC).")
    if now.tzinfo is not None:
        return now.astimezone(timezone.utc).replace(tzinfo=None)
    return now


def _check_text(name: str, value: object, limit: int) -> str:
    """Refuse an empty, non-string or too long identifier or reason."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        shown = value if not isinstance(value, str) else value[:60]
        raise OfferValueError(
            f"{name} is {shown!r}; it must be a non-empty text of at most "
            f"{limit} characters."
        )
    return value


def _check_customer_id(customer_id: object) -> int:
    """Refuse anything but a positive integer id."""
    if isinstance(customer_id, bool) or not isinstance(customer_id, int):
        raise OfferValueError(
            f"customer_id is {customer_id!r}; it must be a positive integer."
        )
    if customer_id < 1:
        raise OfferValueError(
            f"customer_id is {customer_id}; it must be a positive integer."
        )
    return customer_id


def _lock_customer(session: Session, customer_id: int) -> None:
    """Serialise this transaction with every other grant to the same shopper.

    Raises:
        OfferCustomerNotFoundError: no such customer.
    """
    if session.get_bind().dialect.name == "sqlite":
        connection = session.connection()
        # pysqlite opens a transaction only before a write; open it now, with
        # the write lock, so the reads below cannot go stale before the write.
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    found = session.execute(
        select(Customer.id).where(Customer.id == customer_id).with_for_update()
    ).scalar_one_or_none()
    if found is None:
        raise OfferCustomerNotFoundError(
            f"Customer {customer_id} does not exist in the profile store; check "
            "the id the shopper was identified with."
        )


def _candidate(row: Any, customer_grants: int) -> OfferCandidate:
    """An ``offers`` row (columns) as a ranking candidate."""
    return OfferCandidate(
        offer_id=row.id,
        code=row.code,
        kind=row.kind,
        value=row.value,
        category=row.category,
        min_tier=row.min_tier,
        min_churn_risk=row.min_churn_risk,
        max_churn_risk=row.max_churn_risk,
        min_orders=row.min_orders,
        per_customer_limit=row.per_customer_limit,
        remaining_budget=max(row.total_budget - row.granted_count, 0),
        customer_grants=customer_grants,
        active=bool(row.active),
        valid_until=row.valid_until,
        requires_complaint=bool(row.requires_complaint),
        title=row.title,
        description=row.description,
    )


def _grants_by_offer(session: Session, customer_id: int) -> dict[int, int]:
    """How many grants of each offer the customer has received."""
    rows = session.execute(
        select(OfferGrant.offer_id, func.count(OfferGrant.id))
        .where(OfferGrant.customer_id == customer_id)
        .group_by(OfferGrant.offer_id)
    ).all()
    return {offer_id: count for offer_id, count in rows}


def load_candidates(
    *, session: Session, customer_id: int, today: date
) -> list[OfferCandidate]:
    """The active, unexpired offers with this customer's grant counts.

    Args:
        session: an open session.
        customer_id: the shopper.
        today: offers that ended before this day are left out.

    Returns:
        Candidates in code order (eligibility is for :func:`rank_offers`).
    """
    rows = session.execute(
        select(*_OFFER_COLUMNS)
        .where(
            Offer.active.is_(True),
            or_(Offer.valid_until.is_(None), Offer.valid_until >= today),
        )
        .order_by(Offer.code)
    ).all()
    given = _grants_by_offer(session, customer_id)
    return [_candidate(row, given.get(row.id, 0)) for row in rows]


def _claim_budget(session: Session, offer_id: int, today: date) -> bool:
    """Take one unit of an offer's budget; False when another grant got it first."""
    result = session.execute(
        update(Offer)
        .where(
            Offer.id == offer_id,
            Offer.granted_count < Offer.total_budget,
            Offer.active.is_(True),
            or_(Offer.valid_until.is_(None), Offer.valid_until >= today),
        )
        .values(granted_count=Offer.granted_count + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def _earlier_decision(
    session: Session, profile: OfferProfile, conversation_id: str
) -> OfferDecision | None:
    """The decision already recorded for this shopper in this conversation."""
    assignment = session.execute(
        select(OfferAssignment.arm, OfferAssignment.offer_id)
        .where(
            OfferAssignment.conversation_id == conversation_id,
            OfferAssignment.customer_id == profile.customer_id,
        )
        .order_by(OfferAssignment.id)
        .limit(1)
    ).first()
    if assignment is None:
        return None
    offer: ScoredOffer | None = None
    grant_id: int | None = None
    if assignment.offer_id is not None:
        row = session.execute(
            select(*_OFFER_COLUMNS).where(Offer.id == assignment.offer_id)
        ).one()
        given = _grants_by_offer(session, profile.customer_id)
        offer = score_offer(_candidate(row, given.get(row.id, 0)), profile)
    if assignment.arm == ARM_OFFER:
        grant_id = session.execute(
            select(OfferGrant.id)
            .where(
                OfferGrant.conversation_id == conversation_id,
                OfferGrant.customer_id == profile.customer_id,
                OfferGrant.offer_id == assignment.offer_id,
            )
            .order_by(OfferGrant.id)
            .limit(1)
        ).scalar_one_or_none()
    return OfferDecision(
        arm=assignment.arm, offer=offer, grant_id=grant_id, replayed=True
    )


def _grant_reason(scored: ScoredOffer) -> str:
    """The ``offer_grants.reason`` of a next-best-offer grant."""
    terms = ", ".join(scored.reasons) or "no profile signals"
    return f"next-best-offer ({terms})"[:MAX_REASON_LENGTH]


def decide_offer(
    *,
    session: Session,
    profile: OfferProfile,
    conversation_id: str,
    holdout_share: float,
    now: datetime,
    salt: str = DEFAULT_SALT,
    grant: bool = True,
) -> OfferDecision:
    """Pick, and grant unless held out, the next best offer for a shopper.

    A second call for the same shopper and conversation returns the first
    decision (``replayed=True``) and grants nothing more.

    With ``grant=False`` the offer is only suggested: the shopper is ranked and
    assigned to an arm as usual (the ``offer_assignments`` row is written, so
    the uplift analysis counts them), but no budget is claimed and no
    ``offer_grants`` row is written; the decision's ``grant_id`` is None. A
    person then grants it explicitly (:func:`grant_offer`, e.g. through
    ``actions.handoffs.offers.grant_suggested_offer``). The suggestion is the
    best-ranked offer; budget is checked only when it is granted.

    Args:
        session: an open session; the caller commits (see the module docstring).
        profile: the shopper, built by the caller.
        conversation_id: the conversation (Rasa sender id).
        holdout_share: fraction of eligible shoppers held out
            (``ActionSettings.offer_holdout_share``).
        now: the time of the decision (UTC).
        salt: names the hold-out experiment.
        grant: False to suggest the offer without granting it (see above).

    Returns:
        The decision.

    Raises:
        OfferValueError: a bad share, conversation id or time.
        OfferCustomerNotFoundError: the profile's customer does not exist.
        StoreUnavailableError: raised by ``session_scope`` when the store is
            down or stays locked.
    """
    share = validate_share(holdout_share)
    _check_text("conversation_id", conversation_id, MAX_CONVERSATION_ID_LENGTH)
    moment = _naive_utc(now)
    today = moment.date()
    _lock_customer(session, profile.customer_id)
    earlier = _earlier_decision(session, profile, conversation_id)
    if earlier is not None:
        logger.info(
            "Conversation %r already has an offer decision (arm %s); not granting "
            "again.",
            conversation_id,
            earlier.arm,
        )
        return earlier
    candidates = load_candidates(
        session=session, customer_id=profile.customer_id, today=today
    )
    ranked = rank_offers(candidates, profile, today)
    if not ranked:
        logger.info("No offer is eligible in conversation %r.", conversation_id)
        return OfferDecision(arm=ARM_NONE)
    if in_holdout(profile.customer_id, share, salt):
        session.add(
            OfferAssignment(
                customer_id=profile.customer_id,
                conversation_id=conversation_id,
                arm=ARM_HOLDOUT,
                offer_id=ranked[0].candidate.offer_id,
                churn_probability=profile.churn_probability,
                assigned_at=moment,
            )
        )
        session.flush()
        logger.info(
            "Conversation %r is in the hold-out arm (would have got '%s').",
            conversation_id,
            ranked[0].code,
        )
        return OfferDecision(arm=ARM_HOLDOUT, offer=ranked[0])
    if not grant:
        suggested = ranked[0]
        session.add(
            OfferAssignment(
                customer_id=profile.customer_id,
                conversation_id=conversation_id,
                arm=ARM_OFFER,
                offer_id=suggested.candidate.offer_id,
                churn_probability=profile.churn_probability,
                assigned_at=moment,
            )
        )
        session.flush()
        logger.info(
            "Suggested offer '%s' in conversation %r (not granted).",
            suggested.code,
            conversation_id,
        )
        return OfferDecision(arm=ARM_OFFER, offer=suggested)
    for scored in ranked:
        if not _claim_budget(session, scored.candidate.offer_id, today):
            logger.info(
                "Offer '%s' ran out of budget under a concurrent grant; trying the "
                "next one.",
                scored.code,
            )
            continue
        grant = OfferGrant(
            offer_id=scored.candidate.offer_id,
            customer_id=profile.customer_id,
            conversation_id=conversation_id,
            reason=_grant_reason(scored),
            granted_at=moment,
        )
        session.add(grant)
        session.add(
            OfferAssignment(
                customer_id=profile.customer_id,
                conversation_id=conversation_id,
                arm=ARM_OFFER,
                offer_id=scored.candidate.offer_id,
                churn_probability=profile.churn_probability,
                assigned_at=moment,
            )
        )
        session.flush()
        logger.info(
            "Granted offer '%s' (grant %d) in conversation %r.",
            scored.code,
            grant.id,
            conversation_id,
        )
        return OfferDecision(arm=ARM_OFFER, offer=scored, grant_id=grant.id)
    logger.info(
        "Every eligible offer ran out of budget in conversation %r.", conversation_id
    )
    return OfferDecision(arm=ARM_NONE)


def grant_offer(
    *,
    session: Session,
    offer_code: str,
    customer_id: int,
    conversation_id: str | None,
    reason: str,
    now: datetime,
) -> int:
    """Grant a named offer (e.g. by an agent), within its budgets.

    Profile targeting (category, tier, churn risk) is not checked: the person
    granting decides. The offer must be active and unexpired, and both the
    total budget and the per-customer limit are enforced as in
    :func:`decide_offer`. No hold-out assignment is recorded.

    Args:
        session: an open session; the caller commits.
        offer_code: the offer's code.
        customer_id: the shopper.
        conversation_id: the conversation, or None outside one.
        reason: why it is granted (at most 200 characters).
        now: the time of the grant (UTC).

    Returns:
        The id of the new ``offer_grants`` row.

    Raises:
        OfferValueError: a bad code, id, reason or time.
        OfferCustomerNotFoundError: no such customer.
        OfferNotFoundError: no offer has this code.
        OfferUnavailableError: the offer is switched off or expired.
        OfferBudgetExhaustedError: the total budget or the customer's limit is
            used up.
    """
    _check_text("offer_code", offer_code, 32)
    _check_customer_id(customer_id)
    if conversation_id is not None:
        _check_text("conversation_id", conversation_id, MAX_CONVERSATION_ID_LENGTH)
    _check_text("reason", reason, MAX_REASON_LENGTH)
    moment = _naive_utc(now)
    today = moment.date()
    _lock_customer(session, customer_id)
    row = session.execute(
        select(*_OFFER_COLUMNS).where(Offer.code == offer_code)
    ).first()
    if row is None:
        raise OfferNotFoundError(
            f"No offer has the code {offer_code!r}; check the catalogue "
            "(actions.offers.catalogue) or the offers table."
        )
    if not row.active or (row.valid_until is not None and row.valid_until < today):
        raise OfferUnavailableError(
            f"Offer {offer_code!r} is switched off or ended on {row.valid_until}; "
            "choose another offer or reactivate it."
        )
    given = _grants_by_offer(session, customer_id).get(row.id, 0)
    if given >= row.per_customer_limit:
        raise OfferBudgetExhaustedError(
            f"Customer {customer_id} already got offer {offer_code!r} {given} "
            f"time(s), its per-customer limit; choose another offer."
        )
    if not _claim_budget(session, row.id, today):
        raise OfferBudgetExhaustedError(
            f"Offer {offer_code!r} has used its whole budget of {row.total_budget} "
            "grant(s); raise total_budget or choose another offer."
        )
    grant = OfferGrant(
        offer_id=row.id,
        customer_id=customer_id,
        conversation_id=conversation_id,
        reason=reason,
        granted_at=moment,
    )
    session.add(grant)
    session.flush()
    logger.info(
        "Granted offer %r (grant %d) to customer %d explicitly.",
        offer_code,
        grant.id,
        customer_id,
    )
    return int(grant.id)


def assignment_counts(*, session: Session) -> dict[str, int]:
    """How many decisions fell in each arm, for the handoff and admin views.

    Args:
        session: an open session.

    Returns:
        Every arm of ``ASSIGNMENT_ARMS`` (``offer``, ``holdout``) with its count.
    """
    counts = {arm: 0 for arm in ASSIGNMENT_ARMS}
    rows = session.execute(
        select(OfferAssignment.arm, func.count(OfferAssignment.id)).group_by(
            OfferAssignment.arm
        )
    ).all()
    for arm, count in rows:
        counts[arm] = int(count)
    return counts
