"""actions/parsing.py: order and invoice numbers in what shoppers type."""

from __future__ import annotations

import pytest

from actions.parsing import (
    describe_order_number_problem,
    parse_invoice_number,
    parse_order_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345", "12345"),
        ("where is my order 12345?", "12345"),
        ("#00123842", "00123842"),
        ("it's 00004587345.", "00004587345"),
        ("order732201349959", "732201349959"),
        ("113542617735902", "113542617735902"),
        ("12345 and again 12345", "12345"),
        ("1234", None),
        ("1234567890123456", None),
        ("12345 or 67890", None),
        ("$12345", None),
        ("12,345.00", None),
        ("no number here", None),
        ("", None),
    ],
)
def test_parse_order_number(text: str, expected: str | None) -> None:
    assert parse_order_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#00108", "#00108"),
        ("INV-20431", "#20431"),
        ("inv 20431", "#20431"),
        ("the bill #12588.", "#12588"),
        ("00108", "#00108"),
        ("invoice 12", None),
        ("#1 and #2", None),
        ("#123 or #456", None),
        ("", None),
    ],
)
def test_parse_invoice_number(text: str, expected: str | None) -> None:
    assert parse_invoice_number(text) == expected


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("abc", "couldn't find a number"),
        ("123", "has 3 digits"),
        ("12345 or 67890", "more than one number"),
        ("12 34", "couldn't find a single number"),
    ],
)
def test_describe_order_number_problem(text: str, phrase: str) -> None:
    assert phrase in describe_order_number_problem(text)
