"""Pure parsing of what shoppers type: order and invoice numbers, addresses.

The formats match the RegexEntityExtractor patterns in data/nlu/regex.yml:
order numbers are 5 to 15 digits; invoice numbers are 3 to 12 digits,
written with "#" or "INV" in front in free text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ParsedAddress:
    """An address typed on one line, split into its parts."""

    line1: str
    postcode: str
    city: str
    country: str

    def one_line(self) -> str:
        """The address as shown back to the shopper."""
        return f"{self.line1}, {self.postcode} {self.city}, {self.country}"


MAX_ADDRESS_CHARS = 300


def parse_address(text: str) -> ParsedAddress | str:
    """Split "street and number, postcode city, country" into its parts.

    The postcode is the run of words containing a digit at the start or the end
    of the part before the country ("SW1A 1AA London", "London SW1A 1AA",
    "10115 Berlin"); everything before that part is the street line.

    Args:
        text: what the shopper typed.

    Returns:
        The parsed address, or a short reason (a string) why it was not one.
    """
    flat = " ".join(text.split())
    if not flat:
        return "it was empty"
    if len(flat) > MAX_ADDRESS_CHARS:
        return f"it is longer than {MAX_ADDRESS_CHARS} characters"
    parts = [part.strip() for part in flat.split(",") if part.strip()]
    if len(parts) < 3:
        return (
            "I need street and number, postcode and city, and country, "
            "separated by commas"
        )
    # Extra parts before "postcode city" belong to the street (flat, building).
    line1, country = ", ".join(parts[:-2]), parts[-1]
    words = parts[-2].split()
    lead = 0
    while lead < len(words) and any(ch.isdigit() for ch in words[lead]):
        lead += 1
    if lead:
        postcode, city = words[:lead], words[lead:]
    else:
        tail = len(words)
        while tail > 0 and any(ch.isdigit() for ch in words[tail - 1]):
            tail -= 1
        postcode, city = words[tail:], words[:tail]
    if not postcode:
        return "I couldn't find a postcode (it needs at least one digit)"
    if not city:
        return "I couldn't find the city next to the postcode"
    if not any(ch.isalpha() for ch in line1):
        return "the street is missing"
    if not re.fullmatch(r"[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+)*\.?", country):
        return f'"{country[:40]}" doesn\'t look like a country name'
    return ParsedAddress(line1, " ".join(postcode), " ".join(city), country)
