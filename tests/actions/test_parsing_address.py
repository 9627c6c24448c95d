"""One-line address parsing."""

from __future__ import annotations

import pytest

from actions.parsing import ParsedAddress, parse_address


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "12 High Street, SW1A 1AA London, United Kingdom",
            ("12 High Street", "SW1A 1AA", "London", "United Kingdom"),
        ),
        (
            "Hauptstr. 5, 10115 Berlin, Germany",
            ("Hauptstr. 5", "10115", "Berlin", "Germany"),
        ),
        (
            "1 Main St, Springfield 62704, USA",
            ("1 Main St", "62704", "Springfield", "USA"),
        ),
        (
            "  4 Rue de Rivoli ,  75001   Paris ,  France ",
            ("4 Rue de Rivoli", "75001", "Paris", "France"),
        ),
        (
            "Flat 2, 7 Elm Road, EH1 2AB Edinburgh, UK",
            ("Flat 2, 7 Elm Road", "EH1 2AB", "Edinburgh", "UK"),
        ),
    ],
)
def test_addresses_split_into_their_parts(
    typed: str, expected: tuple[str, str, str, str]
) -> None:
    parsed = parse_address(typed)
    assert isinstance(parsed, ParsedAddress)
    assert (parsed.line1, parsed.postcode, parsed.city, parsed.country) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("1 Main St, London", "separated by commas"),
        ("1 Main St, London, UK", "postcode"),
        ("1 Main St, 12345, UK", "city"),
        ("12, 10115 Berlin, Germany", "street"),
        ("1 Main St, 10115 Berlin, 4242", "country"),
        ("x" * 301, "longer than 300"),
    ],
)
def test_unreadable_addresses_say_why(typed: str, reason: str) -> None:
    result = parse_address(typed)
    assert isinstance(result, str) and reason in result
