"""The shop's name, contact details and policies, loaded from shop.yml.

``parse_shop_config`` is pure; ``load_shop_config`` reads a file;
``get_shop_config`` is the cached entry point actions use (the path comes from
``SHOPBOT_SHOP_CONFIG`` or defaults to the repository's ``shop.yml``; the cache
notices edits to the file). ``shop_or_neutral`` never raises: on a broken file it
logs the error and returns neutral wording so the bot still answers sensibly.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from actions import constants as c
from actions.constants import ENV_SHOP_CONFIG
from actions.errors import ShopConfigError, ShopConfigNotFoundError

logger = logging.getLogger(__name__)

DEFAULT_SHOP_CONFIG = Path(__file__).resolve().parent.parent / "shop.yml"


@dataclass(frozen=True)
class ShopPages:
    """Names of the website's pages and menus that answers point to."""

    account_settings: str
    order_history: str
    contact_us: str
    returns: str
    payment_methods: str
    shipping_policy: str


@dataclass(frozen=True)
class ShopPolicies:
    """Policies the bot quotes.

    Attributes:
        refund_window: e.g. "30 days" (from ``refund_window_days``).
        refund_window_days: the number behind ``refund_window``; None in
            :data:`NEUTRAL_SHOP`, where no number is known.
        refund_processing_time: e.g. "5-10 business days".
        cancellation_fee: the cancellation terms in one phrase.
        standard_delivery: standard delivery time.
        express_delivery: express delivery time.
        payment_methods: accepted payment methods.
    """

    refund_window: str
    refund_window_days: int | None
    refund_processing_time: str
    cancellation_fee: str
    standard_delivery: str
    express_delivery: str
    payment_methods: tuple[str, ...]


@dataclass(frozen=True)
class ShopConfig:
    """Everything shop.yml says about the shop."""

    name: str
    website_url: str
    support_email: str
    support_phone: str
    support_hours: str
    live_chat: str
    currency: str
    pages: ShopPages
    policies: ShopPolicies


# Used when shop.yml cannot be read: every phrase still reads well in a sentence.
NEUTRAL_SHOP = ShopConfig(
    name="our shop",
    website_url="our website",
    support_email="the e-mail address on our website",
    support_phone="the phone number on our website",
    support_hours="during our opening hours",
    live_chat="the chat on our website",
    currency="",
    pages=ShopPages(
        account_settings="your account settings",
        order_history="your order history",
        contact_us="our contact page",
        returns="our returns page",
        payment_methods="our payment information page",
        shipping_policy="our shipping information page",
    ),
    policies=ShopPolicies(
        refund_window="the period stated in our returns policy",
        refund_window_days=None,
        refund_processing_time="the time stated in our returns policy",
        cancellation_fee="see the cancellation terms on our website",
        standard_delivery="the time shown at checkout",
        express_delivery="the time shown at checkout",
        payment_methods=("the payment methods shown at checkout",),
    ),
)

_TOP_LEVEL = (
    "name",
    "website_url",
    "support_email",
    "support_phone",
    "support_hours",
    "live_chat",
    "currency",
)


def _text(section: Mapping[str, Any], key: str, where: str) -> str:
    if key not in section:
        raise ShopConfigError(f"{where}: missing key {key!r}; add it to shop.yml")
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ShopConfigError(
            f"{where}: {key!r} must be text, got {type(value).__name__} {value!r}"
        )
    text = str(value).strip()
    if not text:
        raise ShopConfigError(f"{where}: {key!r} is empty; give it a value")
    if "{" in text or "}" in text:
        raise ShopConfigError(
            f"{where}: {key!r} = {text!r} contains a brace; write the real value, "
            "not a {placeholder}"
        )
    return text


