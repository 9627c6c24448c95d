"""The channel's credentials entry (bot/chat/config.py)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.exceptions import InvalidConfigException

from bot.chat.config import DEFAULT_ORIGINS, ChatConfig


def test_defaults_without_credentials() -> None:
    config = ChatConfig.from_credentials(None, environ={})
    assert config.allowed_origins == DEFAULT_ORIGINS and config.history_limit == 50


def test_the_environment_replaces_the_origins() -> None:
    config = ChatConfig.from_credentials(
        {"allowed_origins": ["https://a.example"]},
        environ={"SHOPBOT_CHAT_ORIGINS": "https://b.example/, https://c.example"},
    )
    assert config.allowed_origins == ("https://b.example", "https://c.example")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # not a browser
        ("https://shop.example", True),
        ("https://shop.example/", True),
        ("http://localhost:5005", True),  # the server's own origin
        ("https://evil.example", False),
        ("null", False),
    ],
)
def test_origin_check(origin: str | None, allowed: bool) -> None:
    config = ChatConfig(allowed_origins=("https://shop.example",))
    assert config.origin_allowed(origin, "http://localhost:5005") is allowed
    assert (
        ChatConfig(allowed_origins=("*",)).origin_allowed("https://x.example", "")
        is True
    )


@pytest.mark.parametrize(
    ("credentials", "names"),
    [
        ({"allowed_origin": ["x"]}, "allowed_origin"),
        ({"allowed_origins": "https://a.example"}, "allowed_origins"),
        ({"allowed_origins": ["", "x"]}, "allowed_origins"),
        ({"history_limit": -1}, "history_limit"),
        ({"history_limit": "50"}, "history_limit"),
        ({"agent_token_hours": 0}, "agent_token_hours"),
    ],
)
def test_bad_credentials_are_named(credentials: dict[str, Any], names: str) -> None:
    with pytest.raises(InvalidConfigException, match=names):
        ChatConfig.from_credentials(credentials, environ={})
