"""``python -m actions.churn score|evaluate|train``: round trips and bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from actions.churn.cli import main
from actions.churn.model import ChurnModel
from tests.actions.churn.conftest import write_csv

REPO_ROOT = Path(__file__).resolve().parents[3]
Rows = tuple[list[str], list[list[str]]]


def _unlabelled(tmp_path: Path, data_rows: Rows, count: int = 30) -> Path:
    """Rows 1..count without the Churn column, columns reversed, a blank cell."""
    header, rows = data_rows
    keep = [i for i, name in reversed(list(enumerate(header))) if name != "Churn"]
    body = [[row[i] for i in keep] for row in rows[1 : count + 1]]
    body[0][[header[i] for i in keep].index("CashbackAmount")] = ""
    return write_csv(tmp_path / "customers.csv", [header[i] for i in keep], body)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_score_round_trip(
    tmp_path: Path,
    data_rows: Rows,
    small_model_dir: Path,
    small_model: ChurnModel,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = _unlabelled(tmp_path, data_rows)
    out = tmp_path / "out" / "scores.csv"
    argv = ["score", "--csv", str(source), "--out", str(out)]
    assert main([*argv, "--model-dir", str(small_model_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == {"scored": 30, "out": str(out)}
    scored = _read(out)
    assert list(scored[0]) == ["CustomerID", "churn_probability"]
    header, rows = data_rows
    assert [r["CustomerID"] for r in scored] == [row[0] for row in rows[1:31]]
    from actions.churn.dataset import read_churn_csv

    expected = small_model.predict_matrix(read_churn_csv(source).features)
    got = [float(r["churn_probability"]) for r in scored]
    assert got == pytest.approx(list(expected), abs=1e-6)


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("OrderCount", "many", "line 3: column OrderCount has 'many'"),
        ("Gender", "robot", "line 3: Gender has unknown value 'robot'"),
    ],
)
def test_score_bad_cell_exits_2_and_keeps_old_output(
    tmp_path: Path,
    data_rows: Rows,
    small_model_dir: Path,
    caplog: pytest.LogCaptureFixture,
    column: str,
    value: str,
    fragment: str,
) -> None:
    header, rows = data_rows
    body = [list(row) for row in rows[:5]]
    body[1][header.index(column)] = value
    source = write_csv(tmp_path / "bad.csv", header, body)
    out = tmp_path / "scores.csv"
    out.write_text("previous results\n", encoding="utf-8")
    argv = ["score", "--csv", str(source), "--out", str(out)]
    assert main([*argv, "--model-dir", str(small_model_dir)]) == 2
    assert fragment in caplog.text
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "scores.csv"]


def test_score_missing_column_and_missing_model(
    tmp_path: Path,
    data_rows: Rows,
    small_model_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    header, rows = data_rows
    drop = header.index("Complain")
    source = write_csv(
        tmp_path / "short.csv",
        [h for i, h in enumerate(header) if i != drop],
        [[c for i, c in enumerate(row) if i != drop] for row in rows[:3]],
    )
    out = tmp_path / "scores.csv"
    argv = ["score", "--csv", str(source), "--out", str(out)]
    assert main([*argv, "--model-dir", str(small_model_dir)]) == 2
    assert "missing required column(s) Complain" in caplog.text
    good = _unlabelled(tmp_path, data_rows, count=3)
    argv = ["score", "--csv", str(good), "--out", str(out)]
    assert main([*argv, "--model-dir", str(tmp_path / "no_model")]) == 2
    assert "No churn model directory" in caplog.text
    assert not out.exists()


def test_evaluate_writes_reports(
    tmp_path: Path,
    sample_csv: Path,
    small_model_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reports = tmp_path / "reports"
    argv = ["evaluate", "--data", str(sample_csv), "--report-dir", str(reports)]
    assert main([*argv, "--model-dir", str(small_model_dir)]) == 0
    summary = json.loads(capsys.readouterr().out)
    saved = json.loads((reports / "churn.json").read_text())
    for key in ("roc_auc", "pr_auc", "brier"):
        assert 0.0 <= saved[key] <= 1.0
        assert summary[key] == saved[key]
    assert saved["n_test"] == 91 and saved["n_train"] == 360
    assert set(saved["baselines"]) == {
        "logistic_regression",
        "gradient_boosting_uncalibrated",
        "ensemble_uncalibrated",
    }
    markdown = (reports / "churn.md").read_text()
    assert f"ROC-AUC {saved['roc_auc']:.4f}" in markdown
    assert "python -m actions.churn evaluate" in markdown
    assert (reports / "churn_calibration.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in reports.iterdir()) == [
        "churn.json",
        "churn.md",
        "churn_calibration.png",
    ]


def test_evaluate_refuses_other_data(
    tmp_path: Path,
    data_rows: Rows,
    small_model_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    header, rows = data_rows
    other = write_csv(tmp_path / "other.csv", header, rows[1::10])
    argv = ["evaluate", "--data", str(other), "--report-dir", str(tmp_path / "r")]
    assert main([*argv, "--model-dir", str(small_model_dir)]) == 2
    assert "trained on other data" in caplog.text
    assert not (tmp_path / "r").exists()


def test_module_entry_point(
    tmp_path: Path, data_rows: Rows, small_model_dir: Path
) -> None:
    source = _unlabelled(tmp_path, data_rows, count=3)
    out = tmp_path / "scores.csv"
    command = [sys.executable, "-m", "actions.churn", "score", "--csv", str(source)]
    done = subprocess.run(
        [*command, "--out", str(out), "--model-dir", str(small_model_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(_read(out)) == 3
    bad = subprocess.run(
        [*command, "--out", str(out), "--model-dir", str(tmp_path / "absent")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "No churn model directory" in bad.stderr
