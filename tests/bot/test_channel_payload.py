"""Tests for REST payload validation (pure)."""

from __future__ import annotations

import json

import pytest

from bot.channels.payload import MAX_BODY_BYTES, payload_error


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "a", "message": "where is my order 12345?"},
        {"message": ""},
        {"sender": 42, "message": "hi", "metadata": {"token": "x"}},
        {"sender": "a", "message": "x" * 10_000},
        {"sender": "a", "message": "Где мой заказ? 🙂"},
    ],
)
def test_valid_payloads_pass(body: dict[str, object]) -> None:
    assert payload_error(json.dumps(body).encode()) is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty request body"),
        (b"   ", "empty request body"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "JSON list received"),
        (b'"hello"', "JSON str received"),
        (b'{"sender": "x"}', "'message' must be a string, got NoneType"),
        (b'{"message": 5}', "'message' must be a string, got int"),
        (b'{"message": "hi", "sender": []}', "'sender' must be a string"),
        (b'{"message": "hi", "metadata": [1]}', "'metadata' must be a JSON object"),
        (json.dumps({"message": "hi", "sender": "s" * 300}).encode(), "longer than"),
        (b"x" * (MAX_BODY_BYTES + 1), "exceeds"),
    ],
)
def test_malformed_payloads_get_a_clear_error(body: bytes, fragment: str) -> None:
    error = payload_error(body)
    assert error is not None and fragment in error
