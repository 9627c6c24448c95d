"""Command line: ``python -m finetune train|evaluate``.

Examples::

    python -m finetune train --data data/nlu --out models/intent --epochs 4
    python -m finetune evaluate --model models/intent --data test.csv \
        --report-dir reports/intent

Bad input (missing files, invalid config, unknown base model...) exits with code 2
and a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from finetune.config import TrainConfig
from finetune.errors import FinetuneError

logger = logging.getLogger(__name__)

EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    """Create the argument parser with the ``train`` and ``evaluate`` commands.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="python -m finetune",
        description="LoRA fine-tuning and evaluation of the BERT intent classifier.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug messages"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="fine-tune a model on labelled data")
    train.add_argument(
        "--data", required=True, type=Path, help="Rasa NLU YAML file/folder or CSV"
    )
    train.add_argument("--out", required=True, type=Path, help="model folder to write")
    train.add_argument(
        "--config", type=Path, help="JSON file with TrainConfig fields (flags win)"
    )
    train.add_argument(
        "--validation-data",
        type=Path,
        help="explicit validation file (default: hold out validation_fraction)",
    )
    _add_column_flags(train)
    overrides = train.add_argument_group("training config overrides")
    _add_config_flags(overrides)

    evaluate = commands.add_parser("evaluate", help="evaluate a saved model")
    evaluate.add_argument("--model", required=True, type=Path, help="model folder")
    evaluate.add_argument(
        "--data", required=True, type=Path, help="Rasa NLU YAML file/folder or CSV"
    )
    evaluate.add_argument(
        "--report-dir",
        type=Path,
        help="write metrics.json and confusion_matrix.png here",
    )
    evaluate.add_argument(
        "--device", default="auto", help="'auto', 'cpu' or 'cuda' (default: auto)"
    )
    _add_column_flags(evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The exit code: 0 on success, 2 on bad input.
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # transformers would otherwise import TensorFlow (installed for Rasa): slow.
    os.environ.setdefault("USE_TF", "0")
    try:
        if args.command == "train":
            return _train(args)
        return _evaluate(args)
    except (FinetuneError, OSError) as err:
        message = " ".join(str(err).split())
        sys.stderr.write(f"error: {message}\n")
        return EXIT_BAD_INPUT


def _train(args: argparse.Namespace) -> int:
    from finetune.data import label_counts, load_examples
    from finetune.train import train_intent_model

    config = TrainConfig.load(args.config) if args.config else TrainConfig()
    changes = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(TrainConfig)
        if getattr(args, f.name, None) is not None
    }
    if changes:
        config = config.replace(**changes)
    columns = {"text_column": args.text_column, "label_column": args.label_column}
    examples = load_examples(args.data, **columns)
    validation = None
    if args.validation_data:
        held_out = load_examples(args.validation_data, **columns)
        validation = ([e.text for e in held_out], [e.label for e in held_out])
    logger.info(
        "Loaded %d examples of %d intents from '%s'.",
        len(examples),
        len(label_counts(examples)),
        args.data,
    )
    model = train_intent_model(
        [e.text for e in examples],
        [e.label for e in examples],
        config,
        validation=validation,
        show_progress_bar=sys.stderr.isatty(),
    )
    model.save(args.out)
    info = model.info
    summary = {
        "model": str(args.out),
        "intents": len(model.labels),
        "train_examples": info.get("train_examples"),
        "validation_examples": info.get("validation_examples"),
        "validation_accuracy": info.get("validation_accuracy"),
        "epochs_run": info.get("epochs_run"),
        "best_epoch": info.get("best_epoch"),
        "temperature": round(model.temperature, 4),
        "trainable_parameters": model.trainable_parameters,
        "train_seconds": info.get("train_seconds"),
    }
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from finetune.data import load_examples
    from finetune.evaluate import evaluate_model, format_report, write_report
    from finetune.model import IntentModel

    examples = load_examples(
        args.data, text_column=args.text_column, label_column=args.label_column
    )
    model = IntentModel.load(args.model, device=args.device)
    evaluation = evaluate_model(model, examples)
    sys.stdout.write(format_report(evaluation))
    if args.report_dir:
        metrics_path, image_path = write_report(evaluation, args.report_dir)
        sys.stdout.write(f"\nwrote {metrics_path} and {image_path}\n")
    return 0


def _add_column_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text-column", help="CSV text column (default: text)")
    parser.add_argument(
        "--label-column", help="CSV label column (default: label, else intent)"
    )


def _add_config_flags(group: argparse._ArgumentGroup) -> None:
    hints = typing.get_type_hints(TrainConfig)
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        help_text = f"{f.metadata.get('help', '')} (default: {_default(f)})"
        kind = hints[f.name]
        if kind is bool:
            group.add_argument(
                flag, dest=f.name, action=argparse.BooleanOptionalAction, help=help_text
            )
        elif kind in (int, float, str):
            group.add_argument(flag, dest=f.name, type=kind, help=help_text)
        else:
            group.add_argument(flag, dest=f.name, nargs="+", help=help_text)


def _default(f: dataclasses.Field[Any]) -> Any:
    value = f.default
    return list(value) if isinstance(value, tuple) else value
