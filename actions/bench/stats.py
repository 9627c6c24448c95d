"""Pure: latency percentiles, the per-action summary and its verdicts and table."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

DEFAULT_TARGET_P95_MS = 25.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation (numpy's default).

    Args:
        values: the samples (any order).
        q: the percentile, 0 to 100.

    Returns:
        The percentile.

    Raises:
        ValueError: no samples, a non-finite sample, or ``q`` outside [0, 100].
    """
    if not values:
        raise ValueError("No samples to take a percentile of; run more rounds.")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"Percentile {q} is outside 0-100.")
    ordered = sorted(float(value) for value in values)
    if not all(math.isfinite(value) for value in ordered):
        raise ValueError("A latency sample is not a finite number.")
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(
    latencies_ms: Mapping[str, Sequence[float]],
) -> dict[str, dict[str, float]]:
    """p50 and p95 per action, rounded to microseconds.

    Args:
        latencies_ms: the latencies of each action, in milliseconds.

    Returns:
        ``{action: {"p50_ms": ..., "p95_ms": ...}}`` for every action with
        samples, sorted by action name.
    """
    return {
        action: {
            "p50_ms": round(percentile(samples, 50), 3),
            "p95_ms": round(percentile(samples, 95), 3),
        }
        for action, samples in sorted(latencies_ms.items())
        if samples
    }


def verdicts(
    summary: Mapping[str, Mapping[str, float]], target_p95_ms: float
) -> dict[str, bool]:
    """Whether each action's p95 meets the target (True: pass)."""
    return {
        action: figures["p95_ms"] <= target_p95_ms
        for action, figures in summary.items()
    }


def format_table(
    summary: Mapping[str, Mapping[str, float]],
    calls: Mapping[str, int],
    target_p95_ms: float,
) -> str:
    """A plain-text table: action, calls, p50, p95, PASS/FAIL against the target.

    Args:
        summary: the output of :func:`summarise`.
        calls: measured calls per action.
        target_p95_ms: the p95 target.

    Returns:
        The table, one line per action, with a header.
    """
    passed = verdicts(summary, target_p95_ms)
    width = max([len("action"), *(len(action) for action in summary)])
    lines = [
        f"{'action':<{width}}  {'calls':>6}  {'p50 ms':>8}  {'p95 ms':>8}  "
        f"p95 <= {target_p95_ms:g} ms"
    ]
    for action, figures in summary.items():
        lines.append(
            f"{action:<{width}}  {calls.get(action, 0):>6}  "
            f"{figures['p50_ms']:>8.2f}  {figures['p95_ms']:>8.2f}  "
            f"{'PASS' if passed[action] else 'FAIL'}"
        )
    return "\n".join(lines)
