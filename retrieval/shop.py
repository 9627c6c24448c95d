"""The shop's public details (``shop.yml``) that fill placeholders in answers."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.errors import ContentError

logger = logging.getLogger(__name__)

SHOP_CONFIG_ENV = "SHOPBOT_SHOP_CONFIG"
REQUIRED_KEYS = (
    "name",
    "website_url",
    "support_email",
    "support_phone",
    "support_hours",
    "live_chat",
)
REQUIRED_PAGES = (
    "account_settings",
    "order_history",
    "contact_us",
    "returns",
    "payment_methods",
    "shipping_policy",
)
REQUIRED_POLICIES = ("refund_window_days", "refund_processing_days")


@dataclass(frozen=True)
class ShopInfo:
    """Shop name, contact details, page names and policies quoted in answers."""

    name: str
    website_url: str
    support_email: str
    support_phone: str
    support_hours: str
    live_chat: str
    pages: Mapping[str, str]
    policies: Mapping[str, str]


def default_shop_path() -> Path:
    """Return ``$SHOPBOT_SHOP_CONFIG`` or the repository's ``shop.yml``."""
    override = os.environ.get(SHOP_CONFIG_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / "shop.yml"


def shop_info_from_dict(
    data: Mapping[str, Any], origin: str = "shop config"
) -> ShopInfo:
    """Validate a parsed ``shop.yml`` and return it typed.

    Args:
        data: The parsed YAML mapping.
        origin: Name of the source, used in error messages.

    Returns:
        The shop details.

    Raises:
        ContentError: Naming every missing or empty key.
    """
    if not isinstance(data, Mapping):
        raise ContentError(f"{origin} must be a mapping, got {type(data).__name__}.")
    pages = data.get("pages") or {}
    policies = data.get("policies") or {}
    if not isinstance(pages, Mapping) or not isinstance(policies, Mapping):
        raise ContentError(f"{origin}: 'pages' and 'policies' must be mappings.")
    missing = [key for key in REQUIRED_KEYS if not _text(data.get(key))]
    missing += [f"pages.{key}" for key in REQUIRED_PAGES if not _text(pages.get(key))]
    missing += [
        f"policies.{key}" for key in REQUIRED_POLICIES if not _text(policies.get(key))
    ]
    if missing:
        raise ContentError(
            f"{origin} lacks {', '.join(missing)}; add them so no placeholder reaches "
            "a shopper."
        )
    return ShopInfo(
        name=_text(data["name"]),
        website_url=_text(data["website_url"]),
        support_email=_text(data["support_email"]),
        support_phone=_text(data["support_phone"]),
        support_hours=_text(data["support_hours"]),
        live_chat=_text(data["live_chat"]),
        pages={str(key): _text(value) for key, value in pages.items()},
        policies={str(key): _text(value) for key, value in policies.items()},
    )


def load_shop_info(path: Path | None = None) -> ShopInfo:
    """Read and validate ``shop.yml``.

    Args:
        path: The YAML file; None uses :func:`default_shop_path`.

    Returns:
        The shop details.

    Raises:
        ContentError: When the file is missing, not YAML or incomplete.
    """
    import yaml

    path = path or default_shop_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ContentError(
            f"Cannot read shop config {path}: {err}. Set {SHOP_CONFIG_ENV} or "
            "create it."
        ) from err
    except yaml.YAMLError as err:
        raise ContentError(f"Shop config {path} is not valid YAML: {err}") from err
    return shop_info_from_dict(data or {}, origin=str(path))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item).strip() for item in value)
    return str(value).strip()
