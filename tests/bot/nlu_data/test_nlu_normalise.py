"""bot/nlu_data/normalise.py: whitespace, dedup keys and entity-span repair."""

from __future__ import annotations

import pytest

from bot.nlu_data.normalise import (
    collapse_whitespace,
    dedup_key,
    is_token_aligned,
    resolve_span,
    widen_amount,
)


def test_dedup_key_ignores_case_and_whitespace() -> None:
    assert dedup_key("  Where IS\tmy  order? ") == dedup_key("where is my order?")
    assert dedup_key("where is my order?") != dedup_key("where is my order")


def test_collapse_whitespace_moves_spans_with_the_text() -> None:
    raw = "  cancel  order   00123842 now "
    start = raw.index("00123842")
    text, spans = collapse_whitespace(raw, [(start, start + 8)])
    assert text == "cancel order 00123842 now"
    ((new_start, new_end),) = spans
    assert text[new_start:new_end] == "00123842"


def test_collapse_whitespace_drops_whitespace_at_span_edges() -> None:
    raw = "refund  $350 "
    text, [(start, end)] = collapse_whitespace(raw, [(6, 12)])
    assert text[start:end] == "$350"


@pytest.mark.parametrize("span", [(5, 3), (0, 99), (-1, 2), (5, 7)])
def test_collapse_whitespace_rejects_bad_spans(span: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="span"):
        collapse_whitespace("order  12345", [span])


@pytest.mark.parametrize(
    ("text", "start", "end", "value", "expected"),
    [
        # correct offsets stay
        ("track order 12345", 12, 17, "12345", "12345"),
        # end past the text (Bitext 4514 file, numbers shortened later)
        ("cancel purchase 3707955617", 16, 28, "3707955617", "3707955617"),
        # trailing ", " inside the span
        ("edit order 3707955617, can you help me?", 11, 23, "3707955617", "3707955617"),
        # value is a part of the span (leading zeros dropped in the value)
        ("track order 00123842", 12, 20, "123842", "00123842"),
        # offsets point elsewhere but the value occurs once
        ("refund $350 please", 0, 3, "350", "350"),
    ],
)
def test_resolve_span_repairs_bitext_offsets(
    text: str, start: int, end: int, value: str, expected: str
) -> None:
    span = resolve_span(text, start, end, value)
    assert span is not None
    assert text[span[0] : span[1]] == expected


@pytest.mark.parametrize(
    ("text", "span", "aligned"),
    [
        ("cancelling order732201349959", (16, 28), False),
        ("refunding$350", (9, 13), False),
        ("track order 12345?", (12, 17), True),
        ("(12345)", (1, 6), True),
        ("12345", (0, 5), True),
        ("order 12345abc", (6, 11), False),
    ],
)
def test_is_token_aligned(text: str, span: tuple[int, int], aligned: bool) -> None:
    assert is_token_aligned(text, *span) is aligned


@pytest.mark.parametrize(
    ("start", "end", "value"), [(50, 60, ""), (50, 60, "999"), (50, 60, "1")]
)
def test_resolve_span_raises_when_nothing_can_be_found(
    start: int, end: int, value: str
) -> None:
    with pytest.raises(ValueError, match="fix the offsets"):
        resolve_span("order 12345 and 1 more 1", start, end, value)


@pytest.mark.parametrize(
    ("text", "digits", "expected"),
    [
        ("refund $350", "350", "$350"),
        ("refund €20 now", "20", "€20"),
        ("reimburse 1200 dollars", "1200", "1200 dollars"),
        ("I paid 35 euros", "35", "35 euros"),
        ("paid 99€ for it", "99", "99€"),
        ("refund 350 please", "350", "350"),
    ],
)
def test_widen_amount_includes_the_currency(
    text: str, digits: str, expected: str
) -> None:
    start = text.index(digits)
    new_start, new_end = widen_amount(text, start, start + len(digits))
    assert text[new_start:new_end] == expected
