"""The demo shop's settings: one typed object from the command line and environment.

| option | variable | default |
|---|---|---|
| ``--host`` | ``SHOPBOT_DEMO_HOST`` | ``127.0.0.1`` |
| ``--port`` | ``SHOPBOT_DEMO_PORT`` | ``8000`` |
| ``--chat-url`` (Rasa server) | ``SHOPBOT_CHAT_URL`` | ``http://localhost:5005`` |
| ``--token-ttl`` (seconds) | ``SHOPBOT_DEMO_TOKEN_TTL`` | ``3600`` |

The profile store and the token secret are the action server's
(``SHOPBOT_DATABASE_URL``, ``SHOPBOT_TOKEN_SECRET``: :mod:`actions.settings`), so
the tokens the shop mints are the ones the chat channel accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from bot.demo_shop.errors import DemoShopSettingsError

MIN_TOKEN_TTL_SECONDS = 60
MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600
CHANNEL_PATH = "/webhooks/shopbot"


def normalise_chat_url(url: str) -> str:
    """An http(s) base URL without a trailing slash, query or fragment.

    Args:
        url: e.g. ``http://localhost:5005`` or ``https://chat.example.com/``.

    Returns:
        The URL, e.g. ``http://localhost:5005``.

    Raises:
        DemoShopSettingsError: not an http(s) URL with a host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DemoShopSettingsError(
            f"--chat-url '{url}' is not an http(s) URL of the Rasa server; use e.g. "
            "http://localhost:5005."
        )
    if parts.query or parts.fragment:
        raise DemoShopSettingsError(
            f"--chat-url '{url}' has a query or fragment; give only the server's "
            "base URL, e.g. http://localhost:5005."
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class DemoShopSettings:
    """Everything the demo shop needs to serve its page and mint tokens.

    Attributes:
        host: interface to listen on.
        port: TCP port, 1 to 65535.
        chat_url: base URL of the Rasa server serving the shopbot channel.
        token_ttl_seconds: lifetime of a minted shopper token.
        database_url: the profile store (the action server's).
        token_secret: the HMAC secret shared with the chat channel.
    """

    host: str
    port: int
    chat_url: str
    token_ttl_seconds: int
    database_url: str
    token_secret: str

    def __post_init__(self) -> None:
        """Normalise the chat URL and validate every field."""
        object.__setattr__(self, "chat_url", normalise_chat_url(self.chat_url))
        if not self.host.strip():
            raise DemoShopSettingsError(
                "--host is empty; use e.g. 127.0.0.1 (local only) or 0.0.0.0."
            )
        if not 1 <= self.port <= 65535:
            raise DemoShopSettingsError(
                f"--port is {self.port}; use a TCP port from 1 to 65535, e.g. 8000."
            )
        if not MIN_TOKEN_TTL_SECONDS <= self.token_ttl_seconds <= MAX_TOKEN_TTL_SECONDS:
            raise DemoShopSettingsError(
                f"--token-ttl is {self.token_ttl_seconds} seconds; use "
                f"{MIN_TOKEN_TTL_SECONDS} to {MAX_TOKEN_TTL_SECONDS}."
            )
        if not self.token_secret:
            raise DemoShopSettingsError(
                "The token secret is empty; set SHOPBOT_TOKEN_SECRET."
            )

    @property
    def widget_script_url(self) -> str:
        """Where the page loads widget.js from."""
        return f"{self.chat_url}{CHANNEL_PATH}/static/widget.js"

    @property
    def socket_url(self) -> str:
        """The shopper socket the widget connects to (ws:// or wss://)."""
        scheme = "wss" if self.chat_url.startswith("https:") else "ws"
        return f"{scheme}:{self.chat_url.split(':', 1)[1]}{CHANNEL_PATH}/ws"

    @property
    def agent_console_url(self) -> str:
        """The agent console page on the chat server."""
        return f"{self.chat_url}{CHANNEL_PATH}/agent"
