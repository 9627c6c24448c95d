"""End-of-chat satisfaction ratings: store one, summarise them all.

The widget's ``rating`` frame (score 1 to 5, optional comment) ends up in
:func:`save_rating`. A rating is never lost to a stale reference: a customer or
handoff id that no longer exists is stored as None (and logged) instead of
failing the foreign key.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.store.clock import naive_utc
from actions.store.errors import StoreInputError
from actions.store.schema import RATING_SCORES, ChatRating, Customer, Handoff

logger = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 1000
MAX_CONVERSATION_ID_LENGTH = 255


def _check_score(score: object) -> int:
    if isinstance(score, bool) or not isinstance(score, int):
        raise StoreInputError(
            f"The rating score is {score!r}; pass a whole number from "
            f"{RATING_SCORES[0]} to {RATING_SCORES[-1]}."
        )
    if score not in RATING_SCORES:
        raise StoreInputError(
            f"The rating score is {score}; pass a whole number from "
            f"{RATING_SCORES[0]} to {RATING_SCORES[-1]}."
        )
    return score


def _check_comment(comment: object) -> str | None:
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise StoreInputError(
            f"The rating comment is a {type(comment).__name__}; pass text or None."
        )
    text = comment.strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise StoreInputError(
            f"The rating comment has {len(text)} characters; keep it to "
            f"{MAX_COMMENT_LENGTH}."
        )
    return text or None


def _check_conversation(conversation_id: object) -> str:
    if (
        not isinstance(conversation_id, str)
        or not conversation_id.strip()
        or len(conversation_id) > MAX_CONVERSATION_ID_LENGTH
    ):
        shown = conversation_id
        if isinstance(shown, str):
            shown = shown[:60]
        raise StoreInputError(
            f"The rating's conversation id is {shown!r}; pass the session id, 1 to "
            f"{MAX_CONVERSATION_ID_LENGTH} characters."
        )
    return conversation_id


def _check_id(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise StoreInputError(
            f"The rating's {name} is {value!r}; pass a positive id or None."
        )
    return value


def save_rating(
    *,
    session: Session,
    conversation_id: str,
    customer_id: int | None,
    handoff_id: int | None,
    score: int,
    comment: str | None,
    now: datetime,
) -> int:
    """Store a shopper's rating of a chat.

    Args:
        session: an open session; the caller commits.
        conversation_id: the conversation (session id), 1-255 characters.
        customer_id: the signed-in shopper, None when anonymous; an id with no
            customer is stored as None.
        handoff_id: the handoff the chat went through, if any; an id with no
            handoff is stored as None.
        score: a whole number from 1 (worst) to 5; a bool is refused.
        comment: optional text, stripped, at most 1,000 characters (blank is
            stored as None).
        now: when it was given.

    Returns:
        The new rating's id.

    Raises:
        StoreInputError: (a ``ValueError``) a bad score, comment, conversation
            id, customer id or handoff id; the message names it.
    """
    conversation = _check_conversation(conversation_id)
    checked_score = _check_score(score)
    text = _check_comment(comment)
    customer = _check_id("customer_id", customer_id)
    handoff = _check_id("handoff_id", handoff_id)
    if customer is not None and session.get(Customer, customer) is None:
        logger.warning(
            "Rating of conversation '%s' names unknown customer %d; stored without.",
            conversation,
            customer,
        )
        customer = None
    if handoff is not None and session.get(Handoff, handoff) is None:
        logger.warning(
            "Rating of conversation '%s' names unknown handoff %d; stored without.",
            conversation,
            handoff,
        )
        handoff = None
    row = ChatRating(
        conversation_id=conversation,
        customer_id=customer,
        handoff_id=handoff,
        score=checked_score,
        comment=text,
        created_at=naive_utc(now),
    )
    session.add(row)
    session.flush()
    logger.info(
        "Stored rating %d (score %d) of conversation '%s'.",
        row.id,
        checked_score,
        conversation,
    )
    return int(row.id)


def ratings_summary(*, session: Session) -> dict[str, Any]:
    """How shoppers rated their chats.

    Args:
        session: an open session.

    Returns:
        ``{"count": int, "mean": float | None, "histogram": {1: n, ..., 5: n}}``;
        ``mean`` is None when there are no ratings.
    """
    rows = session.execute(
        select(ChatRating.score, func.count(ChatRating.id)).group_by(ChatRating.score)
    ).all()
    histogram = {score: 0 for score in RATING_SCORES}
    for score, count in rows:
        histogram[int(score)] = int(count)
    total = sum(histogram.values())
    mean = (
        sum(score * count for score, count in histogram.items()) / total
        if total
        else None
    )
    return {"count": total, "mean": mean, "histogram": histogram}
