"""An agent grants the offer the handoff packet suggests, once per handoff.

At handoff the bot only suggests an offer (``decide_offer(grant=False)`` in
:mod:`actions.escalation_flow`); the agent holding the handoff grants it from
the console with :func:`grant_suggested_offer`.

Once per handoff: the function first locks the handoff (a guarded no-op UPDATE,
see :func:`actions.handoffs.store.lock_held_handoff`), then looks for a grant of
the suggested offer to this customer in this conversation; only when there is
none does it call :func:`actions.offers.grants.grant_offer`. A repeated or
racing call therefore returns the first grant with ``already_granted=True``.
A grant the bot made before this change (older handoffs) counts as the first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.handoffs.errors import HandoffNoOfferError
from actions.handoffs.store import HandoffRecord, lock_held_handoff
from actions.offers.grants import ARM_OFFER, grant_offer
from actions.store.schema import Offer, OfferGrant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SuggestedGrant:
    """The suggested offer, granted.

    Attributes:
        grant_id: the ``offer_grants`` row.
        code: the offer code the shopper uses at checkout.
        title: the offer's title, to tell the shopper.
        already_granted: True when an earlier call (or the bot, for older
            handoffs) granted it; nothing new was granted.
    """

    grant_id: int
    code: str
    title: str
    already_granted: bool


def grant_suggested_offer(
    *, session: Session, handoff_id: int, agent: str, now: datetime
) -> SuggestedGrant:
    """Grant the handoff packet's suggested offer to its shopper.

    Args:
        session: an open session; the caller commits (or rolls back on error).
        handoff_id: the handoff.
        agent: the username of the agent granting it; they must hold it.
        now: when it is granted.

    Returns:
        The grant; the earlier one (``already_granted=True``) on a repeat.

    Raises:
        HandoffNotFoundError: no handoff has this id.
        HandoffNotHeldError: ``agent`` does not hold the handoff.
        HandoffNoOfferError: the packet suggests no offer, the shopper is in
            the hold-out arm, or the shopper is anonymous.
        OfferBudgetExhaustedError: the offer's total budget or the customer's
            limit is used up (from :func:`actions.offers.grants.grant_offer`,
            propagated unchanged; the console answers ``no_offer``).
        OfferUnavailableError: the offer was switched off or has ended.
        OfferNotFoundError: the offer code is no longer in the catalogue.
        OfferCustomerNotFoundError: the shopper's customer row is gone.
    """
    record = lock_held_handoff(session=session, handoff_id=handoff_id, agent=agent)
    suggested = record.packet.suggested_offer
    if suggested is None:
        raise HandoffNoOfferError(
            f"Handoff {handoff_id} suggests no offer (none was eligible, or the "
            "shopper is anonymous); there is nothing to grant."
        )
    if suggested.arm != ARM_OFFER:
        raise HandoffNoOfferError(
            f"Handoff {handoff_id}'s shopper is in the '{suggested.arm}' arm of the "
            f"offer experiment; do not grant {suggested.code!r}."
        )
    customer_id = record.customer_id
    if customer_id is None:
        raise HandoffNoOfferError(
            f"Handoff {handoff_id} has no signed-in customer to grant "
            f"{suggested.code!r} to."
        )
    earlier = _earlier_grant(session, suggested.code, customer_id, record)
    if earlier is not None:
        logger.info(
            "Handoff %d: offer '%s' was granted already (grant %d).",
            handoff_id,
            suggested.code,
            earlier,
        )
        return SuggestedGrant(
            grant_id=int(earlier),
            code=suggested.code,
            title=suggested.title,
            already_granted=True,
        )
    grant_id = grant_offer(
        session=session,
        offer_code=suggested.code,
        customer_id=customer_id,
        conversation_id=record.conversation_id,
        reason=f"agent {agent}, handoff {handoff_id}",
        now=now,
    )
    logger.info(
        "Handoff %d: agent '%s' granted offer '%s' (grant %d).",
        handoff_id,
        agent,
        suggested.code,
        grant_id,
    )
    return SuggestedGrant(
        grant_id=grant_id,
        code=suggested.code,
        title=suggested.title,
        already_granted=False,
    )


def _earlier_grant(
    session: Session, code: str, customer_id: int, record: HandoffRecord
) -> int | None:
    """The id of the grant of ``code`` made in this handoff's conversation."""
    earlier = session.execute(
        select(OfferGrant.id)
        .join(Offer, Offer.id == OfferGrant.offer_id)
        .where(
            Offer.code == code,
            OfferGrant.customer_id == customer_id,
            OfferGrant.conversation_id == record.conversation_id,
        )
        .order_by(OfferGrant.id)
        .limit(1)
    ).scalar_one_or_none()
    return None if earlier is None else int(earlier)


def granted_suggestion(
    *, session: Session, record: HandoffRecord
) -> SuggestedGrant | None:
    """The grant of the handoff's suggested offer, if an agent made it already.

    Args:
        session: an open session.
        record: the handoff.

    Returns:
        The grant (``already_granted=True``), or None when none was made.
    """
    suggested = record.packet.suggested_offer
    if suggested is None or record.customer_id is None:
        return None
    earlier = _earlier_grant(session, suggested.code, record.customer_id, record)
    if earlier is None:
        return None
    return SuggestedGrant(
        grant_id=earlier,
        code=suggested.code,
        title=suggested.title,
        already_granted=True,
    )
