"""Action server settings: defaults, overrides and refused values."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.errors import SettingsError
from actions.settings import DEVELOPMENT_SECRET, REPO_ROOT, load_settings


def test_defaults_use_the_embedded_sqlite_store_under_var() -> None:
    settings = load_settings({})
    assert settings.database_url == f"sqlite:///{REPO_ROOT / 'var' / 'shopbot.db'}"
    assert settings.token_secret == DEVELOPMENT_SECRET
    assert settings.escalation_threshold == 0.6


def test_variables_override_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SHOPBOT_DATABASE_URL": "postgresql+psycopg2://postgres@127.0.0.1/test",
            "SHOPBOT_ESCALATION_THRESHOLD": "0.75",
            "SHOPBOT_OFFER_HOLDOUT": "0",
            "SHOPBOT_HANDOFF_SPOOL": str(tmp_path / "spool.jsonl"),
        }
    )
    assert settings.database_url.startswith("postgresql")
    assert settings.escalation_threshold == 0.75
    assert settings.offer_holdout_share == 0.0
    assert settings.handoff_spool == tmp_path / "spool.jsonl"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHOPBOT_ENV": "staging"}, "SHOPBOT_ENV is 'staging'"),
        ({"SHOPBOT_ESCALATION_THRESHOLD": "high"}, "not a number"),
        ({"SHOPBOT_OFFER_HOLDOUT": "1.5"}, "between 0 and 1"),
        ({"SHOPBOT_TOKEN_SECRET": ""}, "empty"),
        ({"SHOPBOT_ENV": "production"}, "placeholder"),
        ({"SHOPBOT_ENV": "production", "SHOPBOT_TOKEN_SECRET": "short"}, "32"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_production_accepts_a_long_random_secret() -> None:
    settings = load_settings(
        {"SHOPBOT_ENV": "production", "SHOPBOT_TOKEN_SECRET": "x" * 64}
    )
    assert settings.environment == "production"
