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


def test_merge_keeps_both_runs_and_the_newer_wins() -> None:
    from finetune.bench_report import merge_results

    old = {"bitext": {"lora": _row(0.9)}, "banking77": {"lora": _row(0.91)}}
    new = {"bitext": {"diet": _row(0.8), "lora": _row(0.95)}}
    merged = merge_results(old, new)
    assert merged["bitext"]["diet"]["accuracy"] == 0.8
    assert merged["bitext"]["lora"]["accuracy"] == 0.95
    assert merged["banking77"]["lora"]["accuracy"] == 0.91
    assert old["bitext"] == {"lora": _row(0.9)}  # inputs untouched


@pytest.mark.parametrize("bad", [{"bitext": [1, 2]}, {"bitext": {"lora": 0.9}}])
def test_merge_refuses_misshapen_results(bad: dict) -> None:  # type: ignore[type-arg]
    from finetune.bench_report import merge_results

    with pytest.raises(ValueError, match="must map pipeline names"):
        merge_results({}, bad)


def test_report_lists_runs_with_load_and_settings() -> None:
    meta = {
        "bitext": {
            "lora": {
                "started_at": "2026-11-22T22:00:00+0000",
                "finished_at": "2026-11-22T22:05:00+0000",
                "load_average_before": [1.02, 0.5, 0.2],
                "commit": "abc1234",
                "pipeline": [
                    {"name": "WhitespaceTokenizer"},
                    {"name": "x.LoraIntentClassifier", "rank": 8, "quantize": "int8"},
                ],
            }
        }
    }
    text = render_markdown({"bitext": {"lora": _row(0.99)}}, meta)
    assert "## Runs" in text
    assert (
        "- bitext / lora: 2026-11-22T22:00:00+0000 to 2026-11-22T22:05:00+0000, "
        "1-min load 1.02 at start, commit abc1234, rank 8, quantize int8"
    ) in text
    assert "## Runs" not in render_markdown({"bitext": {"lora": _row(0.99)}})


def test_cli_merge_adds_another_runs_results_without_training(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from finetune.bench_nlu import main

    other = tmp_path / "other"
    other.mkdir()
    (other / "nlu_benchmark.json").write_text(
        json.dumps({"bitext_cross": {"diet": _row(0.85)}})
    )
    (other / "nlu_benchmark_meta.json").write_text(
        json.dumps({"bitext_cross": {"diet": {"commit": "c0ffee1"}}})
    )
    out = tmp_path / "reports"
    out.mkdir()
    (out / "nlu_benchmark.json").write_text(
        json.dumps({"bitext_cross": {"lora": _row(0.9)}})
    )
    code = main(["--out", str(out), "--merge", str(other / "nlu_benchmark.json")])
    assert code == 0
    merged = json.loads((out / "nlu_benchmark.json").read_text())
    assert set(merged["bitext_cross"]) == {"diet", "lora"}
    meta = json.loads((out / "nlu_benchmark_meta.json").read_text())
    assert meta["bitext_cross"]["diet"]["commit"] == "c0ffee1"
    report = (out / "nlu_benchmark.md").read_text()
    assert "| bitext_cross | diet | 85.00%" in report
    assert "LoRA above" in report


@pytest.mark.parametrize("content", [None, "{not json", "[1, 2]"])
def test_cli_merge_bad_file_is_a_clear_error(tmp_path, capsys, content) -> None:  # type: ignore[no-untyped-def]
    from finetune.bench_nlu import main

    source = tmp_path / "other.json"
    if content is not None:
        source.write_text(content)
    out = tmp_path / "reports"
    assert main(["--out", str(out), "--merge", str(source)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and str(source) in err
    assert not (out / "nlu_benchmark.json").exists()


def test_fresh_training_cache_points_rasa_at_an_empty_folder(  # type: ignore[no-untyped-def]
    tmp_path, monkeypatch
) -> None:
    import os

    from rasa.engine.caching import LocalTrainingCache

    from finetune.bench_nlu import CACHE_ENV, fresh_training_cache

    monkeypatch.setenv(CACHE_ENV, "/somewhere/else")
    folder = tmp_path / "cache"
    with fresh_training_cache(folder):
        assert LocalTrainingCache._get_cache_location() == folder
    assert os.environ[CACHE_ENV] == "/somewhere/else"
    monkeypatch.delenv(CACHE_ENV)
    with fresh_training_cache(tmp_path / "other"):
        assert os.environ[CACHE_ENV] == str(tmp_path / "other")
    assert CACHE_ENV not in os.environ
    (folder / "stale.db").write_text("x")
    with pytest.raises(ValueError, match="not empty"), fresh_training_cache(folder):
        pass


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ([], "abc1234"),
        (["reports/nlu_benchmark.json", "reports/nlu_benchmark.md"], "abc1234"),
        (["reports/nlu_benchmark.json", "config.yml"], "abc1234+dirty"),
        (["reportsX/file"], "abc1234+dirty"),
    ],
)
def test_commit_label_ignores_the_reports_the_bench_writes(
    changed: list[str], expected: str
) -> None:
    from finetune.bench_nlu import commit_label

    assert commit_label("abc1234", changed, "reports/") == expected
