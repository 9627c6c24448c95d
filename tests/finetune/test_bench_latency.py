"""fp32 vs int8 latency benchmark: pure helpers, archive extraction, CLI run."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from finetune.bench_latency import (
    LORA_COMPONENT,
    Run,
    classifier_resource,
    evenly_spaced,
    extract_classifier,
    main,
    measure_interleaved,
    render_table,
    summarise,
)
from finetune.config import TrainConfig
from finetune.errors import ModelFileMissingError
from finetune.train import train_intent_model

RESOURCE = "train_bot.components.lora_intent_classifier.LoraIntentClassifier2"
TEXTS = [
    "where is my order", "track my package", "has my parcel shipped",
    "where is the parcel", "track the order", "delivery status",
    "cancel my order", "i want to cancel", "stop my purchase",
    "please cancel the order", "cancel it", "stop the order",
]  # fmt: skip
LABELS = ["track"] * 6 + ["cancel"] * 6


def _metadata(resource: str | None = RESOURCE) -> dict[str, object]:
    nodes: dict[str, object] = {
        "run_RegexEntityExtractor1": {"uses": "RegexEntityExtractor"},
    }
    if resource is not None:
        nodes["run_lora"] = {
            "uses": LORA_COMPONENT,
            "resource": {"name": resource, "output_fingerprint": "x"},
        }
    return {"model_id": "m-1", "trained_at": "t", "predict_schema": {"nodes": nodes}}


def _write_archive(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def _write_data(path: Path) -> Path:
    path.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: track\n  examples: |\n    - where is order [123](order_number)\n"
        "    - track my parcel\n"
        "- intent: cancel\n  examples: |\n    - cancel my purchase\n",
        encoding="utf-8",
    )
    return path


def test_evenly_spaced_covers_the_whole_sequence() -> None:
    items = list(range(10))
    assert evenly_spaced(items, 5) == [0, 2, 4, 6, 8]
    assert evenly_spaced(items, 0) == items
    assert evenly_spaced(items, 50) == items
    assert evenly_spaced(items, 1) == [0]
    with pytest.raises(ValueError, match="limit must be >= 0"):
        evenly_spaced(items, -1)


def test_measure_interleaved_alternates_order_and_times_each_call() -> None:
    calls: list[tuple[str, str]] = []
    ticks: Iterator[float] = iter(float(i) for i in range(1000))

    def predictor(name: str, cost: float) -> object:
        def predict(text: str) -> tuple[str, float]:
            calls.append((name, text))
            return f"{name}:{text}", cost

        return predict

    runs = measure_interleaved(
        {"a": predictor("a", 0.9), "b": predictor("b", 0.8)},  # type: ignore[dict-item]
        ["x", "y", "z"],
        warmup=1,
        clock=lambda: next(ticks),
    )
    assert calls == [
        ("a", "x"), ("b", "x"),  # warm-up
        ("a", "x"), ("b", "x"), ("b", "y"), ("a", "y"), ("a", "z"), ("b", "z"),
    ]  # fmt: skip
    assert runs["a"].intents == ["a:x", "a:y", "a:z"]
    assert runs["b"].confidences == [0.8, 0.8, 0.8]
    assert runs["a"].latencies_ms == [1000.0] * 3


def test_summarise_reports_ratio_accuracy_and_changed_share() -> None:
    runs = {
        "fp32": Run([10.0, 10.0, 10.0, 10.0], ["a", "b", "a", "b"], [0.9] * 4),
        "int8": Run([6.0, 6.0, 6.0, 6.0], ["a", "b", "b", "b"], [0.8] * 4),
    }
    summary = summarise(runs, ["a", "b", "a", "a"])
    assert summary["messages"] == 4
    fp32, int8 = summary["variants"]["fp32"], summary["variants"]["int8"]
    assert fp32 == {"p50_ms": 10.0, "p95_ms": 10.0, "mean_ms": 10.0, "accuracy": 0.75}
    assert int8["accuracy"] == 0.5
    assert int8["p50_ratio"] == 0.6 and int8["p95_ratio"] == 0.6
    assert int8["changed_predictions"] == 0.25
    assert int8["mean_abs_confidence_change"] == pytest.approx(0.1)
    table = render_table(summary)
    assert table.splitlines()[0].split()[:3] == ["variant", "p50", "ms"]
    assert "0.600" in table and "25.00%" in table


@pytest.mark.parametrize(
    ("runs", "gold", "message"),
    [
        ({"fp32": Run()}, [], "no messages"),
        ({"int8": Run([1.0], ["a"], [1.0])}, ["a"], "baseline variant 'fp32'"),
        ({"fp32": Run([1.0], ["a"], [1.0])}, ["a", "b"], "1 results for 2"),
    ],
)
def test_summarise_rejects_bad_runs(
    runs: dict[str, Run], gold: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        summarise(runs, gold)


def test_classifier_resource_finds_the_lora_node() -> None:
    assert classifier_resource(_metadata()) == RESOURCE
    with pytest.raises(ModelFileMissingError, match="no trained"):
        classifier_resource(_metadata(resource=None))


def test_extract_classifier_takes_only_the_resource_folder(tmp_path: Path) -> None:
    folder = f"/components/{RESOURCE}/{RESOURCE}"
    archive = _write_archive(
        tmp_path / "model.tar.gz",
        {
            "/metadata.json": json.dumps(_metadata()).encode(),
            f"{folder}/labels.json": b'["a", "b"]',
            f"{folder}/nested/evil.txt": b"no",
            "/components/other/other/labels.json": b"[]",
        },
    )
    target = tmp_path / "out"
    target.mkdir()
    assert extract_classifier(archive, target) == target
    assert [p.name for p in target.iterdir()] == ["labels.json"]
    assert (target / "labels.json").read_bytes() == b'["a", "b"]'


def test_extract_classifier_reports_missing_parts(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    no_meta = _write_archive(tmp_path / "a.tar.gz", {"x.txt": b"x"})
    with pytest.raises(ModelFileMissingError, match="no metadata.json"):
        extract_classifier(no_meta, tmp_path / "out")
    empty = _write_archive(
        tmp_path / "b.tar.gz", {"metadata.json": json.dumps(_metadata()).encode()}
    )
    with pytest.raises(ModelFileMissingError, match="holds no files"):
        extract_classifier(empty, tmp_path / "out")


def test_cli_runs_on_a_rasa_archive_and_writes_the_report(
    tiny_bert_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = TrainConfig(
        base_model=str(tiny_bert_dir),
        rank=4,
        alpha=8,
        epochs=20,
        learning_rate=1e-2,
        batch_size=4,
        validation_fraction=0.0,
        device="cpu",
    )
    saved = train_intent_model(TEXTS, LABELS, config).save(tmp_path / "model")
    folder = f"components/{RESOURCE}/{RESOURCE}"
    files = {f"{folder}/{p.name}": p.read_bytes() for p in saved.iterdir()}
    files["metadata.json"] = json.dumps(_metadata()).encode()
    archive = _write_archive(tmp_path / "shopbot.tar.gz", files)
    data = _write_data(tmp_path / "test.yml")
    out = tmp_path / "reports" / "latency.json"
    argv = ["--model", str(archive), "--data", str(data), "--out", str(out)]
    assert main([*argv, "--limit", "0", "--warmup", "1"]) == 0
    report = json.loads(out.read_text())
    assert report["model_id"] == "m-1" and report["messages"] == 3
    assert set(report["variants"]) == {"fp32", "int8"}
    assert 0.0 <= report["variants"]["int8"]["changed_predictions"] <= 1.0
    assert report["machine"]["torch_threads"] >= 1
    assert len(report["load_average_before"]) == 3
    assert "int8" in capsys.readouterr().out


def test_cli_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope"
    data = str(_write_data(tmp_path / "test.yml"))
    out = str(tmp_path / "x.json")
    assert main(["--model", str(missing), "--data", data, "--out", out]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and str(missing) in error
    assert not (tmp_path / "x.json").exists()
