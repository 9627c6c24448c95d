"""The chat benchmark's statistics, figures document, verdicts and Markdown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.bench.accounting import (
    Reconciliation,
    SentRecord,
    TrackerEntry,
    TrackerFacts,
)
from bot.bench.plan import LevelPlan
from bot.bench.report import (
    Targets,
    figures_document,
    log_facts,
    render_markdown,
    summarise_level,
    verdicts,
)
from bot.bench.results import LevelRun, ShopperRun
from bot.bench.stats import LevelFigures, distribution, level_figures, throughput

KEYS = ["p50_ms", "p95_ms", "p99_ms", "msgs_per_s", "lost", "duplicated"]


def test_distribution_interpolates_like_numpy() -> None:
    samples = [float(v) for v in range(1, 101)]
    figures = distribution(samples)
    assert figures is not None
    assert figures["p50_ms"] == 50.5
    assert figures["p95_ms"] == pytest.approx(95.05)
    assert figures["p99_ms"] == pytest.approx(99.01)
    assert figures["max_ms"] == 100.0 and figures["samples"] == 100
    assert distribution([]) is None


def test_throughput_counts_replies_inside_the_window() -> None:
    assert throughput([0.5, 1.0, 1.5, 2.9, 3.0, 7.0], 1.0, 3.0) == 1.5
    with pytest.raises(ValueError, match="is empty"):
        throughput([], 3.0, 3.0)


def record(
    client_id: str,
    sent: float | None,
    reply: float | None,
    *,
    measured: bool = True,
    due: float | None = None,
) -> SentRecord:
    return SentRecord(
        client_id, "greet", due=sent if due is None else due, sent_at=sent,
        measured=measured, ack_at=None if sent is None else sent + 0.002,
        acks=0 if sent is None else 1, first_reply_at=reply,
        replies=0 if reply is None else 1,
    )  # fmt: skip


def test_level_figures_measure_only_after_the_warmup() -> None:
    records = [
        record("w", 100.0, 101.0, measured=False),  # warm-up: 1000 ms, not measured
        record("a", 101.0, 101.1),
        record("b", 102.0, 102.3),
        record("c", 103.0, None),
    ]
    figures = level_figures(records, Reconciliation(), (101.0, 103.0))
    assert figures.p50_ms == pytest.approx(200.0)
    # Every reply inside [101, 103) counts, the warm-up message's too.
    assert figures.msgs_per_s == 1.5
    assert list(figures.as_dict()) == KEYS


def _run(
    concurrency: int, records: list[SentRecord], trackers: dict[str, TrackerFacts]
) -> LevelRun:
    shopper = ShopperRun(0, False, "S1", records, ping_ms=[2.0, 4.0, 50.0])
    return LevelRun(
        plan=LevelPlan(concurrency, 2.0, 1.0, warmup=1.0, label=f"c{concurrency}"),
        shoppers=[shopper],
        window=(101.0, 103.0),
        trackers=trackers,
        load_before=(0.5, 0.4, 0.3),
        load_after=(1.5, 0.6, 0.4),
        server_cpu_s={"rasa": 0.4, "actions": 0.1},
    )


def test_a_level_is_summarised_with_baselines_and_reasons() -> None:
    records = [
        record("a", 101.0, 101.1),
        record("b", 102.0, 102.3, due=101.9),
        record("c", None, None, due=102.5),  # never sent
    ]
    trackers = {"S1": TrackerFacts({"a": TrackerEntry(1, 1, "greet")})}
    figures, meta = summarise_level(_run(10, records, trackers), {"p50_ms": 100.0})
    assert figures.lost == 1 and figures.duplicated == 0  # b is not in the tracker
    assert meta["lost_reasons"] == {"not_in_tracker": 1}
    assert meta["messages_sent"] == 2 and meta["messages_unsent"] == 1
    assert meta["offered_msgs_per_s"] == 10.0
    assert meta["round_trip_from_due"]["max_ms"] == pytest.approx(400.0)
    assert meta["ping"]["samples"] == 3
    assert meta["p95_over_ping_p95"] == pytest.approx(
        round(figures.p95_ms / meta["ping"]["p95_ms"], 2)
    )
    assert meta["p50_over_idle_p50"] == pytest.approx(2.0)
    assert meta["sends_deferred"] == 1  # b went out 100 ms after it was due
    assert meta["server_cpu_ms_per_message"] == 250.0
    json.dumps(meta)  # the meta file is plain JSON


def _figures(**levels: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base = {"p50_ms": 100.0, "p95_ms": 250.0, "p99_ms": 280.0, "msgs_per_s": 45.0,
            "lost": 0, "duplicated": 0}  # fmt: skip
    return {key: {**base, **level} for key, level in levels.items()}


def test_the_figures_document_has_string_keys_in_concurrency_order() -> None:
    level = LevelFigures(1.0, 2.0, 3.0, 4.0, 0, 0)
    document = figures_document({200: level, 10: level, 50: level})
    assert list(document) == ["10", "50", "200"]
    assert all(list(figures) == KEYS for figures in document.values())


def test_verdicts_are_met_only_when_the_figures_meet_them() -> None:
    met = verdicts(_figures(**{"10": {}, "50": {}}), Targets())
    assert [row["met"] for row in met] == [True, True, True, True]
    missed = verdicts(
        _figures(**{"10": {"lost": 2}, "50": {"p95_ms": 301.0, "msgs_per_s": 39.9}}),
        Targets(),
    )
    assert [row["met"] for row in missed] == [False, True, False, False]
    assert missed[0]["measured"] == "2 lost"
    unanswered = verdicts(_figures(**{"50": {"p95_ms": None}}), Targets())
    assert (
        unanswered[2]["met"] is False and unanswered[2]["measured"] == "none answered"
    )
    not_run = verdicts(_figures(**{"10": {}}), Targets())
    assert [row["met"] for row in not_run][2:] == [None, None]


def test_the_markdown_shows_levels_targets_and_a_busy_machine() -> None:
    figures = _figures(**{"10": {}, "50": {"p95_ms": 900.0, "msgs_per_s": 6.5}})
    meta = {
        "command": "python -m bot.bench",
        "machine": {"cpu_count": 2, "load_average_before": [4.0, 3.0, 2.0]},
        "levels": {"50": {"offered_msgs_per_s": 50.0, "messages_sent": 400,
                          "ping": {"p95_ms": 30.0}, "lost_reasons": {}}},
        "baseline": {"idle": {"round_trip": {"p50_ms": 120.0, "p95_ms": 200.0}}},
    }  # fmt: skip
    text = render_markdown(figures, meta, Targets())
    assert "| 50 | 50.0 | 6.5 | 100 | 900 | 280 |" in text
    assert "| p95 <= 300 ms at 50 concurrent | 900 ms | NOT met |" in text
    assert "| >= 40 msgs/s at 50 concurrent | 6.5 msgs/s | NOT met |" in text
    assert "| no message lost (every level) | 0 lost | met |" in text
    assert "machine was busy" in text
    quiet = {**meta, "machine": {"cpu_count": 2, "load_average_before": [0.5, 0, 0]}}
    assert "machine was busy" not in render_markdown(figures, quiet, Targets())


def test_log_facts_count_errors_and_keep_the_first_distinct_ones() -> None:
    text = "\n".join(
        [
            "2026-11-22 19:35:01 INFO     rasa.core.processor  - fine",
            "2026-11-22 19:35:02 ERROR    rasa.core.processor  - Encountered an "
            "exception while running action 'action_greet'.",
            "Traceback (most recent call last):",
            '  File "x.py", line 1, in <module>',
            "2026-11-22 19:35:03 ERROR    rasa.core.processor  - Encountered an "
            "exception while running action 'action_greet'.",
            "2026-11-22 19:35:04 ERROR    rasa_sdk.executor  - database is locked",
        ]
    )
    facts = log_facts(text)
    assert facts["error_lines"] == 3 and facts["tracebacks"] == 1
    assert facts["errors"] == [
        "rasa.core.processor - Encountered an exception while running action "
        "'action_greet'.",
        "rasa_sdk.executor - database is locked",
    ]
    assert log_facts("") == {"error_lines": 0, "tracebacks": 0, "errors": []}
