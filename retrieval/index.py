"""FAISS inner-product indexes as functions over arrays.

Vectors are float32 rows of unit length, so inner product is cosine similarity.
Three kinds, chosen by :func:`choose_spec`:

* ``flat``: exact search, ``IndexIDMap2(IndexFlatIP)``; small collections.
* ``ivf``: ``IndexIVFFlat`` (inverted lists over k-means cells), approximate,
  keeps its own ids and removes vectors outright; the default for large
  collections.
* ``hnsw``: ``IndexIDMap2(IndexHNSWFlat)``, approximate graph search; the
  most accurate per microsecond at 100k vectors, but slow to build and larger.
  FAISS cannot unlink a node from the graph, so :func:`remove_ids`
  overwrites the removed vector with zeros and unmaps its id (a tombstone): the
  embedding is gone and the id is never returned; a rebuild reclaims the slot.

:func:`search` returns, for each query, ``(id, score)`` pairs sorted by descending
score. faiss is imported inside functions; a GPU copy (faiss-gpu) is made by
:func:`to_gpu` when one is present.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from retrieval.config import RetrievalConfig
from retrieval.errors import (
    DimensionMismatchError,
    DuplicateIdError,
    RetrievalConfigError,
    UnknownIdError,
    UnsupportedOperationError,
)

logger = logging.getLogger(__name__)

Hits = list[tuple[int, float]]
# k-means needs a few dozen points per cell; more only slows training.
_TRAIN_POINTS_PER_LIST = 40
_MAX_TRAIN_POINTS = 262_144


@dataclass(frozen=True)
class IndexSpec:
    """The kind of index to build and its parameters.

    Attributes:
        kind: ``flat``, ``ivf`` or ``hnsw``.
        nlist: IVF cells.
        nprobe: IVF cells scanned per query.
        hnsw_m: HNSW links per node.
        ef_construction: HNSW build-time candidate list.
        ef_search: HNSW query-time candidate list.
    """

    kind: str
    nlist: int = 0
    nprobe: int = 0
    hnsw_m: int = 32
    ef_construction: int = 40
    ef_search: int = 128

    def __post_init__(self) -> None:
        """Reject kinds and parameters that cannot be built."""
        if self.kind not in ("flat", "ivf", "hnsw"):
            raise RetrievalConfigError(
                f"Index kind {self.kind!r} is unknown; use flat, ivf or hnsw."
            )
        if self.kind == "ivf" and not 0 < self.nprobe <= self.nlist:
            raise RetrievalConfigError(
                f"IVF needs 0 < nprobe <= nlist, got nprobe={self.nprobe}, "
                f"nlist={self.nlist}."
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a JSON-ready dict."""
        return asdict(self)


def auto_nlist(n: int) -> int:
    """IVF cell count for ``n`` vectors: about 4*sqrt(n), a power of 2, >= 1."""
    if n <= 0:
        return 1
    return int(2 ** max(0, round(math.log2(4 * math.sqrt(n)))))


