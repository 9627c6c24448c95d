"""``python -m finetune train|evaluate`` end to end on a tiny model, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finetune.cli import main

TRAIN_CSV = "text,label\n" + "".join(
    f"{text},{label}\n"
    for label, texts in {
        "track": [
            "where is my order",
            "track my package",
            "has my parcel shipped",
            "order status",
        ],
        "cancel": [
            "cancel my order",
            "i want to cancel",
            "stop my purchase",
            "cancel it",
        ],
        "greet": ["hello", "hi there", "good morning", "hey"],
    }.items()
    for text in texts
)
TEST_YAML = """\
nlu:
- intent: track
  examples: |
    - where is my [parcel](item)
- intent: greet
  examples: |
    - hi
- intent: refund
  examples: |
    - money back
"""


@pytest.fixture(scope="module")
def trained_dir(tiny_bert_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    (folder / "train.csv").write_text(TRAIN_CSV, encoding="utf-8")
    (folder / "config.json").write_text(
        json.dumps({"base_model": str(tiny_bert_dir), "rank": 4, "device": "cpu"}),
        encoding="utf-8",
    )
    code = main(
        [
            "train", "--data", str(folder / "train.csv"),
            "--out", str(folder / "model"), "--config", str(folder / "config.json"),
            "--epochs", "2", "--batch-size", "4",
            "--target-modules", "query", "value", "--no-train-head",
        ]
    )  # fmt: skip
    assert code == 0
    return folder


def test_train_writes_model_with_cli_overrides(
    trained_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = json.loads((trained_dir / "model" / "train_config.json").read_text())
    assert config["epochs"] == 2 and config["rank"] == 4 and config["batch_size"] == 4
    assert (
        config["target_modules"] == ["query", "value"] and config["train_head"] is False
    )
    adapter = json.loads((trained_dir / "model" / "adapter_config.json").read_text())
    assert "classifier" in adapter["modules_to_save"]
    assert "bert.pooler" not in adapter["modules_to_save"]


def test_evaluate_prints_metrics_and_writes_report(
    trained_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (trained_dir / "test.yml").write_text(TEST_YAML, encoding="utf-8")
    code = main(
        [
            "evaluate", "--model", str(trained_dir / "model"),
            "--data", str(trained_dir / "test.yml"),
            "--report-dir", str(trained_dir / "report"),
        ]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    for heading in ("accuracy", "macro-F1", "ECE", "refund"):
        assert heading in out
    metrics = json.loads((trained_dir / "report" / "metrics.json").read_text())
    assert metrics["n_examples"] == 3
    assert metrics["unknown_labels"] == ["refund"]
    assert 0.0 <= metrics["accuracy"] <= 2 / 3
    png = (trained_dir / "report" / "confusion_matrix.png").read_bytes()
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["train", "--data", "{tmp}/missing.csv", "--out", "{tmp}/m"],
            "does not exist",
        ),
        (
            [
                "train",
                "--data",
                "{tmp}/data.csv",
                "--out",
                "{tmp}/m",
                "--config",
                "{tmp}/bad.json",
            ],
            "not valid JSON",
        ),
        (
            ["train", "--data", "{tmp}/data.csv", "--out", "{tmp}/m", "--rank", "0"],
            "rank must be",
        ),
        (
            [
                "train",
                "--data",
                "{tmp}/data.csv",
                "--out",
                "{tmp}/m",
                "--base-model",
                "{tmp}/nomodel",
            ],
            "was not found",
        ),
        (
            ["train", "--data", "{tmp}/data.txt", "--out", "{tmp}/m"],
            "unknown data format",
        ),
        (
            ["evaluate", "--model", "{tmp}/nomodel", "--data", "{tmp}/data.csv"],
            "python -m finetune train",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "data.csv").write_text(TRAIN_CSV, encoding="utf-8")
    (tmp_path / "data.txt").write_text("x", encoding="utf-8")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    code = main([arg.format(tmp=tmp_path) for arg in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["train", "--data", "x.csv"])
    assert caught.value.code == 2
