"""DemoShopSettings: URL normalisation, derived URLs, and clear refusals."""

from __future__ import annotations

import pytest

from bot.demo_shop.errors import DemoShopSettingsError
from bot.demo_shop.settings import normalise_chat_url
from tests.bot.web.helpers import make_settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://localhost:5005", "http://localhost:5005"),
        ("http://localhost:5005/", "http://localhost:5005"),
        ("  https://chat.example.com/rasa/ ", "https://chat.example.com/rasa"),
    ],
)
def test_chat_url_is_normalised(given: str, expected: str) -> None:
    assert normalise_chat_url(given) == expected


@pytest.mark.parametrize(
    ("given", "names"),
    [
        ("localhost:5005", "not an http(s) URL"),
        ("ftp://localhost:5005", "not an http(s) URL"),
        ("http://", "not an http(s) URL"),
        ("http://localhost:5005/?x=1", "query or fragment"),
        ("http://localhost:5005/#top", "query or fragment"),
    ],
)
def test_bad_chat_url_is_refused_with_its_value(given: str, names: str) -> None:
    with pytest.raises(DemoShopSettingsError) as error:
        normalise_chat_url(given)
    assert given in str(error.value) and names in str(error.value)


def test_derived_urls_follow_the_chat_url() -> None:
    plain = make_settings("sqlite://", chat_url="http://localhost:5005/")
    assert plain.widget_script_url == (
        "http://localhost:5005/webhooks/shopbot/static/widget.js"
    )
    assert plain.socket_url == "ws://localhost:5005/webhooks/shopbot/ws"
    assert plain.agent_console_url == "http://localhost:5005/webhooks/shopbot/agent"
    secure = make_settings("sqlite://", chat_url="https://chat.example.com/rasa")
    assert secure.socket_url == "wss://chat.example.com/rasa/webhooks/shopbot/ws"


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"port": 0}, "--port is 0"),
        ({"port": 70000}, "--port is 70000"),
        ({"host": " "}, "--host is empty"),
        ({"token_ttl_seconds": 5}, "--token-ttl is 5"),
        ({"token_ttl_seconds": 10**9}, "--token-ttl is 1000000000"),
        ({"token_secret": ""}, "SHOPBOT_TOKEN_SECRET"),
    ],
)
def test_bad_settings_are_refused(overrides: dict[str, object], names: str) -> None:
    with pytest.raises(DemoShopSettingsError, match=names):
        make_settings("sqlite://", **overrides)
