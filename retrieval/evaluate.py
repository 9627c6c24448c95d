"""Retrieval quality on held-out utterances (intent-consistent accuracy, MRR, abstain).

A hit is *intent-consistent* when its record's intent equals the query's intent.
Queries come from the Bitext intent data (a different source from the indexed Q/A
questions); the validation half calibrates the answer threshold, the test half is
reported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from retrieval.calibration import Calibration
from retrieval.content import HeldoutQuery
from retrieval.decision import Hit, decide
from retrieval.errors import RetrievalConfigError

logger = logging.getLogger(__name__)


def quality_metrics(
    queries: Sequence[HeldoutQuery],
    hits_per_query: Sequence[Sequence[Hit]],
    calibration: Calibration,
) -> dict[str, float]:
    """Compute retrieval quality for queries with known intents (pure).

    Args:
        queries: The queries and their true intents.
        hits_per_query: Search hits for each query, best first (10 or more).
        calibration: Confidence map and threshold of the answer policy.

    Returns:
        ``top1`` (the answer the bot would choose, after the intent vote),
        ``top1_raw`` (the single best hit), ``top5`` (any of the first five hits),
        ``mrr`` (reciprocal rank of the first consistent hit in the first ten),
        ``answered_precision`` and ``answered_share`` at the threshold,
        ``threshold``, ``min_cosine`` and ``queries``.

    Raises:
        RetrievalConfigError: When the inputs are empty or of different lengths.
    """
    if not queries or len(queries) != len(hits_per_query):
        raise RetrievalConfigError(
            f"quality_metrics needs one hit list per query, got {len(queries)} queries "
            f"and {len(hits_per_query)} hit lists."
        )
    top1 = top1_raw = top5 = answered = answered_right = 0
    reciprocal = 0.0
    for query, hits in zip(queries, hits_per_query, strict=False):
        intents = [hit.record.intent for hit in hits]
        decision = decide(hits, calibration)
        right = decision.intent == query.intent
        top1 += right
        top1_raw += bool(intents) and intents[0] == query.intent
        top5 += query.intent in intents[:5]
        if query.intent in intents[:10]:
            reciprocal += 1.0 / (intents.index(query.intent) + 1)
        if decision.answered:
            answered += 1
            answered_right += right
    n = len(queries)
    return {
        "top1": top1 / n,
        "top1_raw": top1_raw / n,
        "top5": top5 / n,
        "mrr": reciprocal / n,
        "answered_precision": answered_right / answered if answered else 0.0,
        "answered_share": answered / n,
        "threshold": calibration.threshold,
        "min_cosine": calibration.min_cosine,
        "queries": float(n),
    }


def split_queries(queries: Sequence[HeldoutQuery], split: str) -> list[HeldoutQuery]:
    """Return the queries of one split (``validation`` or ``test``).

    Raises:
        RetrievalConfigError: When the split is unknown or empty.
    """
    if split not in ("validation", "test"):
        raise RetrievalConfigError(f"split={split!r}; use validation or test.")
    chosen = [query for query in queries if query.split == split]
    if not chosen:
        raise RetrievalConfigError(f"No held-out queries in split {split!r}.")
    return chosen


def evaluate_retriever(
    retriever: Any, queries: Sequence[HeldoutQuery], *, k: int = 10
) -> dict[str, float]:
    """Search the queries with a :class:`~retrieval.service.Retriever` and score.

    Args:
        retriever: The retriever (its calibration sets the threshold).
        queries: Queries with true intents, usually the test split.
        k: Hits fetched per query.

    Returns:
        See :func:`quality_metrics`.
    """
    hits = retriever.search([query.text for query in queries], k)
    metrics = quality_metrics(queries, hits, retriever.calibration)
    logger.info(
        "Evaluated %d queries: top1 %.4f, answered precision %.4f",
        len(queries),
        metrics["top1"],
        metrics["answered_precision"],
    )
    return metrics
