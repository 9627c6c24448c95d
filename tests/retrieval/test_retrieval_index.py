from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from retrieval.config import RetrievalConfig
from retrieval.errors import (
    DimensionMismatchError,
    DuplicateIdError,
    RetrievalConfigError,
    UnknownIdError,
    UnsupportedOperationError,
)
from retrieval.index import (
    IndexSpec,
    add_vectors,
    auto_nlist,
    auto_nprobe,
    build_index,
    check_vectors,
    choose_spec,
    deserialize_index,
    gpu_count,
    index_ids,
    index_kind,
    remove_ids,
    search,
    serialize_index,
    to_gpu,
)

DIM = 24


def unit(rows: int, seed: int, dim: int = DIM) -> Any:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    x = centres[rng.integers(0, 20, rows)] + 0.5 * rng.standard_normal((rows, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact(data: Any, ids: Any, queries: Any, k: int) -> list[list[tuple[int, float]]]:
    scores = queries @ data.T
    out = []
    for row in scores:
        order = np.argsort(-row, kind="stable")[:k]
        out.append([(int(ids[j]), float(row[j])) for j in order])
    return out


SPECS = [
    IndexSpec(kind="flat"),
    IndexSpec(kind="ivf", nlist=16, nprobe=16),
    IndexSpec(kind="hnsw", hnsw_m=16, ef_construction=64, ef_search=64),
]


@pytest.fixture(scope="module")
def data() -> Any:
    return unit(2000, seed=1)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_search_matches_exact(spec: IndexSpec, data: Any) -> None:
    ids = np.arange(1000, 1000 + len(data))
    queries = unit(50, seed=2)
    index = build_index(data, ids, spec)
    got = search(index, queries, 10)
    want = exact(data, ids, queries, 10)
    recall = np.mean(
        [
            len({i for i, _ in g} & {i for i, _ in w}) / 10
            for g, w in zip(got, want, strict=True)
        ]
    )
    assert recall >= (0.999 if spec.kind != "hnsw" else 0.95)
    for hits in got:
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
    if spec.kind == "flat":
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose([s for _, s in g], [s for _, s in w], atol=1e-5)


def test_approximate_index_recall_sanity(data: Any) -> None:
    """A narrow IVF probe loses some neighbours but still finds most."""
    ids = np.arange(len(data))
    queries = unit(100, seed=3)
    index = build_index(data, ids, IndexSpec(kind="ivf", nlist=32, nprobe=4))
    got = search(index, queries, 10)
    want = exact(data, ids, queries, 10)
    recall = np.mean(
        [
            len({i for i, _ in g} & {i for i, _ in w}) / 10
            for g, w in zip(got, want, strict=True)
        ]
    )
    assert 0.6 <= recall <= 1.0


@pytest.mark.parametrize("spec", SPECS[:2], ids=lambda s: s.kind)
def test_add_and_remove_without_rebuild(spec: IndexSpec, data: Any) -> None:
    index = build_index(data[:500], np.arange(500), spec)
    add_vectors(index, data[500:510], np.arange(5000, 5010))
    assert search(index, data[505:506], 1)[0][0][0] == 5005
    assert remove_ids(index, [5005, 3]) == 2
    assert index.ntotal == 508
    assert 5005 not in {i for i, _ in search(index, data[505:506], 5)[0]}
    assert set(index_ids(index).tolist()) == (
        set(range(500)) | set(range(5000, 5010))
    ) - {3, 5005}


@pytest.mark.parametrize("spec", SPECS[:2], ids=lambda s: s.kind)
def test_duplicate_id_rejected(spec: IndexSpec, data: Any) -> None:
    index = build_index(data[:100], np.arange(100), spec)
    with pytest.raises(DuplicateIdError, match="id 7 is already in the index"):
        add_vectors(index, data[100:102], [200, 7])
    assert index.ntotal == 100
    with pytest.raises(DuplicateIdError, match="more than once"):
        build_index(data[:3], [1, 2, 1], IndexSpec(kind="flat"))


@pytest.mark.parametrize("spec", SPECS[:2], ids=lambda s: s.kind)
def test_unknown_id_removes_nothing(spec: IndexSpec, data: Any) -> None:
    index = build_index(data[:100], np.arange(100), spec)
    with pytest.raises(UnknownIdError, match="id 999 is not in the index") as info:
        remove_ids(index, [5, 999])
    assert isinstance(info.value, KeyError)
    assert index.ntotal == 100


def test_hnsw_remove_scrubs_the_vector(data: Any) -> None:
    import faiss

    index = build_index(data[:200], np.arange(200), SPECS[2])
    assert remove_ids(index, [7, 9]) == 2
    assert not {7, 9} & set(index_ids(index).tolist())
    assert 7 not in {i for i, _ in search(index, data[7:8], 20)[0]}
    storage = faiss.downcast_index(faiss.downcast_index(index.index).storage)
    assert not storage.reconstruct(7).any()  # the embedding itself is gone
    with pytest.raises(UnknownIdError, match="id 7"):
        remove_ids(index, [7])
    add_vectors(index, data[7:8], [7])  # the id can be reused
    assert search(index, data[7:8], 1)[0][0][0] == 7
    copy = deserialize_index(serialize_index(index))
    assert sorted(index_ids(copy).tolist()) == sorted(index_ids(index).tolist())


def test_dimension_mismatch_names_both(data: Any) -> None:
    index = build_index(data[:10], np.arange(10), IndexSpec(kind="flat"))
    with pytest.raises(DimensionMismatchError, match=r"dimension 16 .* dimension 24"):
        search(index, np.ones((1, 16), dtype=np.float32), 3)
    with pytest.raises(DimensionMismatchError, match=r"dimension 32 .* dimension 24"):
        add_vectors(index, np.ones((1, 32), dtype=np.float32), [50])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.ones(DIM, dtype=np.float32), "must be 2-D"),
        (np.array([["a"] * DIM]), "floating point"),
        (np.full((1, DIM), np.nan, dtype=np.float32), "NaN"),
    ],
)
def test_bad_vectors(bad: Any, message: str) -> None:
    with pytest.raises(DimensionMismatchError, match=message):
        check_vectors(bad)


