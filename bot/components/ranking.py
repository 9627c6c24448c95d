"""Pure ranking logic: intent probabilities -> Rasa ``intent`` and ``intent_ranking``.

No model, torch or Rasa imports here, so it is cheap to import and test.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TypedDict

logger = logging.getLogger(__name__)


class RankedIntent(TypedDict):
    """One entry of Rasa's ``intent_ranking`` (and the ``intent`` itself)."""

    name: str
    confidence: float


def rank_intents(
    probabilities: Sequence[float],
    labels: Sequence[str],
    ranking_length: int,
) -> tuple[RankedIntent, list[RankedIntent]]:
    """Sort intents by probability and cut the ranking to ``ranking_length``.

    Ties keep the order of ``labels``. Confidences are rescaled to sum to at most
    1 (guarding against float round-off), so the ranking of any length sums to
    <= 1.

    Args:
        probabilities: one probability per label, non-negative and finite.
        labels: intent names, aligned with ``probabilities``.
        ranking_length: entries to keep in the ranking; 0 keeps all (Rasa's
            convention).

    Returns:
        ``(intent, intent_ranking)``: the top intent and the sorted ranking.

    Raises:
        ValueError: the sequences are empty or differ in length, a probability is
            negative or not finite, or ``ranking_length`` is negative.
    """
    if len(probabilities) != len(labels) or not labels:
        raise ValueError(
            f"need one probability per label, got {len(probabilities)} "
            f"probabilities for {len(labels)} labels."
        )
    if ranking_length < 0:
        raise ValueError(f"ranking_length must be >= 0, got {ranking_length}.")
    values = [float(p) for p in probabilities]
    if any(not math.isfinite(p) or p < 0.0 for p in values):
        raise ValueError(f"probabilities must be finite and >= 0, got {values!r:.200}.")
    total = math.fsum(values)
    if total > 1.0:
        values = [p / total for p in values]
        # Division can still leave the sum a hair above 1.
        while math.fsum(values) > 1.0:
            values = [math.nextafter(p, 0.0) for p in values]
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranking = [RankedIntent(name=labels[i], confidence=values[i]) for i in order]
    top = RankedIntent(name=ranking[0]["name"], confidence=ranking[0]["confidence"])
    if ranking_length > 0:
        ranking = ranking[:ranking_length]
    return top, ranking
