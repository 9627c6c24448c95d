"""Pure helpers for the NLU benchmark report: latency summaries, targets and the
Markdown table.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

# (dataset, metric) -> (comparison, threshold); accuracies are fractions.
TARGETS: dict[tuple[str, str], tuple[str, float]] = {
    ("bitext", "accuracy"): (">=", 0.98),
    ("bitext_cross", "accuracy"): (">=", 0.90),
    ("banking77", "accuracy"): (">=", 0.92),
}
PARSE_P50_TARGET_MS = 10.0
COLUMNS = (
    "accuracy",
    "macro_f1",
    "ece",
    "train_seconds",
    "parse_ms_p50",
    "parse_ms_p95",
    "trainable_params",
)


def summarise_latency(latencies_ms: Sequence[float]) -> dict[str, float]:
    """Return p50/p95 of per-message latencies in milliseconds.

    Raises:
        ValueError: if ``latencies_ms`` is empty.
    """
    if len(latencies_ms) == 0:
        raise ValueError("no latencies measured: the test set is empty")
    values = np.asarray(latencies_ms, dtype=float)
    return {
        "parse_ms_p50": round(float(np.percentile(values, 50)), 2),
        "parse_ms_p95": round(float(np.percentile(values, 95)), 2),
    }


def verdicts(results: Mapping[str, Mapping[str, Mapping[str, float]]]) -> list[str]:
    """List each target with the measured LoRA figure and whether it is met."""
    lines = []
    for (dataset, metric), (_, threshold) in TARGETS.items():
        lora = results.get(dataset, {}).get("lora")
        if lora is None:
            continue
        value = lora[metric]
        met = value >= threshold
        verdict = "met" if met else "NOT met"
        line = f"- {dataset} {metric} >= {threshold:.0%}: {value:.2%} ({verdict})"
        diet = results.get(dataset, {}).get("diet")
        if diet is not None:
            above = "LoRA above" if value > diet[metric] else "LoRA NOT above"
            line += f"; DIET {diet[metric]:.2%} ({above})"
        lines.append(line)
    p50s = [r["lora"]["parse_ms_p50"] for r in results.values() if "lora" in r]
    if p50s:
        worst = max(p50s)
        met = worst <= PARSE_P50_TARGET_MS
        lines.append(
            f"- LoRA parse p50 <= {PARSE_P50_TARGET_MS:.0f} ms: worst split "
            f"{worst:.2f} ms ({'met' if met else 'NOT met'})"
        )
    return lines


def merge_results(
    base: Mapping[str, Mapping[str, Any]], other: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Merge two ``{dataset: {pipeline: entry}}`` mappings; ``other`` wins ties.

    Args:
        base: the results (or run records) kept so far.
        other: results of another run, same shape.

    Returns:
        A new mapping holding every (dataset, pipeline) entry of both.

    Raises:
        ValueError: either mapping is not shaped ``{dataset: {pipeline: {...}}}``.
    """
    merged: dict[str, dict[str, Any]] = {}
    for source in (base, other):
        for dataset, pipelines in source.items():
            if not isinstance(pipelines, Mapping) or not all(
                isinstance(entry, Mapping) for entry in pipelines.values()
            ):
                raise ValueError(
                    f"results for {dataset!r} must map pipeline names to objects, "
                    f"got {pipelines!r}"
                )
            merged.setdefault(dataset, {}).update(
                {pipeline: dict(entry) for pipeline, entry in pipelines.items()}
            )
    return merged


def run_lines(meta: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[str]:
    """One line per recorded run: when, machine load, commit, LoRA settings."""
    lines = []
    for dataset in sorted(meta):
        for pipeline in sorted(meta[dataset]):
            record = meta[dataset][pipeline]
            load = record.get("load_average_before", ["?"])[0]
            line = (
                f"- {dataset} / {pipeline}: {record.get('started_at', '?')} to "
                f"{record.get('finished_at', '?')}, 1-min load {load} at start, "
                f"commit {record.get('commit', '?')}"
            )
            classifier = [
                c for c in record.get("pipeline", []) if "Classifier" in c["name"]
            ]
            settings = {
                k: v
                for c in classifier
                for k, v in c.items()
                if k
                in (
                    "epochs",
                    "rank",
                    "head_init",
                    "quantize",
                    "learning_rate",
                    "knn_weight",
                )
            }
            if settings:
                line += ", " + ", ".join(f"{k} {v}" for k, v in settings.items())
            lines.append(line)
    return lines


def _cell(metric: str, value: float) -> str:
    if metric in ("accuracy", "macro_f1", "ece"):
        return f"{value:.2%}"
    if metric == "trainable_params":
        return f"{int(value):,}"
    return f"{value:.1f}" if metric == "train_seconds" else f"{value:.2f}"


def render_markdown(
    results: Mapping[str, Mapping[str, Mapping[str, float]]],
    meta: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> str:
    """Render the benchmark results (and the run records, if any) as Markdown."""
    lines = [
        "# NLU benchmark: Rasa DIET vs LoRA-fine-tuned BERT",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores. Both pipelines "
        "are trained and queried through Rasa (`train_nlu`, `Agent.parse_message`) "
        "on the same splits. Parse latency is one message at a time, end to end "
        "through the NLU pipeline. Produced by `make bench-nlu`; when and under "
        "what load each row ran is listed under Runs.",
        "",
        "| dataset | pipeline | " + " | ".join(COLUMNS) + " |",
        "|---|---|" + "---|" * len(COLUMNS),
    ]
    for dataset in sorted(results):
        for pipeline in sorted(results[dataset]):
            row = results[dataset][pipeline]
            cells = [_cell(c, row[c]) for c in COLUMNS]
            lines.append(f"| {dataset} | {pipeline} | " + " | ".join(cells) + " |")
    missing = [
        f"{pipeline} on {dataset}"
        for dataset in sorted(results)
        for pipeline in ("diet", "lora")
        if pipeline not in results[dataset]
    ]
    if missing:
        lines += ["", f"Not measured yet: {', '.join(missing)}."]
    lines += ["", "## Targets", "", *verdicts(results), ""]
    if meta:
        lines += ["## Runs", "", *run_lines(meta), ""]
    return "\n".join(lines)
