"""Identity resolution from events and slots."""

from __future__ import annotations

from typing import Any

from actions.identity.resolve import TOKEN_METADATA_KEY, resolve_identity
from actions.identity.tokens import sign_token

SECRET = "s" * 40
NOW = 1_800_000_000


def user(metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"event": "user", "text": "hi"}
    if metadata is not None:
        event["metadata"] = metadata
    return event


def test_a_valid_token_in_the_latest_message_identifies_the_customer() -> None:
    token = sign_token(7, NOW + 600, SECRET)
    identity = resolve_identity([user({TOKEN_METADATA_KEY: token})], {}, SECRET, NOW)
    assert (identity.customer_id, identity.source) == (7, "token")


def test_no_token_and_no_slots_is_anonymous() -> None:
    identity = resolve_identity([user()], {}, SECRET, NOW)
    assert not identity.is_known
    assert identity.problem is None


def test_a_forged_token_overrides_an_earlier_valid_identity() -> None:
    slots = {"customer_id": 7, "customer_token_expires": NOW + 600}
    forged = sign_token(8, NOW + 600, "not the shop's secret, but long enough")
    identity = resolve_identity(
        [user({TOKEN_METADATA_KEY: forged})], slots, SECRET, NOW
    )
    assert not identity.is_known
    assert identity.problem is not None and "signature" in identity.problem


def test_a_message_without_a_token_keeps_the_verified_identity_until_expiry() -> None:
    slots = {"customer_id": 7.0, "customer_token_expires": str(NOW + 600)}
    assert resolve_identity([user()], slots, SECRET, NOW).customer_id == 7
    assert not resolve_identity([user()], slots, SECRET, NOW + 600).is_known


def test_only_the_latest_user_message_counts() -> None:
    token = sign_token(7, NOW + 600, SECRET)
    events = [user({TOKEN_METADATA_KEY: token}), {"event": "bot"}, user({})]
    assert not resolve_identity(events, {}, SECRET, NOW).is_known


def test_metadata_that_is_not_an_object_is_ignored() -> None:
    events = [{"event": "user", "metadata": ["v1.7.1.x"]}]
    assert not resolve_identity(events, {}, SECRET, NOW).is_known
