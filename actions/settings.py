"""The action server's settings: one typed object loaded from the environment.

| variable | default | meaning |
|---|---|---|
| ``SHOPBOT_ENV`` | ``development`` | ``development``, ``test`` or ``production`` |
| ``SHOPBOT_DATABASE_URL`` | ``sqlite:///<repo>/var/shopbot.db`` | profile store |
| ``SHOPBOT_TOKEN_SECRET`` | a development-only value | HMAC key of shopper tokens |
| ``SHOPBOT_ESCALATION_THRESHOLD`` | ``0.6`` | live risk score that brings in a person |
| ``SHOPBOT_OFFER_HOLDOUT`` | ``0.1`` | share of eligible shoppers who get no offer |
| ``SHOPBOT_HANDOFF_SPOOL`` | ``<repo>/var/handoffs.pending.jsonl`` | spooled handoffs |

Outside development and test, the placeholder secret (or one shorter than 32
characters) is refused, so a deployment cannot run with a guessable key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from actions.errors import SettingsError

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS: tuple[str, ...] = ("development", "test", "production")
DEVELOPMENT_SECRET = "shopbot-development-secret-do-not-use-in-production"
MIN_SECRET_LENGTH = 32


def default_database_url() -> str:
    """The embedded SQLite database under ``var/`` in the repository."""
    return f"sqlite:///{REPO_ROOT / 'var' / 'shopbot.db'}"


@dataclass(frozen=True)
class ActionSettings:
    """Everything the action server reads from its environment."""

    environment: str = "development"
    database_url: str = ""
    token_secret: str = DEVELOPMENT_SECRET
    escalation_threshold: float = 0.6
    offer_holdout_share: float = 0.1
    handoff_spool: Path = REPO_ROOT / "var" / "handoffs.pending.jsonl"

    def __post_init__(self) -> None:
        """Fill the default database URL and validate every field."""
        if not self.database_url:
            object.__setattr__(self, "database_url", default_database_url())
        if self.environment not in ENVIRONMENTS:
            raise SettingsError(
                f"SHOPBOT_ENV is '{self.environment}'; use one of "
                f"{', '.join(ENVIRONMENTS)}."
            )
        if self.environment == "production" and (
            self.token_secret == DEVELOPMENT_SECRET
            or len(self.token_secret) < MIN_SECRET_LENGTH
        ):
            raise SettingsError(
                "SHOPBOT_TOKEN_SECRET is the development placeholder or shorter "
                f"than {MIN_SECRET_LENGTH} characters; set a random secret, e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        if not self.token_secret:
            raise SettingsError("SHOPBOT_TOKEN_SECRET is empty; set a secret.")
        for name in ("escalation_threshold", "offer_holdout_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise SettingsError(
                    f"{name} is {value}; it must lie between 0 and 1 inclusive."
                )


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    """Read a float variable, with a clear error when it is not a number."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise SettingsError(f"{name} is '{raw}', not a number.") from error


def load_settings(env: Mapping[str, str] | None = None) -> ActionSettings:
    """Build the settings from environment variables.

    Args:
        env: the variables to read; the process environment when None.

    Returns:
        Validated settings.

    Raises:
        SettingsError: a variable has a bad value.
    """
    env = os.environ if env is None else env
    spool = env.get("SHOPBOT_HANDOFF_SPOOL", "").strip()
    return ActionSettings(
        environment=env.get("SHOPBOT_ENV", "development").strip() or "development",
        database_url=env.get("SHOPBOT_DATABASE_URL", "").strip(),
        token_secret=env.get("SHOPBOT_TOKEN_SECRET", DEVELOPMENT_SECRET),
        escalation_threshold=_float(env, "SHOPBOT_ESCALATION_THRESHOLD", 0.6),
        offer_holdout_share=_float(env, "SHOPBOT_OFFER_HOLDOUT", 0.1),
        handoff_spool=Path(spool) if spool else ActionSettings.handoff_spool,
    )


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    """The process's settings, read once (tests call ``get_settings.cache_clear``)."""
    return load_settings()
