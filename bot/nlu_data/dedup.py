"""Merge duplicate utterances across sources and drop contradictory ones (pure)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from bot.nlu_data.normalise import dedup_key
from bot.nlu_data.sources import SOURCE_NAMES, BitextRow, EntitySpan

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    """A unique labelled utterance.

    Attributes:
        text: the utterance as written (whitespace collapsed).
        intent: its intent.
        category: its Bitext category.
        entities: entity spans in ``text``.
        sources: tags of every source the utterance occurs in.
    """

    text: str
    intent: str
    category: str
    entities: tuple[EntitySpan, ...]
    sources: frozenset[str]

    @property
    def key(self) -> str:
        """The case- and whitespace-insensitive form used for deduplication."""
        return dedup_key(self.text)


@dataclass(frozen=True)
class Conflict:
    """An utterance that sources label with different intents.

    Attributes:
        key: the deduplication key of the utterance.
        intents: the distinct intents it was given, sorted.
    """

    key: str
    intents: tuple[str, ...]


@dataclass(frozen=True)
class DedupResult:
    """What :func:`deduplicate` kept and dropped.

    Attributes:
        examples: unique examples, sorted by intent then key.
        rows_read: number of input rows.
        duplicates_merged: rows merged into an earlier identical utterance.
        conflicts: utterances dropped because their intents disagree.
    """

    examples: tuple[Example, ...]
    rows_read: int
    duplicates_merged: int
    conflicts: tuple[Conflict, ...]


def _preference(row: BitextRow) -> tuple[int, int, int]:
    # Prefer a copy with entity annotations, then the earlier source, then row.
    rank = (
        SOURCE_NAMES.index(row.source)
        if row.source in SOURCE_NAMES
        else len(SOURCE_NAMES)
    )
    return (-len(row.entities), rank, row.line)


def deduplicate(rows: Iterable[BitextRow]) -> DedupResult:
    """Merge utterances that differ only in case or whitespace.

    An utterance labelled with two or more different intents (within or across
    sources) is dropped and reported as a :class:`Conflict`. Of the copies that
    agree, the one with entity annotations is kept (then the earlier source).

    Args:
        rows: rows from :func:`bot.nlu_data.sources.load_bitext`.

    Returns:
        The unique examples and counts of what was merged or dropped. The result
        does not depend on the order of ``rows``.
    """
    groups: dict[str, list[BitextRow]] = {}
    rows_read = 0
    for row in rows:
        rows_read += 1
        groups.setdefault(dedup_key(row.text), []).append(row)
    examples: list[Example] = []
    conflicts: list[Conflict] = []
    for key, group in groups.items():
        intents = sorted({row.intent for row in group})
        if len(intents) > 1:
            conflicts.append(Conflict(key, tuple(intents)))
            continue
        best = min(group, key=_preference)
        examples.append(
            Example(
                text=best.text,
                intent=best.intent,
                category=best.category,
                entities=best.entities,
                sources=frozenset(row.source for row in group),
            )
        )
    examples.sort(key=lambda example: (example.intent, example.key, example.text))
    conflicts.sort(key=lambda conflict: conflict.key)
    merged = (
        rows_read
        - len(examples)
        - sum(len(groups[conflict.key]) for conflict in conflicts)
    )
    if conflicts:
        logger.info(
            "Dropped %d utterances labelled with conflicting intents.", len(conflicts)
        )
    return DedupResult(tuple(examples), rows_read, merged, tuple(conflicts))
