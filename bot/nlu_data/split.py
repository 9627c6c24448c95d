"""Train/test splits of deduplicated examples (pure, deterministic).

The held-out split orders each intent's examples by a seeded SHA-256 hash of
their deduplication key, so an example's side depends only on its rank within
its intent: not on the order of the input, nor on the Python hash seed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.nlu_data.dedup import Example, deduplicate
from bot.nlu_data.errors import SplitError
from bot.nlu_data.sources import INTENT_SAMPLE_8K, BitextRow

logger = logging.getLogger(__name__)

DEFAULT_TEST_FRACTION = 0.1
DEFAULT_SEED = "shopbot-heldout-v1"


@dataclass(frozen=True)
class Split:
    """Train and test examples, each sorted by intent then key."""

    train: tuple[Example, ...]
    test: tuple[Example, ...]


def _rank(seed: str, example: Example) -> str:
    return hashlib.sha256(f"{seed}\0{example.key}".encode()).hexdigest()


def _sorted(examples: Iterable[Example]) -> tuple[Example, ...]:
    return tuple(sorted(examples, key=lambda e: (e.intent, e.key, e.text)))


def heldout_split(
    examples: Sequence[Example],
    test_fraction: float = DEFAULT_TEST_FRACTION,
    seed: str = DEFAULT_SEED,
) -> Split:
    """Split examples into train and test, stratified by intent.

    Each intent sends ``round(n * test_fraction)`` of its ``n`` examples to the
    test side (at least one when it has two or more), chosen by a seeded hash.

    Args:
        examples: unique examples, e.g. ``deduplicate(rows).examples``.
        test_fraction: share of each intent held out, in (0, 1).
        seed: any string; another seed gives another fixed split.

    Returns:
        The split; the same inputs always give the same split.

    Raises:
        SplitError: ``test_fraction`` is outside (0, 1) or two examples share a
            deduplication key (deduplicate first).
    """
    if not 0.0 < test_fraction < 1.0:
        raise SplitError(
            f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction!r}"
        )
    by_intent: dict[str, list[Example]] = {}
    seen: set[str] = set()
    for example in examples:
        if example.key in seen:
            raise SplitError(
                f"example {example.text!r} occurs twice; pass deduplicated "
                "examples (bot.nlu_data.deduplicate)"
            )
        seen.add(example.key)
        by_intent.setdefault(example.intent, []).append(example)
    train: list[Example] = []
    test: list[Example] = []
    for intent_examples in by_intent.values():
        ordered = sorted(intent_examples, key=lambda e: _rank(seed, e))
        n_test = round(len(ordered) * test_fraction)
        if n_test == 0 and len(ordered) >= 2:
            n_test = 1
        test.extend(ordered[:n_test])
        train.extend(ordered[n_test:])
    return Split(_sorted(train), _sorted(test))


def cross_source_split(
    rows: Iterable[BitextRow], train_sources: Sequence[str] = (INTENT_SAMPLE_8K,)
) -> Split:
    """Train on some sources and test on the others, with no shared utterance.

    All rows are deduplicated together first (conflicting utterances are
    dropped), so an utterance found in a train source is never tested on.

    Args:
        rows: rows of every source, from :func:`load_bitext`.
        train_sources: source tags whose utterances form the train set; by
            default ``intent_sample_8k``, leaving the llm_training sets to test.

    Returns:
        Train: unique utterances occurring in a train source. Test: unique
        utterances of the other sources that occur in no train source.

    Raises:
        SplitError: ``train_sources`` is empty, or either side ends up empty.
    """
    chosen = frozenset(train_sources)
    if not chosen:
        raise SplitError("train_sources is empty; name at least one source tag")
    examples = deduplicate(rows).examples
    train = [e for e in examples if e.sources & chosen]
    test = [e for e in examples if not e.sources & chosen]
    if not train or not test:
        raise SplitError(
            f"cross-source split with train sources {sorted(chosen)} gives "
            f"{len(train)} train and {len(test)} test examples; both must be "
            "non-empty (check the source tags and the rows passed in)"
        )
    return Split(_sorted(train), _sorted(test))
