"""The channel's calls into the profile store, off the event loop.

Each function opens a short session (``actions.store.db.session_scope``) in a
worker thread and maps the store's domain errors onto protocol error codes
(:class:`StoreOpError`), so the socket handlers never see SQLAlchemy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from actions.errors import StoreUnavailableError

logger = logging.getLogger(__name__)
T = TypeVar("T")


class StoreOpError(Exception):
    """A store call failed in a way the client is told about."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Account:
    """A signed-in agent."""

    username: str
    display_name: str


def _utcnow() -> Any:
    from actions.store.clock import utcnow

    return utcnow()


def _run(work: Callable[[Any], T]) -> T:
    """Run ``work(session)`` in one committed session, mapping errors."""
    from actions.agents.errors import AgentError
    from actions.errors import OfferBudgetExhaustedError
    from actions.handoffs.errors import (
        HandoffClaimedError,
        HandoffNoOfferError,
        HandoffNotFoundError,
        HandoffNotHeldError,
        HandoffTransitionError,
    )
    from actions.offers.errors import OfferError
    from actions.store.db import session_scope

    try:
        with session_scope() as session:
            return work(session)
    except StoreUnavailableError as error:
        logger.warning("Profile store unavailable: %s", error)
        raise StoreOpError(
            "store_unavailable", "the profile store is unavailable; try again shortly"
        ) from error
    except HandoffNotFoundError as error:
        raise StoreOpError("not_found", str(error)) from error
    except HandoffClaimedError as error:
        raise StoreOpError("already_claimed", str(error)) from error
    except HandoffNotHeldError as error:
        raise StoreOpError("not_holder", str(error)) from error
    except HandoffTransitionError as error:
        raise StoreOpError("not_claimable", str(error)) from error
    except HandoffNoOfferError as error:
        raise StoreOpError("no_offer", str(error)) from error
    except (OfferError, OfferBudgetExhaustedError) as error:
        raise StoreOpError("no_offer", str(error)) from error
    except (AgentError, ValueError) as error:
        raise StoreOpError("bad_frame", str(error)) from error


async def call(work: Callable[[Any], T]) -> T:
    """``work(session)`` in a worker thread (see :func:`_run`)."""
    return await asyncio.to_thread(_run, work)


async def authenticate(username: str, password: str) -> Account | None:
    """The agent account for these credentials; None when they are wrong."""
    from actions.agents.accounts import authenticate as check

    def work(session: Any) -> Account | None:
        record = check(
            session=session, username=username, password=password, now=_utcnow()
        )
        return None if record is None else Account(record.username, record.display_name)

    return await call(work)


async def active_account(username: str) -> Account | None:
    """The active agent account with this username, or None."""
    from actions.agents.accounts import get_account

    def work(session: Any) -> Account | None:
        record = get_account(session=session, username=username)
        if record is None or not record.active:
            return None
        return Account(record.username, record.display_name)

    return await call(work)


async def active_handoff(conversation_id: str) -> Any:
    """The conversation's waiting or assigned handoff record, or None."""
    from actions.handoffs.store import active_handoff as find

    return await call(
        lambda session: find(session=session, conversation_id=conversation_id)
    )


async def get_handoff(handoff_id: int) -> Any:
    """The handoff record (raises ``not_found`` when there is none)."""
    from actions.handoffs.store import get_handoff as find

    def work(session: Any) -> Any:
        record = find(session=session, handoff_id=handoff_id)
        if record is None:
            raise StoreOpError("not_found", f"no handoff has id {handoff_id}")
        return record

    return await call(work)


async def handoff_with_grant(handoff_id: int) -> tuple[Any, Any]:
    """The handoff record and the grant of its suggested offer (or None)."""
    from actions.handoffs.offers import granted_suggestion
    from actions.handoffs.store import get_handoff as find

    def work(session: Any) -> tuple[Any, Any]:
        record = find(session=session, handoff_id=handoff_id)
        if record is None:
            raise StoreOpError("not_found", f"no handoff has id {handoff_id}")
        return record, granted_suggestion(session=session, record=record)

    return await call(work)


async def open_queue() -> list[Any]:
    """The waiting and assigned handoffs, in priority order."""
    from actions.handoffs.queue import open_queue as queue

    return await call(lambda session: queue(session=session, now=_utcnow()))


async def claim(handoff_id: int, username: str) -> Any:
    """Claim a waiting handoff for an agent."""
    from actions.handoffs.store import claim_handoff

    return await call(
        lambda session: claim_handoff(
            session=session, handoff_id=handoff_id, agent=username, now=_utcnow()
        )
    )


async def release(handoff_id: int, username: str) -> Any:
    """Put a held handoff back in the queue."""
    from actions.handoffs.store import release_handoff

    return await call(
        lambda session: release_handoff(
            session=session, handoff_id=handoff_id, agent=username, now=_utcnow()
        )
    )


async def resolve(handoff_id: int, username: str) -> Any:
    """Hand a held handoff back to the bot."""
    from actions.handoffs.store import resolve_handoff

    return await call(
        lambda session: resolve_handoff(
            session=session, handoff_id=handoff_id, agent=username, now=_utcnow()
        )
    )


async def grant_offer(handoff_id: int, username: str) -> Any:
    """Grant a held handoff's suggested offer (once)."""
    from actions.handoffs.offers import grant_suggested_offer

    return await call(
        lambda session: grant_suggested_offer(
            session=session, handoff_id=handoff_id, agent=username, now=_utcnow()
        )
    )


async def save_rating(
    conversation_id: str,
    customer_id: int | None,
    handoff_id: int | None,
    score: int,
    comment: str | None,
) -> int:
    """Store a satisfaction rating; returns its id."""
    from actions.store.ratings import save_rating as save

    return await call(
        lambda session: save(
            session=session,
            conversation_id=conversation_id,
            customer_id=customer_id,
            handoff_id=handoff_id,
            score=score,
            comment=comment,
            now=_utcnow(),
        )
    )


async def customer_name(customer_id: int) -> str | None:
    """The customer's first name for the widget, or None (unknown, no consent)."""
    from actions.store import queries

    def work(session: Any) -> str | None:
        profile = queries.get_customer(customer_id, session=session, now=_utcnow())
        if profile is None or not profile.personalisation_consent:
            return None
        return profile.first_name or None

    return await call(work)
