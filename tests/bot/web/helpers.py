"""Shared values of the demo shop tests."""

from __future__ import annotations

from bot.demo_shop.settings import DemoShopSettings

TEST_SECRET = "demo-shop-test-secret-0123456789abcdef"
CHAT_URL = "http://chat.test:5005"
# Enough customers for every walkthrough role; seeding takes a few seconds.
SEEDED_CUSTOMERS = 40


def make_settings(database_url: str, **overrides: object) -> DemoShopSettings:
    """Valid settings for tests, with any field overridden."""
    fields: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 8000,
        "chat_url": CHAT_URL,
        "token_ttl_seconds": 600,
        "database_url": database_url,
        "token_secret": TEST_SECRET,
    }
    fields.update(overrides)
    return DemoShopSettings(**fields)  # type: ignore[arg-type]
