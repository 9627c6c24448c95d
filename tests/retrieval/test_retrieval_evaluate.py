from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from retrieval.calibration import Calibration
from retrieval.content import HeldoutQuery
from retrieval.decision import Hit
from retrieval.errors import RetrievalConfigError
from retrieval.evaluate import quality_metrics, split_queries
from retrieval.qa_store import QARecord
from retrieval.report import render_markdown, update_report

CAL = Calibration((0.0, 1.0), (0.0, 1.0), 0.9, 0.5, 0.98, 4)


def test_quality_metrics(make_record: Callable[..., QARecord]) -> None:
    def hit(i: int, intent: str, score: float) -> Hit:
        return Hit(make_record(i, f"q{i}", intent), score)

    queries = [HeldoutQuery("x", "a", "test"), HeldoutQuery("y", "b", "test")]
    found = [
        [hit(1, "a", 0.9), hit(2, "a", 0.8)],  # right, unanimous -> answered
        [hit(3, "c", 0.9), hit(4, "b", 0.9)],  # wrong top-1, split vote -> abstain
    ]
    metrics = quality_metrics(queries, found, CAL)
    assert metrics["top1_raw"] == 0.5
    assert metrics["top5"] == 1.0
    assert metrics["mrr"] == pytest.approx((1 + 0.5) / 2)
    assert metrics["answered_share"] == 0.5 and metrics["answered_precision"] == 1.0
    with pytest.raises(RetrievalConfigError, match="one hit list per query"):
        quality_metrics(queries, found[:1], CAL)


def test_split_queries() -> None:
    queries = [HeldoutQuery("x", "a", "validation")]
    assert split_queries(queries, "validation") == queries
    with pytest.raises(RetrievalConfigError, match="No held-out queries"):
        split_queries(queries, "test")
    with pytest.raises(RetrievalConfigError, match="split='train'"):
        split_queries(queries, "train")


def test_update_report_merges_sections(tmp_path: Path) -> None:
    json_path, md_path = tmp_path / "r.json", tmp_path / "r.md"
    update_report(
        "quality", {"top1": 0.95, "queries": 10.0}, json_path=json_path, md_path=md_path
    )
    report = update_report(
        "scale",
        {
            "1000": {
                "flat": {
                    "build_s": 0.1,
                    "p50_ms": 1.0,
                    "p99_ms": 2.0,
                    "recall_at_10": 1.0,
                    "memory_mb": 1.5,
                }
            }
        },
        json_path=json_path,
        md_path=md_path,
    )
    assert set(report) == {"quality", "scale"}
    text = md_path.read_text()
    assert "| top1 | 0.9500 |" in text and "| 1,000 | flat |" in text
    assert render_markdown({}).startswith("# Retrieval benchmark")
