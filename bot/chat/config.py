"""The chat channel's configuration (the ``bot.channels.websocket.ShopbotChannel``
entry of ``credentials.yml``), validated.

``SHOPBOT_CHAT_ORIGINS`` (comma-separated) replaces ``allowed_origins`` when
set, so a deployment or ``make run`` on other ports need not edit the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.shared.exceptions import InvalidConfigException

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
ORIGINS_ENV = "SHOPBOT_CHAT_ORIGINS"
DEFAULT_ORIGINS = (
    "http://localhost:8000",
    "http://127.0.0.1:8000",
)
MAX_HISTORY = 500


@dataclass(frozen=True)
class ChatConfig:
    """Validated channel settings.

    Attributes:
        allowed_origins: browser origins allowed to open the sockets (``*`` for
            any); the server's own origin is always allowed.
        history_limit: messages replayed to a reconnecting widget.
        agent_token_hours: how long an agent's sign-in lasts.
        static_dir: where widget.js, console.html and friends are.
    """

    allowed_origins: tuple[str, ...] = DEFAULT_ORIGINS
    history_limit: int = 50
    agent_token_hours: int = 12
    static_dir: Path = STATIC_DIR

    def origin_allowed(self, origin: str | None, own_origin: str) -> bool:
        """Whether a socket from ``origin`` is accepted (no Origin: non-browser)."""
        if origin is None:
            return True
        origin = origin.rstrip("/")
        return (
            origin == own_origin
            or "*" in self.allowed_origins
            or (origin in self.allowed_origins)
        )

    @classmethod
    def from_credentials(
        cls,
        credentials: Mapping[str, Any] | None,
        environ: Mapping[str, str] | None = None,
    ) -> ChatConfig:
        """Build from the credentials entry (None: defaults) and the environment.

        Raises:
            InvalidConfigException: an unknown key or a bad value, named.
        """
        data = dict(credentials or {})
        environ = os.environ if environ is None else environ
        known = {"allowed_origins", "history_limit", "agent_token_hours"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidConfigException(
                f"Unknown key(s) {unknown} for bot.channels.websocket.ShopbotChannel "
                "in "
                f"credentials.yml; allowed: {sorted(known)}."
            )
        origins: Any = data.get("allowed_origins", list(DEFAULT_ORIGINS))
        if environ.get(ORIGINS_ENV, "").strip():
            origins = [o for o in environ[ORIGINS_ENV].split(",") if o.strip()]
        if not isinstance(origins, list | tuple) or not all(
            isinstance(o, str) and o.strip() for o in origins
        ):
            raise InvalidConfigException(
                "allowed_origins must be a list of origins like "
                f"'https://shop.example', got {origins!r}."
            )
        return cls(
            allowed_origins=tuple(o.strip().rstrip("/") for o in origins),
            history_limit=_int(data, "history_limit", 50, 0, MAX_HISTORY),
            agent_token_hours=_int(data, "agent_token_hours", 12, 1, 24 * 30),
        )


def _int(data: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = data.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise InvalidConfigException(
            f"{key} must be a whole number from {low} to {high}, got {value!r} "
            "(bot.channels.websocket.ShopbotChannel in credentials.yml)."
        )
    return value
