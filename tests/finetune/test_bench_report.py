"""Tests for the pure parts of the NLU benchmark report."""

from __future__ import annotations

import pytest

from finetune.bench_report import render_markdown, summarise_latency, verdicts


def _row(acc: float, p50: float = 5.0) -> dict[str, float]:
    return {
        "accuracy": acc,
        "macro_f1": acc,
        "ece": 0.02,
        "train_seconds": 10.0,
        "parse_ms_p50": p50,
        "parse_ms_p95": p50 * 2,
        "trainable_params": 1000,
    }


def test_latency_percentiles() -> None:
    summary = summarise_latency([1.0] * 50 + [100.0] * 50)
    assert summary["parse_ms_p50"] == pytest.approx(50.5)
    assert summarise_latency(list(range(1, 101)))["parse_ms_p95"] == pytest.approx(
        95.05
    )


def test_latency_needs_samples() -> None:
    with pytest.raises(ValueError, match="empty"):
        summarise_latency([])


def test_verdicts_compare_with_targets_and_diet() -> None:
    results = {
        "banking77": {"lora": _row(0.93), "diet": _row(0.94)},
        "bitext": {"lora": _row(0.97, p50=12.0)},
    }
    lines = "\n".join(verdicts(results))
    assert (
        "banking77 accuracy >= 92%: 93.00% (met); DIET 94.00% (LoRA NOT above)" in lines
    )
    assert "bitext accuracy >= 98%: 97.00% (NOT met)" in lines
    assert "worst split 12.00 ms (NOT met)" in lines


def test_markdown_has_a_row_per_run() -> None:
    text = render_markdown({"bitext": {"lora": _row(0.99), "diet": _row(0.97)}})
    assert "| bitext | diet | 97.00% |" in text and "| bitext | lora | 99.00% |" in text
    assert "Not measured yet" not in text


def test_markdown_names_runs_not_measured_yet() -> None:
    text = render_markdown({"banking77": {"lora": _row(0.93)}})
    assert "Not measured yet: diet on banking77." in text
