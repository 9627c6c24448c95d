"""Pure text helpers: whitespace normalisation that keeps entity offsets valid.

Deduplication compares utterances case- and whitespace-insensitively
(:func:`dedup_key`); the text that is written keeps its case but has its
whitespace collapsed (:func:`collapse_whitespace`), and every entity span is
moved along with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CURRENCY_BEFORE = frozenset("$€£")
# Characters that may touch an entity without being part of the word.
_LEADING = frozenset("(\"'")
_TRAILING = frozenset(",.;:!?)\"'")
_CURRENCY_AFTER = re.compile(
    r" ?(?:dollars?|bucks|euros?|pounds?|usd|eur|gbp)\b|€", re.IGNORECASE
)


def dedup_key(text: str) -> str:
    """Return the form under which two utterances count as the same.

    Args:
        text: an utterance.

    Returns:
        The utterance case-folded, with runs of whitespace collapsed to one
        space and no leading or trailing whitespace.
    """
    return " ".join(text.split()).casefold()


def collapse_whitespace(
    text: str, spans: Sequence[tuple[int, int]] = ()
) -> tuple[str, list[tuple[int, int]]]:
    """Collapse whitespace runs to one space, strip the ends and move spans.

    Args:
        text: the raw utterance.
        spans: ``(start, end)`` character offsets into ``text`` (end exclusive).

    Returns:
        The normalised text and the spans as offsets into it. A span keeps
        covering the same characters; whitespace at a span's edges is dropped.

    Raises:
        ValueError: a span is out of range, inverted or covers only whitespace.
    """
    for start, end in spans:
        if not 0 <= start < end <= len(text):
            raise ValueError(
                f"span ({start}, {end}) does not fit in {text!r} of length "
                f"{len(text)}; offsets must satisfy 0 <= start < end <= length"
            )
        if not text[start:end].strip():
            raise ValueError(
                f"span ({start}, {end}) of {text!r} covers only whitespace"
            )
    new_index: list[int] = []
    out: list[str] = []
    pending_space = False
    for char in text:
        if char.isspace():
            pending_space = bool(out)
            new_index.append(-1)
            continue
        if pending_space:
            out.append(" ")
            pending_space = False
        new_index.append(len(out))
        out.append(char)
    moved: list[tuple[int, int]] = []
    for start, end in spans:
        kept = [new_index[i] for i in range(start, end) if new_index[i] >= 0]
        moved.append((kept[0], kept[-1] + 1))
    return "".join(out), moved


def resolve_span(text: str, start: int, end: int, value: str = "") -> tuple[int, int]:
    """Repair a source entity span and check that it covers whole words.

    Bitext offsets are sometimes past the end of the text, include a trailing
    comma and space, or point at a shortened number; the span is clipped,
    trimmed, and moved onto ``value`` when ``value`` is not inside it.

    Args:
        text: the raw utterance.
        start: source start offset.
        end: source end offset (exclusive).
        value: the source's entity value, used when the offsets miss it.

    Returns:
        The repaired ``(start, end)``.

    Raises:
        ValueError: the span selects no text and ``value`` does not occur
            exactly once in ``text``.
    """
    value = value.strip()
    end = min(end, len(text))
    while 0 <= start < end and text[start].isspace():
        start += 1
    while 0 <= start < end and (text[end - 1].isspace() or text[end - 1] in _TRAILING):
        end -= 1
    if not 0 <= start < end or value not in text[start:end]:
        found = [match.start() for match in re.finditer(re.escape(value), text)]
        if not value or len(found) != 1:
            raise ValueError(
                f"entity offsets ({start}, {end}) select no entity in {text!r} and "
                f"its value {value!r} occurs {len(found)} times; fix the offsets"
            )
        start, end = found[0], found[0] + len(value)
    return start, end


def is_token_aligned(text: str, start: int, end: int) -> bool:
    """Tell whether a span starts and ends at word boundaries.

    A span glued to a word ("order12345", "refunding$350") cannot be split off
    by a whitespace tokenizer, nor found by the entity patterns.

    Args:
        text: the utterance.
        start: span start.
        end: span end (exclusive).

    Returns:
        True when the characters around the span are whitespace, the text's
        ends, opening/closing punctuation or quotes.
    """
    left_ok = start == 0 or text[start - 1].isspace() or text[start - 1] in _LEADING
    right_ok = end == len(text) or text[end].isspace() or text[end] in _TRAILING
    return left_ok and right_ok


def widen_amount(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen an amount span to include a currency sign or word touching it.

    Bitext marks only the digits of "$350" or "350 dollars"; the project's
    ``amount`` regex (and a whitespace tokenizer) see "$350" and
    "350 dollars", so the annotation is widened to match.

    Args:
        text: the normalised utterance.
        start: start offset of the digits.
        end: end offset of the digits (exclusive).

    Returns:
        The widened ``(start, end)``.
    """
    if start > 0 and text[start - 1] in _CURRENCY_BEFORE:
        start -= 1
    elif (after := _CURRENCY_AFTER.match(text, end)) is not None:
        end = after.end()
    return start, end
