"""Session requests: parsing refuses bad bodies by name; tokens verify."""

from __future__ import annotations

import json

import pytest

from actions.identity.tokens import verify_token
from bot.demo_shop.customers import ShopCustomer
from bot.demo_shop.errors import SessionRequestError
from bot.demo_shop.sessions import iso_utc, parse_session_request, session_response

SECRET = "sessions-test-secret-0123456789abcdef"


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b'{"customer_id": 7}', 7), (b'{"customer_id": null}', None)],
)
def test_good_bodies(body: bytes, expected: int | None) -> None:
    assert parse_session_request(body) == expected


@pytest.mark.parametrize(
    ("body", "names"),
    [
        (b"", "not JSON"),
        (b"customer_id=7", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[7]", "JSON list, not an object"),
        (b"7", "JSON int, not an object"),
        (b"{}", "'customer_id' is missing"),
        (b'{"customer_id": "7"}', "'customer_id' is \"7\""),
        (b'{"customer_id": 7.5}', "'customer_id' is 7.5"),
        (b'{"customer_id": true}', "'customer_id' is true"),
        (b'{"customer_id": [1]}', "'customer_id' is [1]"),
        (b'{"customer_id": 0}', "'customer_id' is 0; customer ids are positive"),
        (b'{"customer_id": -3}', "'customer_id' is -3"),
        (b'{"customer_id": 99999999999999999999}', "positive integers"),
    ],
)
def test_bad_bodies_are_refused_by_name(body: bytes, names: str) -> None:
    with pytest.raises(SessionRequestError) as error:
        parse_session_request(body)
    assert names in str(error.value)


def test_anonymous_session_has_no_token() -> None:
    assert session_response(None, secret=SECRET, now=1000.0, ttl_seconds=60) == {
        "token": None,
        "expires_at": None,
        "customer": None,
    }


def test_customer_session_carries_a_token_the_channel_accepts() -> None:
    customer = ShopCustomer(42, "Ada Park", "gold", "loyal", "order tracking")
    now = 1_800_000_000.0
    body = session_response(customer, secret=SECRET, now=now, ttl_seconds=600)
    identity = verify_token(body["token"], SECRET, now + 599)
    assert identity.customer_id == 42
    assert body["expires_at"] == iso_utc(int(now) + 600) == "2027-01-15T08:10:00Z"
    assert body["customer"] == {
        "id": 42,
        "name": "Ada Park",
        "tier": "gold",
        "role": "loyal",
        "purpose": "order tracking",
    }
    assert "email" not in json.dumps(body)
