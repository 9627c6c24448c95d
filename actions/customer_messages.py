"""Texts of the personalised answers (pure functions of the shop and records).

Every text here speaks about one customer's own records, so callers must have
proven who the shopper is (a verified token, or e-mail plus order number).
Status names are worded for shoppers; dates are written out ("3 November").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from actions.shop import ShopConfig
from actions.store.records import (
    AddressRecord,
    CustomerProfile,
    OrderRecord,
    RefundRecord,
)

STATUS_WORDS: dict[str, str] = {
    "pending": "received and waiting for payment confirmation",
    "processing": "being prepared in our warehouse",
    "shipped": "on its way",
    "out_for_delivery": "out for delivery today",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "returned": "returned",
}
REFUND_WORDS: dict[str, str] = {
    "requested": "requested and waiting for the returned items to be checked",
    "approved": "approved and about to be paid out",
    "processed": "paid out",
    "rejected": "declined",
}
CURRENCY_SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£"}
TIER_WORDS: dict[str, str] = {
    "bronze": "Bronze",
    "silver": "Silver",
    "gold": "Gold",
    "platinum": "Platinum",
}


def money(cents: int, currency: str) -> str:
    """Format an amount, e.g. ``money(5400, "EUR") == "€54.00"``."""
    amount = f"{cents / 100:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{amount}" if symbol else f"{amount} {currency.upper()}"


def day(moment: date | datetime) -> str:
    """A date written out, e.g. "3 November 2026"."""
    return f"{moment.day} {moment.strftime('%B')} {moment.year}"


def _items(order: OrderRecord) -> str:
    """ "2 items" / "Wool scarf" summary of an order's lines."""
    count = sum(item.quantity for item in order.items)
    if len(order.items) == 1 and count == 1:
        return order.items[0].name
    return f"{count} items"


def order_label(order: OrderRecord) -> str:
    """Short label of an order, e.g. "4820113 (2 items, €54.00, 3 November 2026)"."""
    return (
        f"{order.number} ({_items(order)}, "
        f"{money(order.total_cents, order.currency)}, placed {day(order.placed_at)})"
    )


def greeting(shop: ShopConfig, profile: CustomerProfile | None) -> str:
    """Greet by first name and tier when the shopper allows personalisation."""
    offer = (
        "I can help with orders and delivery, returns and refunds, payments and "
        "invoices, and your account."
    )
    if profile is None or not profile.personalisation_consent:
        if profile is not None:
            return f"Hi! Welcome back to {shop.name}. {offer} What can I do for you?"
        return (
            f"Hi! I'm the {shop.name} virtual assistant. {offer} "
            "What can I do for you?"
        )
    tier = TIER_WORDS.get(profile.loyalty_tier, profile.loyalty_tier.title())
    open_orders = (
        f" You have {profile.open_order_count} open order"
        f"{'s' if profile.open_order_count != 1 else ''}; just ask if you'd like "
        "an update."
        if profile.open_order_count
        else ""
    )
    return (
        f"Hi {profile.first_name}, welcome back, and thank you for being a {tier} "
        f"member of {shop.name}!{open_orders} {offer} What can I do for you?"
    )


def order_status(order: OrderRecord) -> str:
    """The status of one of the shopper's orders, with carrier and dates."""
    words = STATUS_WORDS.get(order.status, order.status.replace("_", " "))
    parts = [f"Your order {order_label(order)} is {words}."]
    if order.carrier and order.status in ("shipped", "out_for_delivery"):
        tracking = (
            f" with tracking number {order.tracking_number}"
            if order.tracking_number
            else ""
        )
        parts.append(f"It's travelling with {order.carrier}{tracking}.")
    shipped = next((e.at for e in order.events if e.status == "shipped"), None)
    if shipped and order.status in ("shipped", "out_for_delivery", "delivered"):
        parts.append(f"It left our warehouse on {day(shipped)}.")
    if order.status == "delivered" and order.delivered_at:
        parts.append(f"It was delivered on {day(order.delivered_at)}.")
    elif order.estimated_delivery and order.is_open:
        parts.append(f"Expected delivery: {day(order.estimated_delivery)}.")
    if order.shipping_address and order.is_open:
        parts.append(f"It's going to {order.shipping_address.one_line()}.")
    return " ".join(parts)


def which_order(orders: Sequence[OrderRecord], purpose: str) -> str:
    """Ask which of several orders the shopper means.

    Args:
        orders: the candidate orders, newest first.
        purpose: what the bot will do, e.g. "check" or "cancel".
    """
    listed = "; ".join(order_label(order) for order in orders)
    return f"You have {len(orders)} open orders: {listed}. Which one shall I {purpose}?"


def no_open_orders(shop: ShopConfig, latest: OrderRecord | None) -> str:
    """Say there is nothing in progress, and what the newest order did."""
    if latest is None:
        return (
            f"I can't find any orders on your {shop.name} account yet. If you "
            "ordered as a guest, tell me the order number and I'll check it."
        )
    words = STATUS_WORDS.get(latest.status, latest.status)
    return (
        "You have no orders on the way right now. Your latest order, "
        f"{order_label(latest)}, is {words}."
    )


def order_not_found(shop: ShopConfig, number: str, *, with_email: bool) -> str:
    """The same answer for an unknown number and someone else's order."""
    what = "that order number and e-mail address" if with_email else "your account"
    return (
        f"I couldn't find an order {number} matching {what}. Please check the "
        f"number in your order confirmation e-mail, or see {shop.pages.order_history} "
        f"on {shop.website_url}."
    )


def ask_email(shop: ShopConfig) -> str:
    """Ask an anonymous shopper for the order's e-mail address."""
    return (
        "To keep your details safe, I need the e-mail address the order was placed "
        f"with. (If you're signed in on {shop.website_url}, I'll recognise you "
        "automatically.)"
    )


