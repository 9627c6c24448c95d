"""Pure helpers for the NLU benchmark report: latency summaries, targets and the
Markdown table.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, Sequence

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


def _cell(metric: str, value: float) -> str:
    if metric in ("accuracy", "macro_f1", "ece"):
        return f"{value:.2%}"
    if metric == "trainable_params":
        return f"{int(value):,}"
    return f"{value:.1f}" if metric == "train_seconds" else f"{value:.2f}"


def render_markdown(results: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """Render the benchmark results as a Markdown report."""
    lines = [
        "# NLU benchmark: Rasa DIET vs LoRA-fine-tuned BERT",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores. Both pipelines "
        "trained and queried through Rasa (`train_nlu`, `Agent.parse_message`) in one "
        "run. Parse latency is one message at a time, end to end through the NLU "
        "pipeline. Produced by `make bench-nlu`.",
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
    return "\n".join(lines)
