"""Signed shopper tokens: HMAC-SHA256 over the customer id and an expiry.

The shop's page, where the shopper is logged in, mints a token with the shared
secret and passes it as message metadata (``{"shopbot_token": "..."}``). The
action server trusts a customer id only through :func:`verify_token`.

Format: ``v1.<customer id>.<expiry, unix seconds>.<signature>``, the signature
being the unpadded URL-safe base64 of HMAC-SHA256(secret, "v1.<id>.<expiry>").
Pure functions: the caller supplies the secret and the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from actions.errors import TokenError

VERSION = "v1"
# Bounds that keep a token short and its numbers sane.
MAX_TOKEN_LENGTH = 200
MAX_CUSTOMER_ID = 2**63 - 1
_TOKEN = re.compile(r"v1\.([1-9][0-9]{0,18})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class VerifiedIdentity:
    """A customer id proven by a valid token, and when the proof runs out."""

    customer_id: int
    expires_at: int


def _signature(secret: str, payload: str) -> str:
    """The unpadded URL-safe base64 HMAC-SHA256 of ``payload``."""
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_token(customer_id: int, expires_at: int, secret: str) -> str:
    """Mint a token for a logged-in customer.

    Args:
        customer_id: the customer's id in the profile store (positive).
        expires_at: expiry as unix seconds.
        secret: the shared HMAC secret.

    Returns:
        The token text.

    Raises:
        TokenError: the id or expiry is out of range, or the secret is empty.
    """
    if not 0 < customer_id <= MAX_CUSTOMER_ID:
        raise TokenError(f"customer_id must be a positive integer, got {customer_id}.")
    if not 0 <= expires_at < 10**12:
        raise TokenError(f"expires_at must be unix seconds, got {expires_at}.")
    if not secret:
        raise TokenError("The token secret is empty; set SHOPBOT_TOKEN_SECRET.")
    payload = f"{VERSION}.{customer_id}.{expires_at}"
    return f"{payload}.{_signature(secret, payload)}"


def verify_token(token: object, secret: str, now: float) -> VerifiedIdentity:
    """Check a token's shape, signature and expiry.

    Args:
        token: what arrived in the metadata (any JSON value).
        secret: the shared HMAC secret.
        now: the current time, unix seconds.

    Returns:
        The verified identity.

    Raises:
        TokenError: the token is not a string of the expected shape, its
            signature does not match (forged or signed with another secret), or
            it has expired. The message never repeats the token itself.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("The shopper token is not a string of the expected size.")
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise TokenError(
            "The shopper token is malformed; expected "
            "'v1.<customer id>.<expiry>.<signature>'."
        )
    customer_text, expiry_text, signature = match.groups()
    payload = f"{VERSION}.{customer_text}.{expiry_text}"
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise TokenError("The shopper token's signature does not match.")
    customer_id, expires_at = int(customer_text), int(expiry_text)
    if customer_id > MAX_CUSTOMER_ID:
        raise TokenError("The shopper token's customer id is out of range.")
    if now >= expires_at:
        raise TokenError("The shopper token has expired; the page must mint a new one.")
    return VerifiedIdentity(customer_id=customer_id, expires_at=expires_at)
