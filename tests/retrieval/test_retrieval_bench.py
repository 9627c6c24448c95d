from __future__ import annotations

import numpy as np

from retrieval.bench import bench_size, clustered_vectors, recall_at_k


def test_clustered_vectors_are_unit_and_deterministic() -> None:
    a = clustered_vectors(500, dim=64, seed=1)
    assert a.shape == (500, 64) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, clustered_vectors(500, dim=64, seed=1))
    b = clustered_vectors(500, dim=64, seed=2)
    assert not np.array_equal(a, b)
    # Same mixture: fresh queries sit close to some indexed vector.
    assert float((b @ a.T).max(axis=1).mean()) > 0.5


def test_recall_at_k() -> None:
    truth = np.array([[1, 2, 3], [4, 5, 6]])
    found = np.array([[3, 2, 9], [4, 5, 6]])
    assert recall_at_k(found, truth, k=3) == (2 + 3) / 6


def test_bench_size_small() -> None:
    rows = bench_size(
        3000,
        ["flat", "ivf"],
        queries=50,
        flat_queries=20,
        use_gpu=False,
        nprobe_sweep=[128],
    )
    assert set(rows) == {"flat", "ivf", "ivf_nprobe128"}
    assert rows["flat"]["recall_at_10"] == 1.0
    assert rows["ivf_nprobe128"]["recall_at_10"] >= rows["ivf"]["recall_at_10"]
    assert rows["ivf_nprobe128"]["recall_at_10"] > 0.9
    for row in rows.values():
        assert row["p99_ms"] >= row["p50_ms"] > 0
