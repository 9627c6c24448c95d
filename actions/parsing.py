"""Pure parsing of what shoppers type: order and invoice numbers.

The formats match the RegexEntityExtractor patterns in data/nlu/regex.yml:
order numbers are 5 to 15 digits; invoice numbers are 3 to 12 digits,
written with "#" or "INV" in front in free text.
"""

from __future__ import annotations

import re

ORDER_NUMBER_MIN_DIGITS = 5
ORDER_NUMBER_MAX_DIGITS = 15
INVOICE_NUMBER_MIN_DIGITS = 3
INVOICE_NUMBER_MAX_DIGITS = 12

# Lenient on purpose: this parses the answer to "what's your order number?", so
# "#12345" and "order12345" are accepted; amounts ("$12345") and decimals are not.
_ORDER = re.compile(
    rf"(?<![\d$€£.,])#?(\d{{{ORDER_NUMBER_MIN_DIGITS},{ORDER_NUMBER_MAX_DIGITS}}})"
    r"(?!\w|[.,/-]\d)"
)
_DIGIT_RUN = re.compile(r"\d+")
_INVOICE = re.compile(
    rf"(?<!\w)(?:#|INV-?|INV\s)?\s?"
    rf"(\d{{{INVOICE_NUMBER_MIN_DIGITS},{INVOICE_NUMBER_MAX_DIGITS}}})(?!\w|[.,/-]\d)",
    re.IGNORECASE,
)


def parse_order_number(text: str) -> str | None:
    """Find the one order number in a message.

    Args:
        text: what the shopper typed, e.g. "it's #00123842".

    Returns:
        The digits (leading zeros kept), or None when the message holds no
        order number or several different ones.
    """
    found = {match.group(1) for match in _ORDER.finditer(text)}
    return found.pop() if len(found) == 1 else None


def parse_invoice_number(text: str) -> str | None:
    """Find the one invoice number in a message.

    Args:
        text: what the shopper typed, e.g. "INV-20431" or "#00108" or "00108".

    Returns:
        The invoice number written as "#" and its digits, or None when the
        message holds none or several different ones.
    """
    found = {match.group(1) for match in _INVOICE.finditer(text)}
    return f"#{found.pop()}" if len(found) == 1 else None


def describe_order_number_problem(text: str) -> str:
    """Say in a few words why ``text`` is not an order number (for the re-ask).

    Args:
        text: what the shopper typed.

    Returns:
        A short phrase such as "that number has 3 digits".
    """
    runs = _DIGIT_RUN.findall(text)
    if not runs:
        return "I couldn't find a number in your message"
    if len({match.group(1) for match in _ORDER.finditer(text)}) > 1:
        return "I found more than one number in your message"
    if len(runs) == 1:
        return f"that number has {len(runs[0])} digits"
    return "I couldn't find a single number of the right length in it"
