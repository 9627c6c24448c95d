"""Agent session tokens: format, expiry, forgery, no crossing with shopper tokens."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from actions.agents.errors import AgentInputError, AgentTokenError
from actions.agents.tokens import (
    DEFAULT_TTL_SECONDS,
    agent_token_expiry,
    sign_agent_token,
    verify_agent_token,
)
from actions.errors import TokenError
from actions.identity.tokens import sign_token, verify_token

SECRET = "a-test-secret-that-is-long-enough-to-be-real"
NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)


def test_round_trip_and_format() -> None:
    token = sign_agent_token("alex", SECRET, NOW)
    version, username, expiry, signature = token.split(".")
    assert (version, username) == ("a1", "alex")
    assert int(expiry) == int(NOW.timestamp()) + DEFAULT_TTL_SECONDS == 1795384800
    assert len(signature) == 64 and signature == signature.lower()
    int(signature, 16)
    assert verify_agent_token(token, SECRET, NOW) == "alex"
    assert agent_token_expiry(token) == NOW + timedelta(hours=12)


def test_the_key_is_derived_from_the_secret_not_the_secret_itself() -> None:
    token = sign_agent_token("alex", SECRET, NOW)
    payload, signature = token.rsplit(".", 1)
    direct = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    assert signature != direct


def test_usernames_with_dots_and_normalised_case() -> None:
    token = sign_agent_token(" J.Doe-2_x ", SECRET, NOW, ttl_seconds=60)
    assert token.startswith("a1.j.doe-2_x.")
    assert verify_agent_token(token, SECRET, NOW) == "j.doe-2_x"


def test_expiry_is_exclusive_and_naive_times_are_utc() -> None:
    token = sign_agent_token("alex", SECRET, NOW, ttl_seconds=60)
    naive = NOW.replace(tzinfo=None)
    assert verify_agent_token(token, SECRET, naive + timedelta(seconds=59)) == "alex"
    with pytest.raises(AgentTokenError, match="expired; sign in again"):
        verify_agent_token(token, SECRET, NOW + timedelta(seconds=60))
    later = datetime(2026, 11, 22, 11, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert verify_agent_token(token, SECRET, later) == "alex"


def _tamper(token: str, field: int, value: str) -> str:
    parts = token.split(".")
    parts[field] = value
    return ".".join(parts)


def test_forged_tokens_are_refused_without_echoing_them() -> None:
    token = sign_agent_token("alex", SECRET, NOW)
    signature = token.rsplit(".", 1)[1]
    forged = [
        _tamper(token, 1, "admin"),
        _tamper(token, 2, str(int(token.split(".")[2]) + 3600)),
        _tamper(token, 3, ("0" if signature[0] != "0" else "1") + signature[1:]),
    ]
    for bad in forged:
        with pytest.raises(AgentTokenError, match="signature does not match") as caught:
            verify_agent_token(bad, SECRET, NOW)
        assert bad not in str(caught.value) and signature not in str(caught.value)
    with pytest.raises(AgentTokenError, match="signature does not match"):
        verify_agent_token(token, SECRET + "-other", NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a1.alex",
        "a1..1795384800." + "0" * 64,
        "a1.Alex.1795384800." + "0" * 64,  # capitals are never signed
        "a1.alex.17644x7600." + "0" * 64,
        "a1.alex.1795384800." + "0" * 63,
        "a1.alex.1795384800." + "G" * 64,
        "a2.alex.1795384800." + "0" * 64,
        "a1.al ex.1795384800." + "0" * 64,
        "a1." + "x" * 300,
        None,
        42,
        ["a1.alex"],
    ],
)
def test_malformed_tokens_are_refused(token: object) -> None:
    with pytest.raises(AgentTokenError) as caught:
        verify_agent_token(token, SECRET, NOW)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    if isinstance(token, str) and token:
        assert token not in str(caught.value)


def test_shopper_and_agent_tokens_never_stand_in_for_each_other() -> None:
    shopper = sign_token(7, int(NOW.timestamp()) + 600, SECRET)
    with pytest.raises(AgentTokenError, match="malformed"):
        verify_agent_token(shopper, SECRET, NOW)
    agent = sign_agent_token("alex", SECRET, NOW)
    with pytest.raises(TokenError, match="malformed"):
        verify_token(agent, SECRET, NOW.timestamp())
    # Even rewritten into the other format, a shopper signature does not verify:
    # the agent key is derived from the secret under its own label.
    payload = "a1.alex.1795384800"
    shopper_style = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256)
    with pytest.raises(AgentTokenError, match="signature does not match"):
        verify_agent_token(f"{payload}.{shopper_style.hexdigest()}", SECRET, NOW)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"username": ""}, AgentInputError, "username is empty"),
        ({"username": "al ex"}, AgentInputError, "holds characters other than"),
        ({"secret": ""}, AgentTokenError, "secret is empty"),
        ({"ttl_seconds": 0}, AgentTokenError, "ttl_seconds is 0; pass whole seconds"),
        ({"ttl_seconds": 31 * 86400}, AgentTokenError, "30 days"),
        ({"ttl_seconds": 1.5}, AgentTokenError, "ttl_seconds is 1.5"),
        ({"ttl_seconds": True}, AgentTokenError, "ttl_seconds is True"),
        ({"now": "2026-11-22"}, AgentTokenError, "now is '2026-11-22'"),
    ],
)
def test_bad_signing_arguments_are_refused(
    arguments: dict[str, object], error: type[Exception], message: str
) -> None:
    call: dict[str, object] = {"username": "alex", "secret": SECRET, "now": NOW}
    call.update(arguments)
    with pytest.raises(error, match=message):
        sign_agent_token(**call)  # type: ignore[arg-type]


def test_an_empty_secret_never_verifies() -> None:
    token = sign_agent_token("alex", SECRET, NOW)
    with pytest.raises(AgentTokenError, match="secret is empty"):
        verify_agent_token(token, "", NOW)