def invalid_email(typed: str) -> str:
    """Explain that the answer is not an e-mail address."""
    return (
        "Sorry, that doesn't look like an e-mail address. Please type it in full, "
        "like name@example.com."
    )


def ask_cancel_confirmed(shop: ShopConfig, order: OrderRecord) -> str:
    """Ask before cancelling."""
    return (
        f"Shall I cancel order {order_label(order)}? It hasn't shipped yet, so "
        f"this is still possible (cancellation: {shop.policies.cancellation_fee}). "
        "Please answer yes or no."
    )


def cancelled(shop: ShopConfig, order: OrderRecord) -> str:
    """Confirm a cancellation."""
    return (
        f"Done: order {order.number} is cancelled. The refund of "
        f"{money(order.total_cents, order.currency)} goes back to your "
        f"{order.payment_method} within {shop.policies.refund_processing_time}."
    )


def not_cancellable(shop: ShopConfig, order: OrderRecord) -> str:
    """Explain that a shipped order can't be cancelled, and offer a return."""
    words = STATUS_WORDS.get(order.status, order.status)
    if order.status in ("cancelled", "returned"):
        return f"Order {order.number} is already {words}, so there's nothing to cancel."
    return (
        f"Order {order.number} is already {words}, so I can't cancel it any more. "
        f"You can return it instead within {shop.policies.refund_window} of delivery: "
        f"start the return under {shop.pages.returns} on {shop.website_url} and "
        f"we'll refund {money(order.total_cents, order.currency)} once it's back."
    )


def cancel_kept(order_number: str) -> str:
    """Confirm that nothing was cancelled."""
    return f"Alright, I've left order {order_number} as it is."


def change_order(shop: ShopConfig, orders: Sequence[OrderRecord]) -> str:
    """Say, per open order, whether it can still be changed."""
    if not orders:
        return (
            "You have no open orders to change right now. For a new order, browse "
            f"{shop.website_url}."
        )
    lines = []
    for order in orders:
        if order.is_cancellable:
            lines.append(
                f"Order {order_label(order)} hasn't shipped yet: you can change "
                f"items, sizes or quantities under {shop.pages.order_history} on "
                f"{shop.website_url}, or I can cancel it for you."
            )
        else:
            lines.append(
                f"Order {order_label(order)} is already "
                f"{STATUS_WORDS.get(order.status, order.status)}, so it can't be "
                f"changed; you can return what you don't want within "
                f"{shop.policies.refund_window} of delivery."
            )
    return " ".join(lines)


def refund_status(shop: ShopConfig, refunds: Sequence[RefundRecord]) -> str:
    """The status of the shopper's refunds, newest first."""
    if not refunds:
        return (
            "I can't see any refunds on your account. To get one, start a return "
            f"under {shop.pages.returns} on {shop.website_url} within "
            f"{shop.policies.refund_window} of delivery; we refund within "
            f"{shop.policies.refund_processing_time} after the parcel reaches us."
        )
    lines = []
    for refund in refunds[:3]:
        words = REFUND_WORDS.get(refund.status, refund.status)
        line = (
            f"The refund of {money(refund.amount_cents, refund.currency)} for order "
            f"{refund.order_number} is {words}"
        )
        if refund.status in ("requested", "approved") and refund.expected_by:
            line += f"; expect it by {day(refund.expected_by)}"
        elif refund.status == "processed":
            line += f" (on {day(refund.updated_at)})"
        lines.append(line + ".")
    if any(refund.status == "rejected" for refund in refunds[:3]):
        lines.append(f"If you disagree with a decision, e-mail {shop.support_email}.")
    return " ".join(lines)


def ask_new_address() -> str:
    """Ask for the new default address in one line."""
    return (
        "What's the new address? Please write it on one line as street and number, "
        "postcode and city, country, for example: 12 High Street, SW1A 1AA London, "
        "United Kingdom. (Say 'no' to keep your current one.)"
    )


def invalid_address(problem: str) -> str:
    """Explain why the address was not understood, then the form asks again."""
    return f"Sorry, I couldn't read that address: {problem}."


def ask_address_confirmed(address: str, current: AddressRecord | None) -> str:
    """Show the parsed address and ask for confirmation."""
    previous = f" instead of {current.one_line()}" if current else ""
    return f"Shall I save {address} as your address{previous}? Please answer yes or no."


def address_saved(address: AddressRecord, open_orders: Sequence[OrderRecord]) -> str:
    """Confirm the change and say what it means for open orders."""
    text = f"Done: your address is now {address.one_line()}; it's used for new orders."
    unshipped = [order.number for order in open_orders if order.is_cancellable]
    if unshipped:
        text += (
            f" Open orders keep the address they were placed with: if order "
            f"{', '.join(unshipped)} should go to the new one, tell our team before "
            "it ships."
        )
    return text


def address_kept() -> str:
    """Confirm that the address was left unchanged."""
    return "Alright, I've kept your current address."


def sign_in_needed(shop: ShopConfig, what: str) -> str:
    """Ask an anonymous shopper to sign in for an account-level request."""
    return (
        f"To {what}, please sign in on {shop.website_url} and open this chat again, "
        f"or do it yourself under {shop.pages.account_settings}."
    )


def store_unavailable(shop: ShopConfig) -> str:
    """The honest reply when the profile store can't be reached."""
    return (
        "Sorry, I can't reach our order system right now, so I can't look that up "
        "or change anything; nothing has been changed. Please try again in a few "
        f"minutes, or contact {shop.support_email} or {shop.support_phone} "
        f"({shop.support_hours})."
    )
