"""Pure: the demo shop's HTML page.

A few products from the seeded catalogue (:data:`actions.store.demo_data.PRODUCTS`),
the shop's name, the "chat as" picker and the widget embed. Every value is HTML
escaped; the page script reads its settings from a JSON block, never from
JavaScript built by string concatenation.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from actions.store.demo_data import PRODUCTS

CURRENCY_SYMBOLS: Mapping[str, str] = {"EUR": "€", "USD": "$", "GBP": "£"}
PRODUCTS_SHOWN = 6


@dataclass(frozen=True)
class Product:
    """A product card: SKU, name, category and unit price in cents."""

    sku: str
    name: str
    category: str
    price_cents: int


@dataclass(frozen=True)
class PageContext:
    """What the page shows and how it reaches the chat server.

    Attributes:
        shop_name: from shop.yml.
        currency: ISO code for prices, e.g. ``EUR``.
        widget_script_url: where widget.js is served.
        socket_url: the shopper socket.
        agent_url: the demo shop's ``/agent`` redirect.
    """

    shop_name: str
    currency: str
    widget_script_url: str
    socket_url: str
    agent_url: str = "/agent"


def featured_products(limit: int = PRODUCTS_SHOWN) -> list[Product]:
    """The first product of each category, then the second ..., up to ``limit``."""
    columns = [
        [Product(sku, name, category, cents) for sku, name, cents in items]
        for category, items in PRODUCTS.items()
    ]
    picked: list[Product] = []
    for rank in range(max(len(column) for column in columns)):
        picked.extend(column[rank] for column in columns if rank < len(column))
    return picked[:limit]


def format_price(cents: int, currency: str) -> str:
    """``€899.00`` for known symbols, else ``899.00 CHF``."""
    amount = f"{cents / 100:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{amount}" if symbol else f"{amount} {currency.upper()}".strip()


def _json_for_script(data: object) -> str:
    """JSON that cannot end its <script> block early (``</`` and ``<!--`` escaped)."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e")


def _product_card(product: Product, currency: str) -> str:
    e = html.escape
    return (
        '<li class="product">'
        f'<div class="product-art" aria-hidden="true">{e(product.name[:1])}</div>'
        f'<p class="product-category">{e(product.category)}</p>'
        f"<h3>{e(product.name)}</h3>"
        f'<p class="price">{e(format_price(product.price_cents, currency))}</p>'
        f'<button type="button" class="add" disabled title="This is a demo shop">'
        "Add to cart</button>"
        "</li>"
    )


def render_page(context: PageContext, products: Sequence[Product]) -> str:
    """The whole HTML document of ``GET /``.

    Args:
        context: shop name, currency and the chat server's URLs.
        products: the products to show.

    Returns:
        The HTML text.
    """
    e = html.escape
    config = {
        "socketUrl": context.socket_url,
        "title": f"{context.shop_name} support",
        "shopName": context.shop_name,
    }
    cards = "".join(_product_card(product, context.currency) for product in products)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(context.shop_name)}: demo shop</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/shop.css">
</head>
<body>
<header class="shop-header">
  <a class="logo" href="/">{e(context.shop_name)}</a>
  <nav aria-label="Demo">
    <label for="chat-as">Chat as</label>
    <select id="chat-as" data-testid="chat-as">
      <option value="">Anonymous shopper</option>
    </select>
    <a class="agent-link" href="{e(context.agent_url)}">Agent console</a>
  </nav>
</header>
<main>
  <section class="hero">
    <h1>Welcome to {e(context.shop_name)}</h1>
    <p>This is a demo shop. Open the chat in the corner to talk to our assistant,
    pick a demo customer above to chat as a signed-in shopper, and open the agent
    console in another window to take over the conversation.</p>
    <p class="who" id="who" data-testid="chat-as-summary" aria-live="polite"></p>
    <p class="notice" id="notice" role="alert" hidden></p>
  </section>
  <section aria-labelledby="products-title">
    <h2 id="products-title">Popular right now</h2>
    <ul class="products">{cards}</ul>
  </section>
</main>
<footer class="shop-footer">
  Demo data only: no real orders, customers or payments.
</footer>
<script type="application/json" id="shop-config">{_json_for_script(config)}</script>
<script src="{e(context.widget_script_url)}"></script>
<script src="/static/shop.js"></script>
</body>
</html>
"""
