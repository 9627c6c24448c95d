"""Temperature scaling and the probability-matrix ECE."""

from __future__ import annotations

import math

import numpy as np
import pytest

from finetune.calibration import (
    fit_temperature,
    negative_log_likelihood,
    probabilities_ece,
    softmax,
)


def _overconfident() -> tuple[np.ndarray, np.ndarray]:
    # Large-margin logits that are right only 70% of the time.
    rng = np.random.default_rng(0)
    n, k = 400, 4
    targets = rng.integers(0, k, size=n)
    predicted = np.where(rng.random(n) < 0.7, targets, (targets + 1) % k)
    logits = rng.normal(0.0, 0.5, size=(n, k))
    logits[np.arange(n), predicted] += 8.0
    return logits, targets


def test_softmax_rows_sum_to_one_and_temperature_flattens() -> None:
    logits = np.array([[2.0, 0.0, -1.0], [1000.0, 0.0, 0.0]])
    probs = softmax(logits)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert softmax(logits, 10.0)[0].max() < probs[0].max()
    with pytest.raises(ValueError, match="temperature"):
        softmax(logits, 0.0)


def test_nll_hand_computed() -> None:
    logits = np.array([[0.0, 0.0], [math.log(3.0), 0.0]])
    # p(target) = 0.5 and 0.75
    expected = -(math.log(0.5) + math.log(0.75)) / 2
    assert negative_log_likelihood(logits, [0, 0]) == pytest.approx(expected)


def test_fit_temperature_lowers_nll_of_overconfident_model() -> None:
    logits, targets = _overconfident()
    temperature = fit_temperature(logits, targets)
    assert temperature > 1.5
    before = negative_log_likelihood(logits, targets)
    after = negative_log_likelihood(logits, targets, temperature)
    assert after < before * 0.5
    # It is the minimum: nudging T either way does not help.
    for factor in (0.9, 1.1):
        assert negative_log_likelihood(logits, targets, temperature * factor) >= after
    # Calibration never changes the predicted class, and improves ECE.
    assert (softmax(logits, temperature).argmax(1) == logits.argmax(1)).all()
    assert probabilities_ece(softmax(logits, temperature), targets) < probabilities_ece(
        softmax(logits), targets
    )


def test_fit_temperature_sharpens_underconfident_model() -> None:
    logits, targets = _overconfident()
    perfect = np.zeros_like(logits)
    perfect[np.arange(len(targets)), targets] = 0.5
    assert fit_temperature(perfect, targets) < 0.2


def test_fit_temperature_validates_input() -> None:
    with pytest.raises(ValueError, match="2-D"):
        fit_temperature(np.zeros(3), [0, 1, 2])
    with pytest.raises(ValueError, match="2 targets for 1 rows"):
        fit_temperature(np.zeros((1, 2)), [0, 1])
    with pytest.raises(ValueError, match="class indices"):
        fit_temperature(np.zeros((1, 2)), [5])
    with pytest.raises(ValueError, match="NaN"):
        fit_temperature(np.array([[np.nan, 0.0]]), [0])
    with pytest.raises(ValueError, match="low < high"):
        fit_temperature(np.zeros((1, 2)), [0], low=2.0, high=1.0)
    assert fit_temperature(np.zeros((0, 2)), []) == 1.0


def test_probabilities_ece_matches_hand_value() -> None:
    probs = np.array([[0.9, 0.1], [0.6, 0.4]])
    # confidences 0.9 (right) and 0.6 (wrong) fall in different bins.
    assert probabilities_ece(probs, [0, 1]) == pytest.approx(0.5 * 0.1 + 0.5 * 0.6)
