from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.calibration import (
    Calibration,
    choose_threshold,
    fit_calibration,
    isotonic_fit,
    uncalibrated,
)
from retrieval.errors import CorruptIndexError, RetrievalConfigError


def test_isotonic_pools_violators() -> None:
    xs, ys = isotonic_fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    assert xs == [0.1, 0.2, 0.3, 0.4]
    assert ys == [0.0, 0.5, 0.5, 1.0]


def test_isotonic_is_monotone_on_noise() -> None:
    rng = np.random.default_rng(0)
    x = rng.random(500)
    y = (rng.random(500) < x).astype(float)
    xs, ys = isotonic_fit(x, y)
    assert np.all(np.diff(xs) >= 0) and np.all(np.diff(ys) >= 0)
    assert abs(np.mean(np.interp(x, xs, ys)) - y.mean()) < 1e-9


def test_choose_threshold_reaches_target() -> None:
    probs = [0.2, 0.5, 0.9, 0.95]
    correct = [False, True, True, True]
    assert choose_threshold(probs, correct, 0.9) == 0.5
    assert choose_threshold(probs, [False] * 4, 0.9) == 1.0


def test_fit_calibration_and_roundtrip(tmp_path: Path) -> None:
    conf = [0.3, 0.4, 0.6, 0.8, 0.9, 1.0, 1.0, 1.0]
    cos = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.9, 0.95]
    right = [False, False, True, False, True, True, True, True]
    calibration = fit_calibration(conf, cos, right, target_precision=0.9)
    assert calibration.probability(1.0) == 1.0
    assert calibration.probability(0.3) == 0.0
    assert 0 < calibration.threshold <= 1
    calibration.save(tmp_path / "c.json")
    assert Calibration.load(tmp_path / "c.json") == calibration


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_precision": 0.0}, "target_precision"),
        ({"confidences": []}, "equal non-empty"),
    ],
)
def test_fit_calibration_rejects_bad_input(kwargs: dict, message: str) -> None:
    args = {"confidences": [0.5], "top_cosines": [0.5], "correct": [True], **kwargs}
    if not args["confidences"]:
        args["top_cosines"], args["correct"] = [], []
    with pytest.raises(RetrievalConfigError, match=message):
        fit_calibration(**args)


def test_malformed_calibration(tmp_path: Path) -> None:
    with pytest.raises(CorruptIndexError, match="non-decreasing"):
        Calibration((0.0, 1.0), (1.0, 0.0), 0.5, 0.5, 0.9, 10)
    path = tmp_path / "c.json"
    path.write_text('{"xs": [0.0]}')
    with pytest.raises(CorruptIndexError, match="Malformed calibration"):
        Calibration.load(path)


def test_uncalibrated_only_answers_unanimous_votes() -> None:
    calibration = uncalibrated()
    assert calibration.probability(1.0) >= calibration.threshold
    assert calibration.probability(0.99) < calibration.threshold