def test_float64_is_accepted_as_float32(data: Any) -> None:
    assert check_vectors(data[:2].astype(np.float64)).dtype == np.float32


def test_k_larger_than_index_and_bad_k(data: Any) -> None:
    index = build_index(data[:3], [10, 11, 12], IndexSpec(kind="flat"))
    assert len(search(index, data[:1], 10)[0]) == 3
    with pytest.raises(RetrievalConfigError, match="k=0"):
        search(index, data[:1], 0)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_serialize_roundtrip(spec: IndexSpec, data: Any) -> None:
    index = build_index(data[:300], np.arange(300), spec)
    copy = deserialize_index(serialize_index(index))
    assert index_kind(copy) == spec.kind
    assert search(copy, data[:5], 5) == search(index, data[:5], 5)


def test_ivf_needs_enough_vectors(data: Any) -> None:
    with pytest.raises(RetrievalConfigError, match="nlist=64"):
        build_index(data[:10], np.arange(10), IndexSpec(kind="ivf", nlist=64, nprobe=8))


def test_choose_spec_by_size() -> None:
    config = RetrievalConfig(flat_max=1000)
    assert choose_spec(1000, config).kind == "flat"
    ivf = choose_spec(1_000_000, config)
    assert ivf.kind == "ivf" and ivf.nlist == auto_nlist(1_000_000) == 4096
    assert ivf.nprobe == auto_nprobe(4096) == 16
    assert choose_spec(10, RetrievalConfig(index_type="hnsw")).kind == "hnsw"
    pinned = choose_spec(10_000, RetrievalConfig(index_type="ivf", ivf_nlist=64))
    assert (pinned.nlist, pinned.nprobe) == (64, 16)
    with pytest.raises(RetrievalConfigError, match="nprobe"):
        IndexSpec(kind="ivf", nlist=8, nprobe=0)


def test_to_gpu_without_gpu_is_clear(data: Any) -> None:
    if gpu_count() > 0:
        pytest.skip("a GPU is present")
    index = build_index(data[:10], np.arange(10), IndexSpec(kind="flat"))
    with pytest.raises(UnsupportedOperationError, match="faiss sees no GPU"):
        to_gpu(index)


@pytest.mark.gpu
@pytest.mark.parametrize("spec", SPECS[:2], ids=lambda s: s.kind)
def test_gpu_matches_cpu(spec: IndexSpec, data: Any) -> None:
    if gpu_count() == 0:
        pytest.skip("faiss sees no GPU")
    index = build_index(data, np.arange(len(data)), spec)
    queries = unit(20, seed=4)
    cpu = search(index, queries, 5)
    gpu = search(to_gpu(index), queries, 5)
    for c, g in zip(cpu, gpu, strict=True):
        assert [i for i, _ in c] == [i for i, _ in g]
        np.testing.assert_allclose([s for _, s in c], [s for _, s in g], atol=1e-4)
