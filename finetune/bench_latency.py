"""Single-message latency and accuracy of the intent model: fp32 vs int8.

Loads one trained model twice, as shipped (fp32, LoRA merged) and with
``quantize: "int8"`` (:mod:`finetune.quantize`), then classifies the held-out
messages one at a time, interleaving the two variants message by message and
alternating which goes first, so machine load hits both alike. Latency is one
``IntentModel.predict_proba([text])`` call: number masking, tokenization, the
forward pass and softmax, i.e. what the Rasa component does per message, without
Rasa's graph around it. Writes ``reports/nlu_latency.json`` and prints a table.

The model is the LoRA classifier inside a trained Rasa model archive (default
``models/shopbot.tar.gz``; its resource folder is extracted to a temporary
folder) or a model folder written by ``python -m finetune train``.

Usage: ``python -m finetune.bench_latency [--model models/shopbot.tar.gz]
[--data data/test/nlu_bitext_test.yml] [--limit 500] [--threads 0]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import numpy as np

from finetune.errors import DataError, FinetuneError, ModelFileMissingError

logger = logging.getLogger(__name__)

LORA_COMPONENT = "bot.components.lora_intent_classifier.LoraIntentClassifier"
BASELINE = "fp32"
DEFAULT_MODEL = Path("models/shopbot.tar.gz")
DEFAULT_DATA = Path("data/test/nlu_bitext_test.yml")
DEFAULT_OUT = Path("reports/nlu_latency.json")
DEFAULT_LIMIT = 500
DEFAULT_WARMUP = 20
EXIT_BAD_INPUT = 2

T = TypeVar("T")
# text -> (intent, confidence)
Predictor = Callable[[str], tuple[str, float]]


@dataclass
class Run:
    """Per-message results of one variant, in message order."""

    latencies_ms: list[float] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)


def evenly_spaced(items: Sequence[T], limit: int) -> list[T]:
    """Pick ``limit`` items spread evenly over ``items`` (all when 0 or more).

    The held-out file is grouped by intent, so its first N messages would cover
    only a few intents; an even spread covers all of them deterministically.

    Args:
        items: the full sequence.
        limit: how many to keep; 0 keeps all.

    Returns:
        The chosen items, in their original order.

    Raises:
        ValueError: ``limit`` is negative.
    """
    if limit < 0:
        raise ValueError(f"limit must be >= 0 (0 = all), got {limit}.")
    if limit == 0 or limit >= len(items):
        return list(items)
    return [items[(i * len(items)) // limit] for i in range(limit)]


def measure_interleaved(
    predictors: Mapping[str, Predictor],
    texts: Sequence[str],
    *,
    warmup: int = DEFAULT_WARMUP,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Run]:
    """Classify each text with every predictor, interleaved, timing each call.

    For message ``i`` the predictors run in their order rotated by ``i``, so no
    variant always runs first (cache) or last.

    Args:
        predictors: variant name -> function returning (intent, confidence).
        texts: messages, classified one at a time.
        warmup: untimed calls per predictor first (on the first texts).
        clock: seconds counter (injectable for tests).

    Returns:
        Variant name -> its :class:`Run`.
    """
    names = list(predictors)
    for text in list(texts[:warmup]):
        for name in names:
            predictors[name](text)
    runs = {name: Run() for name in names}
    for i, text in enumerate(texts):
        shift = i % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            started = clock()
            intent, confidence = predictors[name](text)
            runs[name].latencies_ms.append((clock() - started) * 1000.0)
            runs[name].intents.append(intent)
            runs[name].confidences.append(confidence)
    return runs


def summarise(
    runs: Mapping[str, Run], gold: Sequence[str], baseline: str = BASELINE
) -> dict[str, Any]:
    """Latency percentiles, accuracy and agreement with the baseline variant.

    Args:
        runs: variant name -> results, each aligned with ``gold``.
        gold: the true intents.
        baseline: the variant others are compared with.

    Returns:
        ``{"variants": {name: {...}}, "messages": n}``; each variant has
        ``p50_ms``, ``p95_ms``, ``mean_ms``, ``accuracy`` and, except the
        baseline, ``p50_ratio``/``p95_ratio`` (variant / baseline),
        ``changed_predictions`` (share of intents that differ from the
        baseline's) and ``mean_abs_confidence_change``.

    Raises:
        ValueError: no messages, a run misaligned with ``gold``, or no
            ``baseline`` run.
    """
    if not gold:
        raise ValueError("no messages were measured: the test data is empty.")
    if baseline not in runs:
        raise ValueError(f"baseline variant {baseline!r} missing from {list(runs)}.")
    for name, run in runs.items():
        if not len(run.latencies_ms) == len(run.intents) == len(gold):
            raise ValueError(
                f"variant {name!r} has {len(run.intents)} results for "
                f"{len(gold)} messages."
            )
    base = runs[baseline]
    variants: dict[str, dict[str, float]] = {}
    for name, run in runs.items():
        latencies = np.asarray(run.latencies_ms, dtype=float)
        stats = {
            "p50_ms": round(float(np.percentile(latencies, 50)), 2),
            "p95_ms": round(float(np.percentile(latencies, 95)), 2),
            "mean_ms": round(float(latencies.mean()), 2),
            "accuracy": round(_share(run.intents, gold, same=True), 4),
        }
        if name != baseline:
            stats["p50_ratio"] = round(
                stats["p50_ms"] / variants[baseline]["p50_ms"], 3
            )
            stats["p95_ratio"] = round(
                stats["p95_ms"] / variants[baseline]["p95_ms"], 3
            )
            stats["changed_predictions"] = round(
                _share(run.intents, base.intents, same=False), 4
            )
            change = np.abs(np.subtract(run.confidences, base.confidences))
            stats["mean_abs_confidence_change"] = round(float(change.mean()), 4)
        variants[name] = stats
    return {"messages": len(gold), "variants": variants}


def _share(left: Sequence[str], right: Sequence[str], *, same: bool) -> float:
    hits = sum((a == b) == same for a, b in zip(left, right, strict=True))
    return hits / len(left)


def render_table(summary: Mapping[str, Any]) -> str:
    """A plain-text table of :func:`summarise`'s result.

    Args:
        summary: the ``summarise`` output (extra keys are ignored).

    Returns:
        One header line, one line per variant, newline-terminated.
    """
    header = (
        f"{'variant':<8}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'accuracy':>10}"
        f"{'p50 ratio':>11}{'changed':>9}"
    )
    lines = [header]
    for name, stats in summary["variants"].items():
        ratio = stats.get("p50_ratio")
        changed = stats.get("changed_predictions")
        lines.append(
            f"{name:<8}{stats['p50_ms']:>9.2f}{stats['p95_ms']:>9.2f}"
            f"{stats['mean_ms']:>9.2f}{stats['accuracy']:>10.2%}"
            f"{'-' if ratio is None else f'{ratio:.3f}':>11}"
            f"{'-' if changed is None else f'{changed:.2%}':>9}"
        )
    return "\n".join(lines) + "\n"


def classifier_resource(metadata: Mapping[str, Any]) -> str:
    """Name of the LoRA classifier's resource in a Rasa model's metadata.

    Args:
        metadata: the parsed ``metadata.json`` of a Rasa model archive.

    Returns:
        The resource name (also the model folder's name inside it).

    Raises:
        ModelFileMissingError: the model has no trained LoRA classifier.
    """
    nodes = metadata.get("predict_schema", {}).get("nodes", {})
    for node in nodes.values():
        if node.get("uses") == LORA_COMPONENT and node.get("resource"):
            return str(node["resource"]["name"])
    raise ModelFileMissingError(
        f"the Rasa model has no trained {LORA_COMPONENT}; train it with "
        "`rasa train` using a config.yml that lists it."
    )


def archive_metadata(archive: Path) -> dict[str, Any]:
    """Read ``metadata.json`` of a Rasa model archive.

    Args:
        archive: a ``rasa train`` output (``.tar.gz``).

    Returns:
        The parsed metadata.

    Raises:
        ModelFileMissingError: the archive holds no metadata.json.
    """
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if member.name.lstrip("/") == "metadata.json" and member.isfile():
                handle = tar.extractfile(member)
                if handle is not None:
                    data: dict[str, Any] = json.loads(handle.read())
                    return data
    raise ModelFileMissingError(
        f"'{archive}' has no metadata.json: not a Rasa model archive."
    )


def extract_classifier(archive: Path, target: Path) -> Path:
    """Extract the LoRA classifier's model folder from a Rasa model archive.

    The component persists :meth:`IntentModel.save` output into
    ``<resource>/<resource>/`` of its model-storage resource, which the archive
    holds under ``components/``.

    Args:
        archive: a ``rasa train`` output (``.tar.gz``).
        target: an empty folder to extract into.

    Returns:
        The model folder (``target``), loadable with :meth:`IntentModel.load`.

    Raises:
        ModelFileMissingError: the archive lacks metadata or the classifier.
    """
    resource = classifier_resource(archive_metadata(archive))
    folder = PurePosixPath("components", resource, resource)
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            path = PurePosixPath(member.name.lstrip("/"))
            if path.parent != folder or not member.isfile():
                continue  # flat folder: no nested paths, no links
            source = tar.extractfile(member)
            if source is not None:
                (target / path.name).write_bytes(source.read())
    if not any(target.iterdir()):
        raise ModelFileMissingError(
            f"'{archive}' lists resource '{resource}' but holds no files under "
            f"'{folder}'; retrain with `rasa train`."
        )
    return target


def _predictor(model: Any) -> Predictor:
    """Wrap an IntentModel as a one-message predictor."""

    def predict(text: str) -> tuple[str, float]:
        row = model.predict_proba([text])[0]
        best = int(row.argmax())
        return model.labels[best], float(row[best])

    return predict


def _machine(threads: int) -> dict[str, Any]:
    import torch

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return {
        "platform": platform.platform(),
        "cpus": cpus,
        "torch": torch.__version__,
        "torch_threads": threads,
        "quantized_engine": torch.backends.quantized.engine,
    }


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m finetune.bench_latency",
        description="Single-message latency and accuracy, fp32 vs int8.",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL,
        help="Rasa model archive (.tar.gz) or finetune model folder "
        f"(default {DEFAULT_MODEL}).",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"labelled Rasa NLU YAML test file (default {DEFAULT_DATA}).",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help="messages, spread evenly over the file; 0 = all "
        f"(default {DEFAULT_LIMIT}).",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=DEFAULT_WARMUP,
        help=f"untimed messages per variant first (default {DEFAULT_WARMUP}).",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch.set_num_threads; 0 keeps torch's default (one per core). The "
        "served Rasa component uses SHOPBOT_INFERENCE_THREADS, default 1, so "
        "--threads 1 times what it does (default 0).",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"JSON report (default {DEFAULT_OUT}).",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: arguments (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0 on success, 2 on bad input.
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # No model hub; and keep transformers from importing TensorFlow (slow).
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("USE_TF", "0"),
    ):
        os.environ.setdefault(name, value)
    try:
        report = run(args)
    except (FinetuneError, OSError, tarfile.TarError, ValueError) as err:
        message = " ".join(str(err).split())
        sys.stderr.write(f"error: {message}\n")
        return EXIT_BAD_INPUT
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(render_table(report))
    sys.stdout.write(
        f"{report['messages']} messages, {report['machine']['torch_threads']} torch "
        f"thread(s), load average before {report['load_average_before']}, after "
        f"{report['load_average_after']}; written to {args.out}\n"
    )
    return 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Load both variants, time them interleaved and build the report.

    Args:
        args: parsed command-line options.

    Returns:
        The JSON report: :func:`summarise` output plus model, data and machine.

    Raises:
        FinetuneError: the model or the data cannot be loaded.
        ValueError: a bad option value.
    """
    import torch

    from finetune.data import load_rasa_yaml
    from finetune.model import IntentModel
    from finetune.quantize import INT8, quantize_intent_model

    if args.threads < 0:
        raise ValueError(f"--threads must be >= 0, got {args.threads}.")
    if args.threads:
        torch.set_num_threads(args.threads)
    examples = evenly_spaced(load_rasa_yaml(args.data), args.limit)
    if not examples:
        raise DataError(f"'{args.data}' holds no labelled intent examples.")
    load_before = os.getloadavg()
    source: dict[str, Any] = {"model": str(args.model)}
    with tempfile.TemporaryDirectory(prefix="shopbot-latency-") as tmp:
        folder = args.model
        if args.model.is_file():
            metadata = archive_metadata(args.model)
            source["model_id"] = metadata.get("model_id")
            source["trained_at"] = metadata.get("trained_at")
            folder = extract_classifier(args.model, Path(tmp))
        fp32 = IntentModel.load(folder, device="cpu")
    predictors = {
        BASELINE: _predictor(fp32),
        INT8: _predictor(quantize_intent_model(fp32, INT8)),
    }
    logger.info(
        "Timing %d messages x %d variants, interleaved (%d torch threads).",
        len(examples),
        len(predictors),
        torch.get_num_threads(),
    )
    runs = measure_interleaved(
        predictors, [e.text for e in examples], warmup=args.warmup
    )
    return {
        **source,
        "data": str(args.data),
        "selection": "evenly spaced" if args.limit else "all",
        "machine": _machine(torch.get_num_threads()),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        **summarise(runs, [e.label for e in examples]),
    }


if __name__ == "__main__":
    sys.exit(main())
