"""actions/messages.py: texts built from the shop configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions import messages
from actions.shop import NEUTRAL_SHOP, ShopConfig, load_shop_config

REPO_SHOP = Path(__file__).resolve().parents[2] / "shop.yml"


@pytest.fixture(scope="module")
def northwind() -> ShopConfig:
    return load_shop_config(REPO_SHOP)


def _all_texts(shop: ShopConfig) -> list[str]:
    return [
        messages.ask_order_number(shop),
        messages.invalid_order_number(shop, "abc", "no digits"),
        messages.order_history_pointer(shop),
        messages.ask_invoice_number(shop),
        messages.invalid_invoice_number(shop, "xyz"),
        messages.get_invoice(shop, "#00108"),
        messages.get_invoice(shop, None),
    ]


@pytest.mark.parametrize("which", ["northwind", "neutral"])
def test_no_placeholder_or_none_leaks(which: str, northwind: ShopConfig) -> None:
    shop = northwind if which == "northwind" else NEUTRAL_SHOP
    for text in _all_texts(shop):
        assert "{" not in text and "}" not in text, text
        assert "None" not in text, text


def test_the_order_history_pointer_names_the_page_and_site(
    northwind: ShopConfig,
) -> None:
    text = messages.order_history_pointer(northwind)
    assert "My Orders" in text and "https://shop.example.com" in text


def test_invalid_order_number_echoes_a_shortened_input(northwind: ShopConfig) -> None:
    long_text = "x" * 200
    text = messages.invalid_order_number(northwind, long_text, "reason")
    assert "x" * 40 not in text and "x" * 39 + "…" in text
    assert "5 to 15 digits" in text


def test_invalid_order_number_handles_empty_input(northwind: ShopConfig) -> None:
    assert messages.invalid_order_number(northwind, "  ", "reason").startswith(
        "Sorry, that doesn't"
    )


def test_get_invoice_names_the_invoice(northwind: ShopConfig) -> None:
    assert "invoice #00108" in messages.get_invoice(northwind, "#00108")
    assert "your invoices" in messages.get_invoice(northwind, None)
