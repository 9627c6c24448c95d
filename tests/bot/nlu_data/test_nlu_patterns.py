"""bot/nlu_data/patterns.py: entity patterns and annotation completion."""

from __future__ import annotations

import pytest

from bot.nlu_data.patterns import complete_annotations, find_entities, render_regex_yaml
from bot.nlu_data.sources import EntitySpan


def _found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.entity) for s in find_entities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where is my order 12345?", [("12345", "order_number")]),
        ("order 00123842.", [("00123842", "order_number")]),
        ("order732201349959", []),
        ("1234 is too short, 1234567890123456 too long", []),
        ("see bill #37777", [("#37777", "invoice_number")]),
        ("invoice inv-20431", [("inv-20431", "invoice_number")]),
        ("refund $350 now", [("$350", "amount")]),
        ("I paid 1200 dollars", [("1200 dollars", "amount")]),
        ("12345 euros", [("12345 euros", "amount")]),
        ("12,345.00", []),
        ("mail jane.doe@example.com.", [("jane.doe@example.com", "email")]),
        ("call +1 555 0100", []),
    ],
)
def test_find_entities(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected


def test_complete_annotations_keeps_source_spans_and_fills_gaps() -> None:
    text = "I paid $160 for order 00123842"
    source = (EntitySpan(7, 11, "amount"),)
    completed = complete_annotations(text, source)
    assert [(text[s.start : s.end], s.entity) for s in completed] == [
        ("$160", "amount"),
        ("00123842", "order_number"),
    ]


def test_complete_annotations_never_overlaps_a_source_span() -> None:
    text = "track 123456"
    source = (EntitySpan(0, 12, "something_else"),)
    assert complete_annotations(text, source) == source


def test_regex_yaml_loads_in_rasa_with_one_regex_per_entity() -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().reads(render_regex_yaml())
    names = [feature["name"] for feature in data.regex_features]
    assert sorted(set(names)) == ["amount", "email", "invoice_number", "order_number"]
