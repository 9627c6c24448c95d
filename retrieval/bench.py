"""Scale benchmark: build time, memory, single-query latency and recall@10.

``python -m retrieval.bench`` (``make bench-retrieval``) indexes 10k, 100k and 1M
synthetic 384-dim vectors with each index kind, times one-query-at-a-time searches,
measures recall@10 of the approximate indexes against exact search, and updates the
``scale`` section of ``reports/retrieval.json`` and ``reports/retrieval_benchmark.md``.

Uniform random vectors in 384 dimensions have no neighbourhood structure, so no
approximate method does well on them and real embeddings look nothing like them.
The vectors here are clustered and of low intrinsic dimension, like sentence
embeddings: a Gaussian mixture in a 48-dim latent space, projected to 384 dims, plus
isotropic noise, normalised to unit length. Queries are fresh draws from the same
mixture (not copies of indexed vectors).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import platform
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.config import RetrievalConfig
from retrieval.index import (
    build_index,
    choose_spec,
    gpu_count,
    serialize_index,
    to_gpu,
)

logger = logging.getLogger(__name__)

DIM = 384
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_KINDS = ("flat", "ivf", "hnsw")
K = 10


def clustered_vectors(
    n: int,
    *,
    dim: int = DIM,
    clusters: int = 1000,
    latent_dim: int = 48,
    spread: float = 1.0,
    noise: float = 0.05,
    seed: int = 0,
    mixture_seed: int = 7,
) -> Any:
    """Draw unit vectors from a fixed low-rank Gaussian mixture.

    Args:
        n: Number of vectors.
        dim: Output dimension.
        clusters: Mixture components.
        latent_dim: Dimension of the latent space the mixture lives in.
        spread: Standard deviation around a component centre (centres have unit
            variance per latent dimension).
        noise: Standard deviation of isotropic noise added in ``dim`` dimensions.
        seed: Seed of the draws.
        mixture_seed: Seed of the mixture itself (centres and projection), shared
            by the indexed vectors and the queries.

    Returns:
        ``(n, dim)`` float32 unit vectors.
    """
    mixture = np.random.default_rng(mixture_seed)
    centres = mixture.standard_normal((clusters, latent_dim)).astype(np.float32)
    projection = mixture.standard_normal((latent_dim, dim)).astype(np.float32)
    projection /= np.sqrt(latent_dim)
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    chunk = 100_000
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        labels = rng.integers(0, clusters, size)
        latent = centres[labels] + spread * rng.standard_normal(
            (size, latent_dim), dtype=np.float32
        )
        block = latent @ projection
        block += noise * rng.standard_normal((size, dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + size] = block
    return out


def recall_at_k(found: Any, truth: Any, k: int = K) -> float:
    """Mean fraction of the true ``k`` nearest ids found (pure)."""
    hits = 0
    for row_found, row_truth in zip(found, truth, strict=False):
        hits += len(set(row_found[:k].tolist()) & set(row_truth[:k].tolist()))
    return hits / (k * len(truth))


def single_query_latency(index: Any, queries: Any, k: int = K) -> tuple[Any, Any]:
    """Search queries one at a time.

    Returns:
        The ids found, and per query the wall-clock and the calling thread's CPU
        time in ms (CPU time leaves out waiting for a core on a busy machine).
    """
    for query in queries[: min(20, len(queries))]:
        index.search(query[None, :], k)
    ids = np.empty((len(queries), k), dtype=np.int64)
    times = np.empty((len(queries), 2), dtype=np.float64)
    for row, query in enumerate(queries):
        start, start_cpu = time.perf_counter(), time.thread_time()
        _, found = index.search(query[None, :], k)
        times[row, 0] = (time.perf_counter() - start) * 1000.0
        times[row, 1] = (time.thread_time() - start_cpu) * 1000.0
        ids[row] = found[0]
    return ids, times


def _timed_row(
    index: Any,
    queries: Any,
    truth: Any,
    build_s: float | None,
    memory_mb: float,
    params: dict[str, Any],
) -> dict[str, Any]:
    import faiss

    # One thread: a single query is not worth fanning out, and on a shared
    # 2-core machine OpenMP spinning would only add jitter.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        found, times = single_query_latency(index, queries)
    finally:
        faiss.omp_set_num_threads(threads)
    return {
        "build_s": None if build_s is None else round(build_s, 3),
        "p50_ms": round(float(np.percentile(times[:, 0], 50)), 4),
        "p99_ms": round(float(np.percentile(times[:, 0], 99)), 4),
        "p50_cpu_ms": round(float(np.percentile(times[:, 1], 50)), 4),
        "p99_cpu_ms": round(float(np.percentile(times[:, 1], 99)), 4),
        "recall_at_10": round(recall_at_k(found, truth[: len(queries)]), 4),
        "memory_mb": round(memory_mb, 1),
        "params": params,
        "timed_queries": len(queries),
    }


def bench_size(
    n: int,
    kinds: Sequence[str],
    *,
    queries: int,
    flat_queries: int,
    use_gpu: bool,
    nprobe_sweep: Sequence[int] = (),
    ef_search_sweep: Sequence[int] = (),
    hnsw_m: int = 32,
    hnsw_ef_construction: int = 40,
) -> dict[str, dict[str, Any]]:
    """Benchmark every index kind on ``n`` vectors.

    Args:
        n: Collection size.
        kinds: Index kinds (``flat``, ``ivf``, ``hnsw``).
        queries: Queries timed for approximate indexes (and used for recall).
        flat_queries: Queries timed for exact search (slow at 1M).
        use_gpu: Also time flat and IVF on the GPU (faiss-gpu).
        nprobe_sweep: Extra IVF ``nprobe`` values to time (rows ``ivf_nprobeN``).
        ef_search_sweep: Extra HNSW ``efSearch`` values (rows ``hnsw_efN``).
        hnsw_m: HNSW links per node.
        hnsw_ef_construction: HNSW build-time candidate list.

    Returns:
        Per row: ``build_s``, ``p50_ms``, ``p99_ms``, ``recall_at_10``,
        ``memory_mb``, the parameters used and the number of timed queries.
    """
    import faiss

    data = clustered_vectors(n, seed=1)
    query_vectors = clustered_vectors(queries, seed=2)
    ids = np.arange(n, dtype=np.int64)
    exact = faiss.IndexFlatIP(DIM)
    exact.add(data)
    _, truth = exact.search(query_vectors, K)  # batched, exact ground truth
    del exact
    results: dict[str, dict[str, Any]] = {}
    config = RetrievalConfig(hnsw_m=hnsw_m, hnsw_ef_construction=hnsw_ef_construction)
    for kind in kinds:
        config.index_type = kind
        spec = choose_spec(n, config)
        gc.collect()
        start = time.perf_counter()
        index = build_index(data, ids, spec)
        build_s = time.perf_counter() - start
        memory_mb = len(serialize_index(index)) / 1e6
        params = {
            key: value
            for key, value in spec.to_dict().items()
            if key == "kind"
            or (kind == "ivf" and key in ("nlist", "nprobe"))
            or (kind == "hnsw" and key in ("hnsw_m", "ef_construction", "ef_search"))
        }
        timed = query_vectors[: flat_queries if kind == "flat" else queries]
        results[kind] = _timed_row(index, timed, truth, build_s, memory_mb, params)
        logger.info("n=%d %s: %s", n, kind, results[kind])
        if kind == "ivf":
            for nprobe in nprobe_sweep:
                index.nprobe = min(nprobe, spec.nlist)
                row = _timed_row(
                    index, timed, truth, None, memory_mb, {**params, "nprobe": nprobe}
                )
                results[f"ivf_nprobe{nprobe}"] = row
                logger.info("n=%d ivf nprobe %d: %s", n, nprobe, row)
            index.nprobe = spec.nprobe
        if kind == "hnsw":
            base = faiss.downcast_index(index.index)
            for ef in ef_search_sweep:
                base.hnsw.efSearch = ef
                row = _timed_row(
                    index, timed, truth, None, memory_mb, {**params, "ef_search": ef}
                )
                results[f"hnsw_ef{ef}"] = row
                logger.info("n=%d hnsw ef %d: %s", n, ef, row)
        if use_gpu and kind != "hnsw":
            gpu_index = to_gpu(index)
            results[f"{kind}_gpu"] = _timed_row(
                gpu_index, query_vectors, truth, None, memory_mb, params
            )
            del gpu_index
        del index
    return results


def torch_cuda_exact(n: int, queries: int) -> dict[str, Any] | None:
    """Exact search as a matrix product on a CUDA GPU with torch (no faiss-gpu).

    Returns:
        Latency and build (upload) figures, or None when torch sees no GPU.
    """
    import torch

    if not torch.cuda.is_available():
        return None
    data = torch.from_numpy(clustered_vectors(n, seed=1))
    query_vectors = torch.from_numpy(clustered_vectors(queries, seed=2)).cuda()
    torch.cuda.synchronize()
    start = time.perf_counter()
    base = data.cuda()
    torch.cuda.synchronize()
    build_s = time.perf_counter() - start
    truth = torch.topk(query_vectors @ base.T, K, dim=1).indices.cpu().numpy()
    times = []
    found = []
    for row in range(queries):
        start = time.perf_counter()
        top = torch.topk(query_vectors[row : row + 1] @ base.T, K, dim=1).indices
        found.append(top.cpu().numpy()[0])
        times.append((time.perf_counter() - start) * 1000.0)
    del base
    torch.cuda.empty_cache()
    return {
        "build_s": round(build_s, 3),
        "p50_ms": round(float(np.percentile(times[20:], 50)), 4),
        "p99_ms": round(float(np.percentile(times[20:], 99)), 4),
        "recall_at_10": round(recall_at_k(np.array(found), truth), 4),
        "memory_mb": round(n * DIM * 4 / 1e6, 1),
        "params": {"device": torch.cuda.get_device_name(0)},
        "timed_queries": queries,
    }


def _load() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and update the reports.

    Returns:
        0 on success.
    """
    import faiss

    parser = argparse.ArgumentParser(
        prog="python -m retrieval.bench", description=__doc__
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--kinds", nargs="+", default=list(DEFAULT_KINDS))
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--flat-queries", type=int, default=200, help="timed queries for exact search"
    )
    parser.add_argument("--threads", type=int, default=2, help="faiss OpenMP threads")
    parser.add_argument("--gpu", choices=["auto", "off"], default="auto")
    parser.add_argument(
        "--torch-gpu",
        action="store_true",
        help="also time exact search with torch CUDA",
    )
    parser.add_argument("--nprobe-sweep", type=int, nargs="*", default=[])
    parser.add_argument("--ef-search-sweep", type=int, nargs="*", default=[])
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--hnsw-ef-construction", type=int, default=40)
    parser.add_argument("--no-report", action="store_true", help="only print JSON")
    parser.add_argument("--section", default="scale", help="report section to write")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep rows of the section that this run does not measure",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    faiss.omp_set_num_threads(args.threads)
    use_gpu = args.gpu == "auto" and gpu_count() > 0
    scale: dict[str, dict[str, Any]] = {}
    for n in args.sizes:
        scale[str(n)] = bench_size(
            n,
            args.kinds,
            queries=args.queries,
            flat_queries=args.flat_queries,
            use_gpu=use_gpu,
            nprobe_sweep=args.nprobe_sweep,
            ef_search_sweep=args.ef_search_sweep,
            hnsw_m=args.hnsw_m,
            hnsw_ef_construction=args.hnsw_ef_construction,
        )
        if args.torch_gpu:
            row = torch_cuda_exact(n, args.queries)
            if row is not None:
                scale[str(n)]["flat_torch_cuda"] = row
    notes = {
        "machine": f"{platform.machine()}, {args.threads} faiss threads, "
        f"faiss {faiss.__version__}, GPUs seen by faiss: {gpu_count()}",
        "data": "clustered synthetic unit vectors: 1000-component Gaussian mixture in "
        "48 latent dims (spread 1.0 around unit-variance centres), random projection "
        "to 384 dims, noise 0.05 (mean best-match cosine about 0.7, like real "
        "sentence embeddings); "
        f"{args.queries} fresh queries from the same mixture",
        "latency": "one query per search call on one thread, k=10, after 20 warm-up "
        f"queries; exact search timed on {args.flat_queries} queries. p50/p99 are "
        "wall-clock; p50_cpu/p99_cpu are the thread's CPU time, which leaves out "
        "time spent waiting for a core on a busy machine",
        "load": f"load average at the end: {_load()}",
        "recall": "recall@10 against exact inner-product search (batched IndexFlatIP)",
        "memory": "size of the serialised index (vectors + structure)",
    }
    sys.stdout.write(json.dumps({"scale": scale, "notes": notes}) + "\n")
    if not args.no_report:
        from retrieval.report import read_report, update_report

        if args.merge:
            report = read_report()
            old = report.get(args.section, {})
            for n, rows in scale.items():
                old.setdefault(n, {}).update(rows)
            scale = old
            notes = {
                **report.get(f"{args.section}_notes", {}),
                "merged": f"rows for {', '.join(sorted(args.kinds))} at sizes "
                f"{', '.join(str(n) for n in args.sizes)} come from a later run "
                f"than the others ({notes['load']} during that run)",
            }
        update_report(args.section, scale)
        update_report(f"{args.section}_notes", notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
