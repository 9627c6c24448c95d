"""Map a retrieval confidence to the probability that the answer fits (pure numpy).

The confidence is the intent vote share of the chosen answer (see
:mod:`retrieval.decision`). :func:`fit_calibration` fits an isotonic (monotone)
regression on held-out validation queries with the pool-adjacent-violators
algorithm, then picks the answer threshold: the lowest calibrated probability at
which the answered validation queries reach the target precision. The result is
saved as ``calibration.json`` beside the index.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.errors import CorruptIndexError, RetrievalConfigError

logger = logging.getLogger(__name__)

DEFAULT_TARGET_PRECISION = 0.98


@dataclass(frozen=True)
class Calibration:
    """A monotone map from confidence to probability, and the answer threshold.

    Attributes:
        xs: Increasing confidence breakpoints.
        ys: Non-decreasing probabilities at ``xs`` (linear in between, flat outside).
        threshold: Answer when the calibrated probability is at least this.
        min_cosine: Never answer when the best hit's cosine is below this (guards
            against out-of-scope questions whose few hits happen to agree).
        target_precision: Precision of answered validation queries aimed for.
        fitted_on: How many validation queries the map was fitted on.
    """

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    threshold: float
    min_cosine: float
    target_precision: float
    fitted_on: int

    def __post_init__(self) -> None:
        """Check that the map is monotone and the threshold a probability."""
        if len(self.xs) != len(self.ys) or not self.xs:
            raise CorruptIndexError(
                f"Calibration needs as many xs as ys (>= 1), got {len(self.xs)} and "
                f"{len(self.ys)}."
            )
        if any(b < a for a, b in zip(self.xs, self.xs[1:], strict=False)) or any(
            b < a for a, b in zip(self.ys, self.ys[1:], strict=False)
        ):
            raise CorruptIndexError("Calibration breakpoints must be non-decreasing.")
        if not 0.0 <= self.threshold <= 1.0:
            raise CorruptIndexError(
                f"Calibration threshold {self.threshold} not in [0, 1]."
            )

    def probability(self, confidence: float) -> float:
        """Return the calibrated probability for one raw confidence."""
        return float(np.interp(confidence, self.xs, self.ys))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["xs"], data["ys"] = list(self.xs), list(self.ys)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Rebuild from :meth:`to_dict` output.

        Raises:
            CorruptIndexError: When keys are missing or values malformed.
        """
        try:
            return cls(
                xs=tuple(float(x) for x in data["xs"]),
                ys=tuple(float(y) for y in data["ys"]),
                threshold=float(data["threshold"]),
                min_cosine=float(data["min_cosine"]),
                target_precision=float(data["target_precision"]),
                fitted_on=int(data["fitted_on"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise CorruptIndexError(f"Malformed calibration data: {err}.") from err

    def save(self, path: Path) -> None:
        """Write as JSON."""
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """Read a file written by :meth:`save`.

        Raises:
            CorruptIndexError: When the file is unreadable or malformed.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise CorruptIndexError(f"Cannot read calibration {path}: {err}.") from err
        return cls.from_dict(data)


def uncalibrated() -> Calibration:
    """Identity map with threshold 1.0: only a unanimous vote is answered.

    Used for an index that has not been calibrated yet, so it errs on the side of
    offering a human.
    """
    return Calibration(
        xs=(0.0, 1.0),
        ys=(0.0, 1.0),
        threshold=1.0,
        min_cosine=0.5,
        target_precision=1.0,
        fitted_on=0,
    )


def isotonic_fit(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[list[float], list[float]]:
    """Fit a non-decreasing step function to ``(x, y)`` (pool adjacent violators).

    Args:
        x: Confidences.
        y: Outcomes in [0, 1] (1 = the answer was right).

    Returns:
        Breakpoints ``xs`` (increasing) and fitted values ``ys`` (non-decreasing).

    Raises:
        RetrievalConfigError: On empty or unequal inputs.
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.size == 0 or xa.shape != ya.shape:
        raise RetrievalConfigError(
            f"isotonic_fit needs equal non-empty inputs, got {xa.shape} and {ya.shape}."
        )
    order = np.argsort(xa, kind="stable")
    xs_sorted, ys_sorted = xa[order], ya[order]
    # Merge equal x first, then pool violators; blocks hold (sum, weight, x_lo, x_hi).
    sums: list[float] = []
    weights: list[float] = []
    lows: list[float] = []
    highs: list[float] = []
    for value, outcome in zip(xs_sorted, ys_sorted, strict=False):
        if lows and value == highs[-1]:
            sums[-1] += outcome
            weights[-1] += 1
        else:
            sums.append(float(outcome))
            weights.append(1.0)
            lows.append(float(value))
            highs.append(float(value))
        while len(sums) > 1 and sums[-2] / weights[-2] > sums[-1] / weights[-1]:
            last_sum, last_weight, last_high = sums.pop(), weights.pop(), highs.pop()
            lows.pop()
            sums[-1] += last_sum
            weights[-1] += last_weight
            highs[-1] = last_high
    xs: list[float] = []
    ys: list[float] = []
    for low, high, total, weight in zip(lows, highs, sums, weights, strict=False):
        mean = total / weight
        xs.append(low)
        ys.append(mean)
        if high > low:
            xs.append(high)
            ys.append(mean)
    return xs, ys


def choose_threshold(
    probabilities: Sequence[float], correct: Sequence[bool], target_precision: float
) -> float:
    """Lowest probability cut whose answered queries reach ``target_precision``.

    Args:
        probabilities: Calibrated probability per validation query.
        correct: Whether each query's answer was right.
        target_precision: Wanted precision of the answered queries.

    Returns:
        The threshold; 1.0 (answer almost nothing) when no cut reaches the target.
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    right = np.asarray(correct, dtype=bool)
    for cut in np.unique(probs):
        answered = probs >= cut
        if answered.any() and right[answered].mean() >= target_precision:
            return float(cut)
    return 1.0


def fit_calibration(
    confidences: Sequence[float],
    top_cosines: Sequence[float],
    correct: Sequence[bool],
    *,
    target_precision: float = DEFAULT_TARGET_PRECISION,
    cosine_quantile: float = 0.005,
) -> Calibration:
    """Fit the confidence map and choose the answer threshold on validation data.

    Args:
        confidences: Vote share of the chosen answer, per validation query.
        top_cosines: Cosine of the chosen answer, per query.
        correct: Whether the chosen answer's intent matched the query's.
        target_precision: Precision of answered queries to reach.
        cosine_quantile: ``min_cosine`` is this quantile of the cosines of correct
            answers, so in-scope questions almost never fall under it.

    Returns:
        The calibration.

    Raises:
        RetrievalConfigError: On empty or mismatched inputs, or a target outside
            (0, 1].
    """
    if not 0.0 < target_precision <= 1.0:
        raise RetrievalConfigError(
            f"target_precision={target_precision} must be in (0, 1]."
        )
    conf = np.asarray(confidences, dtype=np.float64)
    cos = np.asarray(top_cosines, dtype=np.float64)
    right = np.asarray(correct, dtype=bool)
    if not conf.size or conf.shape != cos.shape or conf.shape != right.shape:
        raise RetrievalConfigError(
            "fit_calibration needs equal non-empty inputs, got shapes "
            f"{conf.shape}, {cos.shape}, {right.shape}."
        )
    xs, ys = isotonic_fit(conf, right.astype(np.float64))
    probs = np.interp(conf, xs, ys)
    min_cosine = float(np.quantile(cos[right], cosine_quantile)) if right.any() else 1.0
    usable = cos >= min_cosine
    threshold = choose_threshold(probs[usable], right[usable], target_precision)
    logger.info(
        "Calibrated on %d queries: threshold %.3f, min_cosine %.3f",
        conf.size,
        threshold,
        min_cosine,
    )
    return Calibration(
        xs=tuple(xs),
        ys=tuple(ys),
        threshold=threshold,
        min_cosine=min_cosine,
        target_precision=target_precision,
        fitted_on=int(conf.size),
    )
