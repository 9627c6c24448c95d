"""Temperature scaling and expected calibration error (pure numpy).

Temperature scaling (Guo et al. 2017) divides the logits by one scalar T fitted
to minimise the negative log-likelihood on held-out data; it changes confidences
but never the predicted class.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MIN_TEMPERATURE = 0.05
MAX_TEMPERATURE = 20.0
ECE_BINS = 15


def softmax(logits: npt.ArrayLike, temperature: float = 1.0) -> FloatArray:
    """Row-wise softmax of ``logits / temperature`` in float64.

    Args:
        logits: array of shape (n, k).
        temperature: positive divisor of the logits.

    Returns:
        Probabilities of shape (n, k); each row sums to 1.

    Raises:
        ValueError: ``logits`` is not 2-D or ``temperature`` is not positive.
    """
    values = _as_logits(logits)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}.")
    scaled = values / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result


def negative_log_likelihood(
    logits: npt.ArrayLike, targets: npt.ArrayLike, temperature: float = 1.0
) -> float:
    """Mean negative log-likelihood of the targets under temperature-scaled logits.

    Args:
        logits: array of shape (n, k).
        targets: class indices of shape (n,).
        temperature: positive divisor of the logits.

    Returns:
        The mean NLL in nats.

    Raises:
        ValueError: shapes disagree or a target is out of range.
    """
    values = _as_logits(logits)
    labels = _as_targets(targets, values.shape)
    scaled = values / temperature
    shifted = scaled - scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    picked = shifted[np.arange(len(labels)), labels]
    return float(np.mean(log_norm - picked))


def fit_temperature(
    logits: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    low: float = MIN_TEMPERATURE,
    high: float = MAX_TEMPERATURE,
    tolerance: float = 1e-4,
) -> float:
    """Find the temperature that minimises the NLL (golden-section search on log T).

    The NLL is convex in 1/T, hence unimodal in log T, so a 1-D search finds the
    optimum within ``[low, high]``.

    Args:
        logits: held-out logits of shape (n, k).
        targets: their class indices, shape (n,).
        low: smallest temperature considered.
        high: largest temperature considered.
        tolerance: stop when the log-temperature bracket is narrower than this.

    Returns:
        The fitted temperature; 1.0 when there is no data.

    Raises:
        ValueError: shapes disagree, a target is out of range, or the bounds are
            not ``0 < low < high``.
    """
    values = _as_logits(logits)
    labels = _as_targets(targets, values.shape)
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high, got low={low!r}, high={high!r}.")
    if len(labels) == 0:
        return 1.0
    inv_phi = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = math.log(low), math.log(high)

    def loss(log_t: float) -> float:
        return negative_log_likelihood(values, labels, math.exp(log_t))

    c = b - inv_phi * (b - a)
    d = a + inv_phi * (b - a)
    fc, fd = loss(c), loss(d)
    while b - a > tolerance:
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - inv_phi * (b - a)
            fc = loss(c)
        else:
            a, c, fc = c, d, fd
            d = a + inv_phi * (b - a)
            fd = loss(d)
    temperature = math.exp((a + b) / 2.0)
    logger.debug(
        "Fitted temperature %.4f (NLL %.4f -> %.4f).",
        temperature,
        loss(0.0),
        loss(math.log(temperature)),
    )
    return temperature


def expected_calibration_error(
    confidences: npt.ArrayLike, correct: npt.ArrayLike, n_bins: int = ECE_BINS
) -> float:
    """Expected calibration error of top-label confidences.

    Predictions are grouped into ``n_bins`` equal-width confidence bins
    (``[0, 1/n], (1/n, 2/n], ...``); ECE is the example-weighted mean of
    ``|accuracy - mean confidence|`` over the bins (Guo et al. 2017).

    Args:
        confidences: confidence of each prediction, shape (n,), in [0, 1].
        correct: whether each prediction was right, shape (n,), bool or 0/1.
        n_bins: number of bins (15 by default, as in Guo et al.).

    Returns:
        ECE in [0, 1]; 0.0 when there are no predictions.

    Raises:
        ValueError: lengths differ, a confidence is outside [0, 1], or
            ``n_bins < 1``.
    """
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    hits = np.asarray(correct, dtype=np.float64).reshape(-1)
    if conf.shape != hits.shape:
        raise ValueError(
            f"got {conf.size} confidences but {hits.size} correctness flags."
        )
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins!r}.")
    if conf.size == 0:
        return 0.0
    if not np.isfinite(conf).all() or conf.min() < 0.0 or conf.max() > 1.0:
        raise ValueError(
            f"confidences must lie in [0, 1], got range [{conf.min()}, {conf.max()}]."
        )
    bins = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += float(mask.mean()) * abs(hits[mask].mean() - conf[mask].mean())
    return float(ece)


def probabilities_ece(
    probabilities: npt.ArrayLike, targets: npt.ArrayLike, n_bins: int = ECE_BINS
) -> float:
    """Expected calibration error of a probability matrix against true classes.

    Args:
        probabilities: array of shape (n, k), rows summing to 1.
        targets: true class indices, shape (n,).
        n_bins: number of confidence bins.

    Returns:
        ECE of the top-class confidences.

    Raises:
        ValueError: shapes disagree or a target is out of range.
    """
    probs = _as_logits(probabilities)
    labels = _as_targets(targets, probs.shape)
    return expected_calibration_error(
        probs.max(axis=1), probs.argmax(axis=1) == labels, n_bins
    )


def _as_logits(values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(
            f"expected a 2-D array of shape (n_examples, n_classes), got shape "
            f"{array.shape}."
        )
    if not np.isfinite(array).all():
        raise ValueError("logits/probabilities contain NaN or infinite values.")
    return array


def _as_targets(values: npt.ArrayLike, shape: tuple[int, ...]) -> IntArray:
    array = np.asarray(values, dtype=np.int64).reshape(-1)
    if array.shape[0] != shape[0]:
        raise ValueError(f"got {array.shape[0]} targets for {shape[0]} rows of logits.")
    if array.size and (array.min() < 0 or array.max() >= shape[1]):
        raise ValueError(
            f"targets must be class indices in [0, {shape[1]}), got range "
            f"[{array.min()}, {array.max()}]."
        )
    return array