def _section(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise ShopConfigError(
            f"{where}: {key!r} must be a mapping of names to values, got {value!r}"
        )
    return value


def parse_shop_config(data: Any, where: str = "shop.yml") -> ShopConfig:
    """Validate parsed shop.yml content and build a :class:`ShopConfig`.

    Args:
        data: the YAML document as Python objects.
        where: file name quoted in error messages.

    Returns:
        The shop configuration.

    Raises:
        ShopConfigError: the document is not a mapping, a key is missing, or a
            value is empty, of the wrong type or a ``{placeholder}``.
    """
    if not isinstance(data, Mapping):
        raise ShopConfigError(
            f"{where}: expected a mapping with keys {list(_TOP_LEVEL)}, pages and "
            f"policies, got {type(data).__name__}"
        )
    known = {*_TOP_LEVEL, "pages", "policies"}
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        logger.warning("Ignoring unknown keys %s in '%s'.", unknown, where)
    top = {key: _text(data, key, where) for key in _TOP_LEVEL}
    if not top["website_url"].startswith(("https://", "http://")):
        raise ShopConfigError(
            f"{where}: website_url {top['website_url']!r} must start with https://"
        )
    if "@" not in top["support_email"]:
        raise ShopConfigError(
            f"{where}: support_email {top['support_email']!r} is not an e-mail address"
        )
    pages_data = _section(data, "pages", where)
    pages = ShopPages(
        **{
            f.name: _text(pages_data, f.name, f"{where} pages")
            for f in fields(ShopPages)
        }
    )
    policy_data = _section(data, "policies", where)
    policies_where = f"{where} policies"
    days = policy_data.get("refund_window_days")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ShopConfigError(
            f"{policies_where}: refund_window_days must be a whole number of days "
            f"above 0, got {days!r}"
        )
    methods = policy_data.get("payment_methods")
    if not isinstance(methods, list) or not methods:
        raise ShopConfigError(
            f"{policies_where}: payment_methods must be a non-empty list, "
            f"got {methods!r}"
        )
    method_names = tuple(
        _text({"payment_methods": method}, "payment_methods", policies_where)
        for method in methods
    )
    policies = ShopPolicies(
        refund_window=f"{days} days",
        refund_window_days=days,
        refund_processing_time=_text(
            policy_data, "refund_processing_days", policies_where
        ),
        cancellation_fee=_text(policy_data, "cancellation_fee", policies_where),
        standard_delivery=_text(policy_data, "standard_delivery", policies_where),
        express_delivery=_text(policy_data, "express_delivery", policies_where),
        payment_methods=method_names,
    )
    return ShopConfig(**top, pages=pages, policies=policies)


def load_shop_config(path: Path | str) -> ShopConfig:
    """Read and validate a shop.yml file.

    Args:
        path: the file to read.

    Returns:
        The shop configuration.

    Raises:
        ShopConfigNotFoundError: the file does not exist.
        ShopConfigError: the file cannot be read, is not valid YAML or fails
            validation.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    source = Path(path)
    if not source.is_file():
        raise ShopConfigNotFoundError(
            f"shop configuration {str(source)!r} does not exist; create it (see the "
            f"repository's shop.yml) or point {ENV_SHOP_CONFIG} at it"
        )
    try:
        data = YAML(typ="safe", pure=True).load(source.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError) as exc:
        raise ShopConfigError(f"{source}: not valid UTF-8 YAML: {exc}") from exc
    except OSError as exc:
        raise ShopConfigError(
            f"{source}: cannot be read ({exc}); check its permissions"
        ) from exc
    return parse_shop_config(data, where=str(source))


def shop_config_path() -> Path:
    """Return the shop.yml in use: ``$SHOPBOT_SHOP_CONFIG`` or the repository's."""
    override = os.environ.get(ENV_SHOP_CONFIG, "").strip()
    return Path(override) if override else DEFAULT_SHOP_CONFIG


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> ShopConfig:
    return load_shop_config(path)


def get_shop_config() -> ShopConfig:
    """Return the shop configuration, read once per version of the file.

    Returns:
        The configuration of :func:`shop_config_path`.

    Raises:
        ShopConfigNotFoundError: the file does not exist.
        ShopConfigError: the file is malformed.
    """
    path = shop_config_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return load_shop_config(path)  # raises ShopConfigNotFoundError
    return _cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def shop_or_neutral() -> ShopConfig:
    """Return the shop configuration, or :data:`NEUTRAL_SHOP` if it is broken.

    A broken file is logged with its traceback on every call, so fixing the
    file takes effect without restarting the action server.
    """
    try:
        return get_shop_config()
    except (ShopConfigError, ShopConfigNotFoundError):
        logger.exception(
            "Cannot load the shop configuration '%s'; answering with neutral wording.",
            shop_config_path(),
        )
        return NEUTRAL_SHOP


def shop_slot_values(shop: ShopConfig) -> dict[str, str]:
    """Map the shop configuration to the slots responses use.

    Args:
        shop: the shop configuration.

    Returns:
        Slot name -> value for every name in ``constants.SHOP_SLOTS``.
    """
    methods = shop.policies.payment_methods
    payment_methods = (
        methods[0]
        if len(methods) == 1
        else f"{', '.join(methods[:-1])} and {methods[-1]}"
    )
    return {
        c.SLOT_SHOP_NAME: shop.name,
        c.SLOT_SHOP_WEBSITE: shop.website_url,
        c.SLOT_SUPPORT_EMAIL: shop.support_email,
        c.SLOT_SUPPORT_PHONE: shop.support_phone,
        c.SLOT_SUPPORT_HOURS: shop.support_hours,
        c.SLOT_LIVE_CHAT: shop.live_chat,
        c.SLOT_PAGE_ACCOUNT_SETTINGS: shop.pages.account_settings,
        c.SLOT_PAGE_ORDER_HISTORY: shop.pages.order_history,
        c.SLOT_PAGE_CONTACT_US: shop.pages.contact_us,
        c.SLOT_PAGE_RETURNS: shop.pages.returns,
        c.SLOT_PAGE_PAYMENT_METHODS: shop.pages.payment_methods,
        c.SLOT_PAGE_SHIPPING_POLICY: shop.pages.shipping_policy,
        c.SLOT_REFUND_WINDOW: shop.policies.refund_window,
        c.SLOT_REFUND_PROCESSING_TIME: shop.policies.refund_processing_time,
        c.SLOT_CANCELLATION_FEE: shop.policies.cancellation_fee,
        c.SLOT_STANDARD_DELIVERY: shop.policies.standard_delivery,
        c.SLOT_EXPRESS_DELIVERY: shop.policies.express_delivery,
        c.SLOT_PAYMENT_METHODS: payment_methods,
    }
