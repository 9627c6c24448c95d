"""Nearest-neighbour votes and their blend with classifier probabilities (pure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from finetune.errors import ModelCorruptError
from finetune.neighbours import NeighbourIndex, blend, normalise

# Two tight clusters: label 0 around the x axis, label 1 around the y axis.
FEATURES = np.array(
    [
        [1.0, 0.05, 0.0],
        [1.0, -0.05, 0.0],
        [0.9, 0.0, 0.1],
        [0.05, 1.0, 0.0],
        [0.0, 1.0, -0.1],
    ]
)
LABEL_IDS = [0, 0, 0, 1, 1]


@pytest.fixture()
def index() -> NeighbourIndex:
    return NeighbourIndex.build(FEATURES, LABEL_IDS, num_labels=3)


def test_build_normalises_and_stores_half_precision(index: NeighbourIndex) -> None:
    assert index.features.dtype == np.float16
    assert np.allclose(
        np.linalg.norm(index.features.astype(np.float32), axis=1), 1, atol=1e-3
    )
    assert index.dim == 3


def test_vote_follows_the_nearest_cluster(index: NeighbourIndex) -> None:
    votes = index.vote([[2.0, 0.1, 0.0], [0.0, 3.0, 0.0]], k=3)
    assert votes.shape == (2, 3)
    assert np.allclose(votes.sum(axis=1), 1.0)
    assert votes[0].argmax() == 0 and votes[1].argmax() == 1
    # An intent with no indexed utterance never gets a vote.
    assert np.all(votes[:, 2] == 0)


def test_vote_scale_of_the_query_does_not_matter(index: NeighbourIndex) -> None:
    assert np.allclose(
        index.vote([[1.0, 0.2, 0.0]], k=5), index.vote([[7.0, 1.4, 0.0]], k=5)
    )


def test_closer_neighbours_weigh_more_at_low_temperature(index: NeighbourIndex) -> None:
    # Equidistant-ish query between the clusters, slightly nearer label 1.
    query = [[0.6, 0.7, 0.0]]
    sharp = index.vote(query, k=5, temperature=0.01)
    flat = index.vote(query, k=5, temperature=100.0)
    assert sharp[0].argmax() == 1 and sharp[0, 1] > 0.99
    # Almost equal weights: three label-0 rows outvote two label-1 rows.
    assert flat[0].argmax() == 0 and np.isclose(flat[0, 0], 0.6, atol=0.01)


def test_k_one_is_the_single_nearest_and_k_is_capped(index: NeighbourIndex) -> None:
    assert np.allclose(index.vote([[0.0, 1.0, 0.0]], k=1), [[0.0, 1.0, 0.0]])
    assert np.allclose(
        index.vote([[1.0, 0.0, 0.0]], k=50, temperature=1e6),
        [[0.6, 0.4, 0.0]],
        atol=1e-4,
    )


def test_blank_query_gets_the_uniform_distribution(index: NeighbourIndex) -> None:
    votes = index.vote([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], k=2)
    assert np.allclose(votes[0], 1 / 3)
    assert votes[1].argmax() == 0


@pytest.mark.parametrize(
    ("queries", "k", "temperature", "message"),
    [
        ([[1.0, 0.0]], 2, 0.05, "width 2, the index 3"),
        ([[1.0, 0.0, 0.0]], 0, 0.05, "k must be >= 1"),
        ([[1.0, 0.0, 0.0]], 2, 0.0, "temperature must be > 0"),
        ([1.0, 0.0, 0.0], 2, 0.05, "2-D"),
    ],
)
def test_vote_rejects_bad_arguments(
    index: NeighbourIndex,
    queries: list[object],
    k: int,
    temperature: float,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        index.vote(queries, k=k, temperature=temperature)


@pytest.mark.parametrize(
    ("features", "label_ids", "num_labels", "message"),
    [
        (np.zeros((0, 3)), [], 2, "non-empty"),
        (FEATURES, [0, 1], 2, "one label per feature row"),
        (FEATURES, [0, 0, 0, 1, 2], 2, r"label_ids must lie in \[0, 2\)"),
        (FEATURES, [0, 0, 0, 1, -1], 2, "must lie in"),
        (FEATURES, LABEL_IDS, 0, "num_labels must be >= 1"),
    ],
)
def test_index_rejects_inconsistent_data(
    features: np.ndarray, label_ids: list[int], num_labels: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        NeighbourIndex.build(features, label_ids, num_labels)


def test_save_load_round_trip(index: NeighbourIndex, tmp_path: Path) -> None:
    path = tmp_path / "neighbours.npz"
    index.save(path)
    loaded = NeighbourIndex.load(path, num_labels=3, hint="retrain")
    assert np.array_equal(loaded.features, index.features)
    assert np.array_equal(loaded.label_ids, index.label_ids)
    query = [[0.3, 0.9, 0.1]]
    assert np.array_equal(loaded.vote(query, k=3), index.vote(query, k=3))


def test_load_reports_corrupt_or_inconsistent_files(
    index: NeighbourIndex, tmp_path: Path
) -> None:
    path = tmp_path / "neighbours.npz"
    path.write_bytes(b"not an npz file")
    with pytest.raises(ModelCorruptError, match="neighbours.npz.*retrain it"):
        NeighbourIndex.load(path, num_labels=3, hint="retrain it")
    index.save(path)
    # The model has fewer intents than the saved label ids reach.
    with pytest.raises(ModelCorruptError, match="label_ids must lie in"):
        NeighbourIndex.load(path, num_labels=1, hint="retrain it")
    np.savez(path, features=index.features)
    with pytest.raises(ModelCorruptError, match="label_ids"):
        NeighbourIndex.load(path, num_labels=3, hint="retrain it")


def test_blend_mixes_by_weight() -> None:
    classifier = np.array([[0.8, 0.2], [0.5, 0.5]])
    votes = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert np.allclose(blend(classifier, votes, 0.5), [[0.4, 0.6], [0.75, 0.25]])
    assert np.array_equal(blend(classifier, votes, 0.0), classifier)
    assert np.array_equal(blend(classifier, votes, 1.0), votes)


@pytest.mark.parametrize(
    ("votes", "weight", "message"),
    [
        (np.ones((1, 2)) / 2, 0.5, "cannot blend shapes"),
        (np.ones((2, 2)) / 2, 1.5, r"\[0, 1\]"),
    ],
)
def test_blend_rejects_bad_input(
    votes: np.ndarray, weight: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        blend(np.ones((2, 2)) / 2, votes, weight)


def test_normalise_keeps_zero_rows_and_rejects_vectors() -> None:
    rows = normalise([[3.0, 4.0], [0.0, 0.0]])
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])
    with pytest.raises(ValueError, match="2-D"):
        normalise([1.0, 2.0])
