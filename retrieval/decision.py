"""Choose an answer from search hits, or abstain (pure; no model or index code).

The hits of one query vote for their intents, each weighted by
``exp(cosine / temperature)``. The winning intent's best hit is the candidate
answer, and the winner's share of the votes is the confidence that
:class:`~retrieval.calibration.Calibration` turns into a probability. The bot answers
only when that probability clears the calibrated threshold and the best cosine clears
``min_cosine``; otherwise it should say it is not sure and offer a human.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval.calibration import Calibration
from retrieval.qa_store import QARecord

VOTE_TEMPERATURE = 0.05
VOTE_DEPTH = 10


@dataclass(frozen=True)
class Hit:
    """One search result: a stored record and its cosine similarity."""

    record: QARecord
    score: float


@dataclass(frozen=True)
class Vote:
    """The candidate answer of a query before thresholding.

    Attributes:
        hit: Best hit of the winning intent.
        intent: Winning intent.
        confidence: The winner's share of the weighted votes, in (0, 1].
    """

    hit: Hit
    intent: str
    confidence: float


@dataclass(frozen=True)
class Decision:
    """What the bot should do with a question.

    Attributes:
        answer: Text to send, or None to abstain (say not sure, offer a human).
        source: Source of the chosen record (e.g. ``bitext:17``), also when
            abstaining, for the audit trail; None without hits.
        record_id: Id of the chosen record, or None without hits.
        intent: Intent of the chosen record, or None without hits.
        probability: Calibrated probability that the answer fits (0 without hits
            or when out of scope).
        cosine: Cosine similarity of the chosen record (0 without hits).
        reason: ``answered``, ``low_confidence``, ``out_of_scope`` or ``no_hits``.
        hits: The hits considered, best first.
    """

    answer: str | None
    source: str | None
    record_id: int | None
    intent: str | None
    probability: float
    cosine: float
    reason: str
    hits: tuple[Hit, ...] = field(default=())

    @property
    def answered(self) -> bool:
        """Whether the bot should send :attr:`answer`."""
        return self.answer is not None


def vote(
    hits: Sequence[Hit],
    *,
    depth: int = VOTE_DEPTH,
    temperature: float = VOTE_TEMPERATURE,
) -> Vote | None:
    """Pick the intent most of the best hits agree on, and its best hit.

    Args:
        hits: Hits sorted by descending score.
        depth: How many of the best hits vote.
        temperature: Softness of the score weighting (lower favours the top hit).

    Returns:
        The vote, or None when there are no hits.
    """
    voters = list(hits[:depth])
    if not voters:
        return None
    top = voters[0].score
    weights: dict[str, float] = {}
    best: dict[str, Hit] = {}
    for hit in voters:
        intent = hit.record.intent
        # Subtracting the top score keeps exp() in range; shares are unchanged.
        weights[intent] = weights.get(intent, 0.0) + math.exp(
            (hit.score - top) / temperature
        )
        if intent not in best or hit.score > best[intent].score:
            best[intent] = hit
    winner = max(weights, key=lambda name: (weights[name], best[name].score))
    return Vote(
        hit=best[winner],
        intent=winner,
        confidence=weights[winner] / sum(weights.values()),
    )


def decide(hits: Sequence[Hit], calibration: Calibration) -> Decision:
    """Answer from the hits when the calibrated probability clears the threshold.

    Args:
        hits: Search hits for one question, best first.
        calibration: Confidence map, threshold and cosine floor.

    Returns:
        The decision; ``answer`` is None when the bot should abstain.
    """
    chosen = vote(hits)
    if chosen is None:
        return Decision(
            answer=None,
            source=None,
            record_id=None,
            intent=None,
            probability=0.0,
            cosine=0.0,
            reason="no_hits",
            hits=tuple(hits),
        )
    probability = calibration.probability(chosen.confidence)
    record = chosen.hit.record
    if chosen.hit.score < calibration.min_cosine:
        reason = "out_of_scope"
    elif probability < calibration.threshold:
        reason = "low_confidence"
    else:
        reason = "answered"
    return Decision(
        answer=record.answer if reason == "answered" else None,
        source=record.source,
        record_id=record.id,
        intent=record.intent,
        # Calibration was fitted on in-scope questions; below the cosine floor it
        # says nothing, so report no confidence rather than a misleading one.
        probability=0.0 if reason == "out_of_scope" else probability,
        cosine=chosen.hit.score,
        reason=reason,
        hits=tuple(hits),
    )
