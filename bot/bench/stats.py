"""Pure: latency percentiles, throughput and the figures of one level."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from actions.bench.stats import percentile
from bot.bench.accounting import Reconciliation, SentRecord


def distribution(samples_ms: Sequence[float]) -> dict[str, float | int] | None:
    """p50/p95/p99, mean and max of latencies, rounded to microseconds.

    Args:
        samples_ms: latencies in milliseconds.

    Returns:
        ``{"p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms", "samples"}``, or
        None without samples.
    """
    if not samples_ms:
        return None
    return {
        "p50_ms": round(percentile(samples_ms, 50), 3),
        "p95_ms": round(percentile(samples_ms, 95), 3),
        "p99_ms": round(percentile(samples_ms, 99), 3),
        "mean_ms": round(sum(samples_ms) / len(samples_ms), 3),
        "max_ms": round(max(samples_ms), 3),
        "samples": len(samples_ms),
    }


def throughput(reply_times: Iterable[float], start: float, end: float) -> float:
    """Messages answered per second inside ``[start, end)``.

    Args:
        reply_times: when each message's first reply arrived.
        start: the window's start (same clock).
        end: its end.

    Returns:
        First replies in the window divided by its length.

    Raises:
        ValueError: the window is empty or reversed.
    """
    if not end > start:
        raise ValueError(
            f"The window [{start}, {end}) is empty; end must follow start."
        )
    inside = sum(1 for moment in reply_times if start <= moment < end)
    return inside / (end - start)


@dataclass(frozen=True)
class LevelFigures:
    """The report's figures of one level (``reports/chat_benchmark.json``)."""

    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    msgs_per_s: float
    lost: int
    duplicated: int

    def as_dict(self) -> dict[str, float | int | None]:
        """Exactly the report's keys."""
        return {
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "p99_ms": self.p99_ms,
            "msgs_per_s": self.msgs_per_s,
            "lost": self.lost,
            "duplicated": self.duplicated,
        }


def round_trips_ms(records: Iterable[SentRecord]) -> list[float]:
    """Send-to-first-reply times of the measured, answered messages."""
    return [
        value
        for record in records
        if record.measured and (value := record.round_trip_ms) is not None
    ]


def level_figures(
    records: Sequence[SentRecord],
    reconciliation: Reconciliation,
    window: tuple[float, float],
) -> LevelFigures:
    """The figures of a level.

    Args:
        records: every message of the level (warm-up and unsent included).
        reconciliation: its lost and duplicated messages.
        window: the measured window (monotonic start, end).

    Returns:
        Percentiles over the measured messages' round trips (None when none
        was answered), replies per second in the window, lost and duplicated
        counts over every sent message.
    """
    latencies = distribution(round_trips_ms(records))
    rate = throughput(
        (r.first_reply_at for r in records if r.first_reply_at is not None), *window
    )
    return LevelFigures(
        p50_ms=None if latencies is None else float(latencies["p50_ms"]),
        p95_ms=None if latencies is None else float(latencies["p95_ms"]),
        p99_ms=None if latencies is None else float(latencies["p99_ms"]),
        msgs_per_s=round(rate, 2),
        lost=reconciliation.lost,
        duplicated=reconciliation.duplicated,
    )
