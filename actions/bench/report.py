"""The benchmark's outputs: the figures JSON and the run-setup JSON next to it.

``actions_benchmark.json`` holds exactly ``{"<action>": {"p50_ms", "p95_ms"}}``;
``actions_benchmark_meta.json`` says how the figures were made (load, machine,
database, churn model, baselines, throughput, command) so they can be read as
ratios to the baseline rather than as absolute numbers.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from actions.bench.stats import percentile, verdicts

TRIVIAL_ACTION = "action_ask_email"
"""The baseline action: no store access, one message."""


def meta_path(figures_path: Path) -> Path:
    """Where the run setup goes: ``<stem>_meta.json`` next to the figures."""
    return figures_path.with_name(f"{figures_path.stem}_meta.json")


def baselines(
    summary: Mapping[str, Mapping[str, float]], health_ms: Sequence[float]
) -> dict[str, Any]:
    """The two baselines measured under the same load.

    Args:
        summary: per-action p50/p95.
        health_ms: the ``/health`` latencies.

    Returns:
        ``{"health": {...} | None, "trivial_action": {...} | None}``.
    """
    health = None
    if health_ms:
        health = {
            "p50_ms": round(percentile(health_ms, 50), 3),
            "p95_ms": round(percentile(health_ms, 95), 3),
            "samples": len(health_ms),
        }
    trivial = None
    if TRIVIAL_ACTION in summary:
        trivial = {"action": TRIVIAL_ACTION, **summary[TRIVIAL_ACTION]}
    return {"health": health, "trivial_action": trivial}


def ratios_to_trivial(
    summary: Mapping[str, Mapping[str, float]],
) -> dict[str, float]:
    """Each action's p95 divided by the trivial action's p95 ({} without it)."""
    base = summary.get(TRIVIAL_ACTION, {}).get("p95_ms")
    if not base:
        return {}
    return {
        action: round(figures["p95_ms"] / base, 2)
        for action, figures in summary.items()
    }


def machine_info() -> dict[str, Any]:
    """CPU count, platform and Python of this machine."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def build_meta(
    *,
    summary: Mapping[str, Mapping[str, float]],
    calls: Mapping[str, int],
    health_ms: Sequence[float],
    target_p95_ms: float,
    setup: Mapping[str, Any],
) -> dict[str, Any]:
    """The run-setup record (pure).

    Args:
        summary: per-action p50/p95.
        calls: measured calls per action.
        health_ms: the ``/health`` latencies.
        target_p95_ms: the p95 target.
        setup: load, run, machine, database and model facts to record as is.

    Returns:
        The record: the facts in ``setup``, then verdicts, baselines and ratios.
    """
    passed = verdicts(summary, target_p95_ms)
    return {
        **setup,
        "target_p95_ms": target_p95_ms,
        "verdicts": {action: "PASS" if ok else "FAIL" for action, ok in passed.items()},
        "all_pass": all(passed.values()),
        "calls_per_action": dict(sorted(calls.items())),
        "baseline": baselines(summary, health_ms),
        "p95_over_trivial_action_p95": ratios_to_trivial(summary),
    }


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented JSON, through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    staging.replace(path)
