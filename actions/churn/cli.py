"""Command line: ``python -m actions.churn {train,evaluate,score}``.

``train`` fits the model on the training 80 % and saves it; ``evaluate``
measures the saved model on the held-out 20 % and writes the reports;
``score`` writes ``CustomerID,churn_probability`` for every row of a CSV.
Summaries go to stdout as JSON; logs and errors to stderr. Bad input (missing
column, bad number, unknown category, missing or mismatched model) exits with
status 2 and a message naming the line and column; nothing is half-written.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from actions.churn.dataset import DEFAULT_DATA
from actions.churn.errors import ChurnDataError, ChurnError
from actions.churn.model import default_model_dir

logger = logging.getLogger(__name__)

DEFAULT_REPORT_DIR = Path(__file__).resolve().parents[2] / "reports"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m actions.churn", description=__doc__.split("\n")[0]
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    model_help = "model directory (default $SHOPBOT_CHURN_MODEL or models/churn)"

    train = sub.add_parser("train", help="fit on the training 80 %% and save")
    train.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled CSV")
    train.add_argument("--model-dir", type=Path, default=None, help=model_help)

    evaluate = sub.add_parser("evaluate", help="held-out metrics and reports")
    evaluate.add_argument("--data", type=Path, default=DEFAULT_DATA)
    evaluate.add_argument("--model-dir", type=Path, default=None, help=model_help)
    evaluate.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR)

    score = sub.add_parser("score", help="churn probability of each CSV row")
    score.add_argument("--csv", type=Path, required=True, help="customers to score")
    score.add_argument("--out", type=Path, required=True, help="output CSV")
    score.add_argument("--model-dir", type=Path, default=None, help=model_help)
    return parser


def _write(payload: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")


def _train(args: argparse.Namespace) -> None:
    from actions.churn.training import train_and_save

    model_dir = args.model_dir or default_model_dir()
    model = train_and_save(args.data, model_dir)
    _write(
        {
            "model_version": model.version,
            "model_dir": str(model_dir),
            "training_rows": model.metadata.training_rows,
            "held_out": model.metadata.metrics,
        }
    )


def _evaluate(args: argparse.Namespace) -> None:
    from actions.churn.report import meets_targets, report_json, write_report
    from actions.churn.training import evaluate_saved_model

    evaluation = evaluate_saved_model(args.data, args.model_dir or default_model_dir())
    paths = write_report(evaluation, args.report_dir)
    if not meets_targets(evaluation.metrics):
        logger.warning("Churn model %s misses its targets", evaluation.model_version)
    summary = report_json(evaluation)
    del summary["calibration_bins"]
    _write({**summary, "reports": [str(path) for path in paths]})


def _score(args: argparse.Namespace) -> None:
    from actions.churn.dataset import read_churn_csv
    from actions.churn.model import ChurnModel

    table = read_churn_csv(args.csv)
    model = ChurnModel.load(args.model_dir or default_model_dir())
    probabilities = model.predict_matrix(table.features)
    out: Path = args.out
    temporary = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["CustomerID", "churn_probability"])
            for customer_id, probability in zip(
                table.customer_ids, probabilities, strict=True
            ):
                writer.writerow([customer_id, f"{probability:.6f}"])
        os.replace(temporary, out)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise ChurnDataError(f"Cannot write {out}: {err}; check --out.") from err
    _write({"scored": len(table.customer_ids), "out": str(out)})


_COMMANDS = {"train": _train, "evaluate": _evaluate, "score": _score}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI.

    Args:
        argv: arguments without the program name; ``sys.argv[1:]`` by default.

    Returns:
        0 on success, 2 on bad input or a missing / mismatched model.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        _COMMANDS[args.command](args)
    except ChurnError as err:
        logger.error("%s", err)
        return 2
    return 0
