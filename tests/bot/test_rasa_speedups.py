"""Cached validation of action server replies (bot/rasa_speedups.py)."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from bot.rasa_speedups import action_result_validator, install

VALID = {
    "events": [{"event": "slot", "name": "email", "value": "a@b.example"}],
    "responses": [{"text": "hello"}],
}
INVALID = [
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"events": "not a list"},
    {"responses": ["not an object"]},
]


def test_install_replaces_the_validation_once() -> None:
    install()
    patched = RemoteAction._validate_action_result
    install()
    assert RemoteAction._validate_action_result is patched
    assert action_result_validator() is action_result_validator()


def test_valid_replies_pass() -> None:
    install()
    assert RemoteAction._validate_action_result(None, VALID) is True  # type: ignore[arg-type]


@pytest.mark.parametrize("result", INVALID)
def test_invalid_replies_fail_as_rasa_would(result: dict) -> None:
    install()
    with pytest.raises(ValidationError) as stock:
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError) as cached:
        RemoteAction._validate_action_result(None, result)  # type: ignore[arg-type]
    assert cached.value.message.startswith(stock.value.message)
    assert "Failed to validate Action server response" in cached.value.message
