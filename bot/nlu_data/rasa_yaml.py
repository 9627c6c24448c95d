"""Render examples as Rasa 3 NLU YAML (pure, byte-for-byte deterministic)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.nlu_data.dedup import Example
from bot.nlu_data.sources import EntitySpan

RASA_FORMAT_VERSION = "3.1"


def annotate(text: str, entities: Sequence[EntitySpan]) -> str:
    """Write entity spans into ``text`` with Rasa's ``[value](entity)`` markup.

    Args:
        text: the plain utterance.
        entities: non-overlapping spans into ``text``.

    Returns:
        The annotated utterance, e.g. ``"track order [12345](order_number)"``.

    Raises:
        ValueError: spans overlap or fall outside the text.
    """
    parts: list[str] = []
    position = 0
    for span in sorted(entities, key=lambda s: s.start):
        if span.start < position or span.end > len(text) or span.start >= span.end:
            raise ValueError(
                f"entity span ({span.start}, {span.end}, {span.entity!r}) overlaps "
                f"another or lies outside {text!r}"
            )
        parts.append(text[position : span.start])
        parts.append(f"[{text[span.start : span.end]}]({span.entity})")
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def render_nlu(examples: Iterable[Example], header: str = "") -> str:
    """Render examples grouped by intent as a Rasa NLU YAML document.

    Args:
        examples: examples in any order; intents and examples are sorted.
        header: comment text put at the top, one ``#`` line per text line.

    Returns:
        The YAML text, ending with a newline.
    """
    by_intent: dict[str, list[Example]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example)
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines.append(f'version: "{RASA_FORMAT_VERSION}"')
    lines.append("nlu:")
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        ordered = sorted(by_intent[intent], key=lambda e: (e.key, e.text))
        for example in ordered:
            lines.append(f"    - {annotate(example.text, example.entities)}")
    return "\n".join(lines) + "\n"
