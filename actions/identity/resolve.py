"""Resolve who is talking from a conversation's events and slots (pure).

The latest shopper message decides: a valid token there identifies the
customer; an invalid one (forged, expired, malformed) makes the shopper
anonymous, even if an earlier message carried a valid token, because the page
no longer vouches for them. A message without a token keeps the identity an
action verified earlier (slots ``customer_id`` / ``customer_token_expires``)
until that token's expiry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from actions.errors import TokenError
from actions.identity.tokens import verify_token

TOKEN_METADATA_KEY = "shopbot_token"


@dataclass(frozen=True)
class Identity:
    """Who the shopper is, as far as the action server can prove."""

    customer_id: int | None
    expires_at: int | None
    # "token" (this message), "session" (verified earlier) or "anonymous".
    source: str
    # Why a presented token was refused; None when none was refused.
    problem: str | None = None

    @property
    def is_known(self) -> bool:
        """True when a customer id is proven."""
        return self.customer_id is not None


ANONYMOUS = Identity(customer_id=None, expires_at=None, source="anonymous")


def latest_user_metadata(events: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The metadata of the newest ``user`` event ({} when none or not a dict)."""
    for event in reversed(events):
        if event.get("event") == "user":
            metadata = event.get("metadata")
            return metadata if isinstance(metadata, Mapping) else {}
    return {}


def _int_or_none(value: Any) -> int | None:
    """An int slot value (slots may hold floats or strings after a round trip)."""
    try:
        return None if value is None else int(float(value))
    except (TypeError, ValueError):
        return None


def resolve_identity(
    events: Sequence[Mapping[str, Any]],
    slots: Mapping[str, Any],
    secret: str,
    now: float,
) -> Identity:
    """Work out the shopper's identity.

    Args:
        events: the tracker's events (dicts, as rasa-sdk gives them).
        slots: the tracker's slots (``customer_id``, ``customer_token_expires``).
        secret: the HMAC secret tokens are signed with.
        now: the current time, unix seconds.

    Returns:
        The identity; anonymous unless a token proves otherwise.
    """
    metadata = latest_user_metadata(events)
    if TOKEN_METADATA_KEY in metadata:
        try:
            verified = verify_token(metadata[TOKEN_METADATA_KEY], secret, now)
        except TokenError as error:
            return Identity(None, None, "anonymous", problem=str(error))
        return Identity(verified.customer_id, verified.expires_at, "token")
    customer_id = _int_or_none(slots.get("customer_id"))
    expires_at = _int_or_none(slots.get("customer_token_expires"))
    if customer_id is not None and expires_at is not None and now < expires_at:
        return Identity(customer_id, expires_at, "session")
    return ANONYMOUS
