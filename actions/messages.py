"""Texts that custom actions send (pure functions of the shop and the input).

Answers that need no customer data live in domain.yml as responses; these are
the ones built around what the shopper typed (order and invoice numbers).
Answers from a customer's own records are in :mod:`actions.customer_messages`.
"""

from __future__ import annotations

from actions.parsing import (
    INVOICE_NUMBER_MAX_DIGITS,
    INVOICE_NUMBER_MIN_DIGITS,
    ORDER_NUMBER_MAX_DIGITS,
    ORDER_NUMBER_MIN_DIGITS,
)
from actions.shop import ShopConfig

# Echo at most this much of the shopper's text back in a re-ask.
MAX_ECHO_CHARS = 40


def _echo(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > MAX_ECHO_CHARS:
        flat = flat[: MAX_ECHO_CHARS - 1].rstrip() + "…"
    return flat


def ask_order_number(shop: ShopConfig) -> str:
    """The question the track-order form asks."""
    return (
        "Sure, I can help with that. What's your order number? It has "
        f"{ORDER_NUMBER_MIN_DIGITS} to {ORDER_NUMBER_MAX_DIGITS} digits and is in "
        f"your order confirmation e-mail and under {shop.pages.order_history} on "
        f"{shop.website_url}. (If you don't have it, just say so.)"
    )


def invalid_order_number(shop: ShopConfig, typed: str, problem: str) -> str:
    """Explain why an answer was not accepted as an order number.

    Args:
        shop: the shop configuration.
        typed: what the shopper typed.
        problem: a short reason from ``describe_order_number_problem``.

    Returns:
        The message; the form then asks again.
    """
    shown = _echo(typed)
    quoted = f'"{shown}"' if shown else "that"
    return (
        f"Sorry, {quoted} doesn't look like a {shop.name} order number: {problem}. "
        f"Order numbers have {ORDER_NUMBER_MIN_DIGITS} to {ORDER_NUMBER_MAX_DIGITS} "
        "digits, for example 00123842."
    )


def order_history_pointer(shop: ShopConfig) -> str:
    """Where all orders and their delivery status are shown (no order known)."""
    return (
        "No problem. You can see all your orders and their delivery status "
        f"under {shop.pages.order_history} on {shop.website_url}."
    )


def ask_invoice_number(shop: ShopConfig) -> str:
    """The question the invoice form asks."""
    return (
        "Which invoice do you need? Please send the invoice number: it starts with "
        f'"#" followed by {INVOICE_NUMBER_MIN_DIGITS} to {INVOICE_NUMBER_MAX_DIGITS} '
        f"digits and is shown with each order under {shop.pages.order_history}. "
        "(If you don't have it, just say so.)"
    )


def invalid_invoice_number(shop: ShopConfig, typed: str) -> str:
    """Explain why an answer was not accepted as an invoice number.

    Args:
        shop: the shop configuration.
        typed: what the shopper typed.

    Returns:
        The message; the form then asks again.
    """
    shown = _echo(typed)
    quoted = f'"{shown}"' if shown else "that"
    return (
        f"Sorry, {quoted} doesn't look like a {shop.name} invoice number. Invoice "
        f'numbers look like "#00108": a "#" and {INVOICE_NUMBER_MIN_DIGITS} to '
        f"{INVOICE_NUMBER_MAX_DIGITS} digits."
    )


def get_invoice(shop: ShopConfig, invoice_number: str | None) -> str:
    """Tell the shopper where to download an invoice.

    Args:
        shop: the shop configuration.
        invoice_number: the validated number, or None.

    Returns:
        The message.
    """
    which = f"invoice {invoice_number}" if invoice_number else "your invoices"
    return (
        f"You can download {which} as a PDF: sign in on {shop.website_url}, open "
        f'{shop.pages.order_history}, pick the order and choose "Download invoice". '
        "If it isn't there, e-mail "
        f"{shop.support_email} with the invoice number and we'll send you a copy."
    )