def auto_nprobe(nlist: int) -> int:
    """Cells scanned per query: 16, or 1/256 of the cells when that is more.

    Measured on clustered 384-dim data (see :mod:`retrieval.bench`): recall@10
    0.96 at 100k vectors and 0.98 at 1M, scanning 0.4% of a 1M collection.
    """
    return max(1, min(nlist, max(16, nlist // 256)))


def choose_spec(n: int, config: RetrievalConfig) -> IndexSpec:
    """Choose the index kind and parameters for a collection of ``n`` vectors.

    Args:
        n: Number of vectors to index.
        config: ``index_type`` (``auto`` picks flat up to ``flat_max`` vectors, IVF
            above) and the IVF/HNSW parameters (0 means automatic).

    Returns:
        The spec to pass to :func:`build_index`.
    """
    kind = config.index_type
    if kind == "auto":
        kind = "flat" if n <= config.flat_max else "ivf"
    if kind == "ivf":
        nlist = config.ivf_nlist or auto_nlist(n)
        nprobe = min(nlist, config.ivf_nprobe or auto_nprobe(nlist))
        return IndexSpec(kind="ivf", nlist=nlist, nprobe=nprobe)
    if kind == "hnsw":
        return IndexSpec(
            kind="hnsw",
            hnsw_m=config.hnsw_m,
            ef_construction=config.hnsw_ef_construction,
            ef_search=config.hnsw_ef_search,
        )
    return IndexSpec(kind="flat")


def check_vectors(vectors: Any, dim: int | None = None, name: str = "vectors") -> Any:
    """Validate an embedding matrix and return it as C-contiguous float32.

    Args:
        vectors: A 2-D array-like of shape ``(n, dim)``.
        dim: Expected dimension, or None to accept any.
        name: What the array is, for error messages.

    Returns:
        The array as ``np.float32``, C-contiguous.

    Raises:
        DimensionMismatchError: On a wrong rank, dimension, dtype or non-finite
            values, naming the expected and actual values.
    """
    array = np.asarray(vectors)
    if array.ndim != 2:
        raise DimensionMismatchError(
            f"{name} must be 2-D (n, dim), got shape {array.shape}; for one vector "
            "use v.reshape(1, -1)."
        )
    if array.dtype.kind not in "fiu":
        raise DimensionMismatchError(
            f"{name} must be floating point, got dtype {array.dtype}."
        )
    if dim is not None and array.shape[1] != dim:
        raise DimensionMismatchError(
            f"{name} have dimension {array.shape[1]} but the index has dimension "
            f"{dim}; encode with the model the index was built with."
        )
    array = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(array).all():
        raise DimensionMismatchError(f"{name} hold NaN or infinite values.")
    return array


def check_ids(ids: Any, n: int) -> Any:
    """Validate vector ids: ``n`` distinct non-negative integers.

    Returns:
        The ids as a C-contiguous ``np.int64`` array.

    Raises:
        DimensionMismatchError: When the count or dtype is wrong.
        DuplicateIdError: When an id repeats.
    """
    array = np.asarray(ids)
    if array.ndim != 1 or array.shape[0] != n:
        raise DimensionMismatchError(
            f"ids must be 1-D with one id per vector ({n}), got shape {array.shape}."
        )
    if n and array.dtype.kind not in "iu":
        raise DimensionMismatchError(f"ids must be integers, got dtype {array.dtype}.")
    array = np.ascontiguousarray(array, dtype=np.int64)
    if n and array.min() < 0:
        raise DimensionMismatchError(f"ids must be >= 0, got {int(array.min())}.")
    unique, counts = np.unique(array, return_counts=True)
    if (counts > 1).any():
        raise DuplicateIdError(
            f"id {int(unique[counts > 1][0])} is given more than once in one batch."
        )
    return array


def build_index(vectors: Any, ids: Any, spec: IndexSpec, *, seed: int = 1234) -> Any:
    """Build a CPU FAISS index over ``vectors`` with the given ids.

    Args:
        vectors: ``(n, dim)`` unit-length float vectors.
        ids: ``n`` distinct non-negative integer ids.
        spec: Kind and parameters (see :func:`choose_spec`).
        seed: Seed of the IVF k-means sample and initialisation.

    Returns:
        The populated index.

    Raises:
        DimensionMismatchError: On malformed vectors or ids.
        DuplicateIdError: On repeated ids.
        RetrievalConfigError: When IVF has fewer vectors than cells.
    """
    import faiss

    vectors = check_vectors(vectors)
    ids = check_ids(ids, vectors.shape[0])
    dim = vectors.shape[1]
    if spec.kind == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    elif spec.kind == "hnsw":
        base = faiss.IndexHNSWFlat(dim, spec.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = spec.ef_construction
        base.hnsw.efSearch = spec.ef_search
        index = faiss.IndexIDMap2(base)
    else:
        if vectors.shape[0] < spec.nlist:
            raise RetrievalConfigError(
                f"IVF with nlist={spec.nlist} needs at least that many vectors to "
                f"train, got {vectors.shape[0]}; use index_type='flat' or lower nlist."
            )
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(
            quantizer, dim, spec.nlist, faiss.METRIC_INNER_PRODUCT
        )
        index.cp.seed = seed
        # k-means barely moves after ~10 rounds; the default 25 doubles training time.
        index.cp.niter = 10
        sample_size = min(
            vectors.shape[0], _MAX_TRAIN_POINTS, _TRAIN_POINTS_PER_LIST * spec.nlist
        )
        rng = np.random.default_rng(seed)
        sample = vectors[
            np.sort(rng.choice(vectors.shape[0], sample_size, replace=False))
        ]
        index.train(sample)
        index.nprobe = spec.nprobe
        # Keep the trained quantizer alive as long as the index.
        index.own_fields = True
        quantizer.this.disown()
    index.add_with_ids(vectors, ids)
    logger.info("Built %s index: %d vectors of dim %d", spec.kind, index.ntotal, dim)
    return index


def index_kind(index: Any) -> str:
    """Return ``flat``, ``ivf`` or ``hnsw`` for an index built here (CPU or GPU)."""
    import faiss

    base = getattr(index, "index", None)
    if base is not None:
        base = faiss.downcast_index(base)
        return "hnsw" if isinstance(base, faiss.IndexHNSW) else "flat"
    return "ivf"


def index_ids(index: Any) -> Any:
    """Return the ids held by a CPU index as an ``np.int64`` array."""
    import faiss

    if hasattr(index, "id_map"):
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        return ids[ids >= 0]  # -1 marks an HNSW tombstone
    ivf = faiss.extract_index_ivf(index)
    invlists = ivf.invlists
    parts = []
    for cell in range(ivf.nlist):
        size = invlists.list_size(cell)
        if size:
            parts.append(faiss.rev_swig_ptr(invlists.get_ids(cell), size).copy())
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(parts).astype(np.int64)


def add_vectors(index: Any, vectors: Any, ids: Any) -> None:
    """Add vectors under new ids, without rebuilding.

    Args:
        index: A CPU index from :func:`build_index`.
        vectors: ``(m, dim)`` vectors of the index's dimension.
        ids: ``m`` ids, none already in the index.

    Raises:
        DimensionMismatchError: On a dimension other than the index's.
        DuplicateIdError: When an id is already present.
    """
    vectors = check_vectors(vectors, dim=index.d)
    ids = check_ids(ids, vectors.shape[0])
    present = np.intersect1d(ids, index_ids(index))
    if present.size:
        raise DuplicateIdError(
            f"id {int(present[0])} is already in the index; remove it first or use a "
            "new id."
        )
    index.add_with_ids(vectors, ids)


def remove_ids(index: Any, ids: Iterable[int]) -> int:
    """Remove vectors by id (for example to honour an erasure request).

    Flat and IVF indexes delete the vectors. HNSW cannot unlink graph nodes, so
    the stored vectors are overwritten with zeros and their ids unmapped: nothing
    of the embedding remains and :func:`search` never returns the id.

    Args:
        index: A CPU index from :func:`build_index`.
        ids: Ids to remove; all must be present.

    Returns:
        How many vectors were removed.

    Raises:
        UnknownIdError: When an id is not in the index (nothing is removed).
        UnsupportedOperationError: For a GPU index (remove on the CPU index).
    """
    import faiss

    wanted = np.unique(np.asarray(list(ids), dtype=np.int64))
    if not hasattr(index, "id_map") and not hasattr(index, "invlists"):
        raise UnsupportedOperationError(
            f"Cannot remove from {type(index).__name__}; remove from the CPU index "
            "and copy it to the GPU again."
        )
    missing = np.setdiff1d(wanted, index_ids(index))
    if missing.size:
        raise UnknownIdError(
            f"id {int(missing[0])} is not in the index; nothing was removed."
        )
    if index_kind(index) != "hnsw":
        return int(index.remove_ids(wanted))
    id_map = faiss.vector_to_array(index.id_map).astype(np.int64)
    slots = np.flatnonzero(np.isin(id_map, wanted))
    storage = faiss.downcast_index(faiss.downcast_index(index.index).storage)
    vectors = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d)
    for slot in slots:
        vectors[slot * storage.d : (slot + 1) * storage.d] = 0.0
    id_map[slots] = -1
    faiss.copy_array_to_vector(id_map, index.id_map)
    index.construct_rev_map()
    return int(slots.size)


def search(index: Any, queries: Any, k: int) -> list[Hits]:
    """Find the ``k`` best vectors for each query.

    Args:
        index: A FAISS index (CPU or GPU) built by :func:`build_index`.
        queries: ``(q, dim)`` unit-length query vectors.
        k: Hits per query (fewer when the index holds fewer vectors).

    Returns:
        For each query, ``(id, score)`` pairs sorted by descending score.

    Raises:
        DimensionMismatchError: When the queries' dimension differs from the index's.
        RetrievalConfigError: When ``k`` is not positive.
    """
    if k <= 0:
        raise RetrievalConfigError(f"k={k} must be positive.")
    queries = check_vectors(queries, dim=index.d, name="query vectors")
    if index.ntotal == 0 or queries.shape[0] == 0:
        return [[] for _ in range(queries.shape[0])]
    scores, ids = index.search(queries, min(k, index.ntotal))
    results: list[Hits] = []
    for row_ids, row_scores in zip(ids, scores, strict=False):
        hits = [
            (int(i), float(s))
            for i, s in zip(row_ids, row_scores, strict=False)
            if i >= 0
        ]
        hits.sort(key=lambda hit: -hit[1])
        results.append(hits)
    return results


def gpu_count() -> int:
    """Number of GPUs faiss can use (0 with faiss-cpu)."""
    import faiss

    get = getattr(faiss, "get_num_gpus", None)
    return int(get()) if get is not None else 0


def to_gpu(index: Any, device: int = 0) -> Any:
    """Copy a CPU index to a GPU with faiss-gpu.

    Args:
        index: A flat or IVF CPU index.
        device: GPU number.

    Returns:
        The GPU index; search it with :func:`search`. Add and remove go through
        the CPU index, then copy again.

    Raises:
        UnsupportedOperationError: Without faiss-gpu or a GPU, or for HNSW.
    """
    import faiss

    if gpu_count() == 0:
        raise UnsupportedOperationError(
            "faiss sees no GPU (faiss-cpu installed, or no CUDA device); install "
            "faiss-gpu (pip install '.[gpu]') or set gpu='off'."
        )
    if index_kind(index) == "hnsw":
        raise UnsupportedOperationError(
            "faiss-gpu has no HNSW index; search HNSW on the CPU (gpu='off')."
        )
    resources = faiss.StandardGpuResources()
    gpu_index = faiss.index_cpu_to_gpu(resources, device, index)
    # The GPU index must keep its resources alive.
    gpu_index.referenced_resources = resources
    return gpu_index


def serialize_index(index: Any) -> bytes:
    """Serialise a CPU index to bytes (``faiss.serialize_index``)."""
    import faiss

    return bytes(faiss.serialize_index(index).tobytes())


def deserialize_index(data: bytes) -> Any:
    """Rebuild a CPU index from :func:`serialize_index` bytes."""
    import faiss

    return faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8).copy())
