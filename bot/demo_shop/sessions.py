"""Pure: read a ``POST /api/session`` body and build the signed session it answers.

What a real shop's backend does when a logged-in customer opens a page: it signs
their id into a short-lived token (:func:`actions.identity.tokens.sign_token`)
that the widget passes to the chat. The secret never leaves the server.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from actions.identity.tokens import MAX_CUSTOMER_ID, sign_token
from bot.demo_shop.customers import ShopCustomer
from bot.demo_shop.errors import SessionRequestError

EXAMPLE_BODY = '{"customer_id": 42} or {"customer_id": null}'


def parse_session_request(body: bytes) -> int | None:
    """The customer id a session request asks for.

    Args:
        body: the raw request body.

    Returns:
        The customer id, or None for an anonymous shopper.

    Raises:
        SessionRequestError: the body is not UTF-8 JSON, not an object, lacks
            ``customer_id``, or its value is not a positive integer or null.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SessionRequestError(
            f"The request body is not JSON ({error}); send {EXAMPLE_BODY}."
        ) from error
    if not isinstance(data, dict):
        raise SessionRequestError(
            f"The request body is a JSON {type(data).__name__}, not an object; "
            f"send {EXAMPLE_BODY}."
        )
    if "customer_id" not in data:
        raise SessionRequestError(f"'customer_id' is missing; send {EXAMPLE_BODY}.")
    value = data["customer_id"]
    if value is None:
        return None
    # bool is an int in Python; true/false is never a customer id.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SessionRequestError(
            f"'customer_id' is {json.dumps(value)}; it must be a whole number "
            "(without quotes) or null."
        )
    customer_id: int = value
    if not 0 < customer_id <= MAX_CUSTOMER_ID:
        raise SessionRequestError(
            f"'customer_id' is {customer_id}; customer ids are positive integers."
        )
    return customer_id


def iso_utc(seconds: int) -> str:
    """Unix seconds as an ISO-8601 UTC string, e.g. ``2026-11-22T10:15:00Z``."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def session_response(
    customer: ShopCustomer | None, *, secret: str, now: float, ttl_seconds: int
) -> dict[str, Any]:
    """The JSON answer of ``POST /api/session``.

    Args:
        customer: who signs in; None for an anonymous shopper.
        secret: the token HMAC secret.
        now: the current time, unix seconds.
        ttl_seconds: how long the token lasts.

    Returns:
        ``{"token", "expires_at", "customer"}``; all None for an anonymous shopper.
    """
    if customer is None:
        return {"token": None, "expires_at": None, "customer": None}
    expires_at = int(now) + ttl_seconds
    return {
        "token": sign_token(customer.customer_id, expires_at, secret),
        "expires_at": iso_utc(expires_at),
        "customer": customer.to_json(),
    }
