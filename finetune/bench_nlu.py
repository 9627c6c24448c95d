"""NLU benchmark: Rasa's stock DIET pipeline vs the LoRA component, trained and tested
on the same splits.

Both pipelines are trained with ``rasa.model_training.train_nlu`` and queried through
a loaded Rasa ``Agent``, so training time and parse latency include everything Rasa
does for a message. Writes ``reports/nlu_benchmark.json`` and
``reports/nlu_benchmark.md``.

Each (dataset, pipeline) result also gets a record in
``reports/nlu_benchmark_meta.json``: when it ran, the load average before and after,
the commit and the exact pipeline, so figures from different invocations can be
told apart. ``--merge FILE`` adds the results (and that file's ``_meta`` sibling)
of another invocation, e.g. a long DIET run made with ``--out`` elsewhere, without
training anything.

Usage: ``python -m finetune.bench_nlu [--datasets bitext bitext_cross banking77]
[--pipelines diet lora] [--out reports] [--merge OTHER/nlu_benchmark.json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finetune.bench_report import merge_results, render_markdown, summarise_latency
from finetune.calibration import expected_calibration_error
from finetune.metrics import accuracy, macro_f1

logger = logging.getLogger(__name__)

DATASETS = ("bitext", "bitext_cross", "banking77")
PIPELINES = ("diet", "lora")
LATENCY_SAMPLES = 300
# Rasa's environment variable for its training cache folder (rasa.engine.caching).
CACHE_ENV = "RASA_CACHE_DIRECTORY"

# Rasa's default pipeline (what `rasa init` writes), intent-only: the stock baseline.
DIET_PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {
        "name": "CountVectorsFeaturizer",
        "analyzer": "char_wb",
        "min_ngram": 1,
        "max_ngram": 4,
    },
    {
        "name": "DIETClassifier",
        "epochs": 100,
        "constrain_similarities": True,
        "entity_recognition": False,
    },
]
LORA_COMPONENT = "bot.components.lora_intent_classifier.LoraIntentClassifier"


def lora_pipeline(config_path: Path) -> list[dict[str, Any]]:
    """The LoRA pipeline with the classifier settings of the shipped ``config.yml``."""
    import yaml

    config = yaml.safe_load(config_path.read_text())
    settings = [
        c for c in config.get("pipeline", []) if c.get("name") == LORA_COMPONENT
    ]
    if not settings:
        raise ValueError(f"{config_path} has no {LORA_COMPONENT} in its pipeline")
    return [{"name": "WhitespaceTokenizer"}, dict(settings[0])]


@dataclass(frozen=True)
class Split:
    """A benchmark split: labelled training and test utterances."""

    name: str
    train: list[tuple[str, str]]
    test: list[tuple[str, str]]


def load_splits(names: Sequence[str], root: Path) -> list[Split]:
    """Load the named splits from the repository's data folder."""
    from bot import nlu_data

    splits = []
    sources = root / "data" / "sources"
    for name in names:
        if name == "bitext":
            rows = nlu_data.load_bitext(sources / "bitext")
            split = nlu_data.heldout_split(nlu_data.deduplicate(rows).examples)
            train, test = _pairs(split.train), _pairs(split.test)
        elif name == "bitext_cross":
            split = nlu_data.cross_source_split(
                nlu_data.load_bitext(sources / "bitext")
            )
            train, test = _pairs(split.train), _pairs(split.test)
        elif name == "banking77":
            train = _read_csv(sources / "banking77" / "train.csv")
            test = _read_csv(sources / "banking77" / "test.csv")
        else:
            raise ValueError(
                f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}"
            )
        splits.append(Split(name, train, test))
        logger.info("%s: %d train / %d test utterances", name, len(train), len(test))
    return splits


def _pairs(rows: Sequence[Any]) -> list[tuple[str, str]]:
    """Normalise rows (tuples or objects with text/intent) to (text, label) pairs."""
    pairs = []
    for row in rows:
        if isinstance(row, tuple):
            pairs.append((str(row[0]), str(row[1])))
        else:
            pairs.append((str(row.text), str(row.intent)))
    return pairs


def _read_csv(path: Path) -> list[tuple[str, str]]:
    """Read a Banking77 CSV (columns text, category)."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


def write_nlu_yaml(pairs: Sequence[tuple[str, str]], path: Path) -> None:
    """Write (text, intent) pairs as Rasa NLU YAML using Rasa's own writer."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    examples = [Message(data={"text": text, "intent": label}) for text, label in pairs]
    RasaYAMLWriter().dump(path, TrainingData(training_examples=examples))


def write_config(pipeline: list[dict[str, Any]], path: Path) -> None:
    """Write an NLU-only Rasa config file."""
    import yaml

    config = {
        "recipe": "default.v1",
        "language": "en",
        "assistant_id": "shopbot-bench",
        "pipeline": pipeline,
        "policies": [],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def _classifier(agent: Any, class_name: str) -> Any:
    """Return the trained component of ``class_name`` inside a loaded agent's graph."""
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        component = getattr(node, "_component", None)
        if type(component).__name__ == class_name:
            return component
    raise LookupError(f"no {class_name} in the loaded model")


def trainable_parameters(agent: Any, pipeline: str) -> int:
    """Count the classifier's trainable parameters (DIET: TF variables; LoRA: adapters +
    head).
    """
    if pipeline == "diet":
        import numpy as np

        model = _classifier(agent, "DIETClassifier").model
        return int(sum(np.prod(v.shape) for v in model.trainable_weights))
    component = _classifier(agent, "LoraIntentClassifier")
    return int(component.trainable_parameters)


async def _predict(
    agent: Any, texts: Sequence[str]
) -> tuple[list[str], list[float], list[float]]:
    """Parse each text; return predicted labels, confidences and latencies (ms)."""
    labels, confidences, latencies = [], [], []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        latencies.append((time.perf_counter() - started) * 1000.0)
        intent = parsed.get("intent") or {}
        labels.append(str(intent.get("name")))
        confidences.append(float(intent.get("confidence") or 0.0))
    return labels, confidences, latencies


def run_one(
    split: Split, pipeline: str, workdir: Path, report_dir: str = "reports"
) -> tuple[dict[str, float], dict[str, Any]]:
    """Train one pipeline on one split and evaluate it.

    Returns:
        The figures, and a record of the run (time, load, commit, pipeline).
    """
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    data = workdir / f"{split.name}-train.yml"
    config = workdir / f"{split.name}-{pipeline}.yml"
    write_nlu_yaml(split.train, data)
    components = (
        DIET_PIPELINE if pipeline == "diet" else lora_pipeline(Path("config.yml"))
    )
    write_config(components, config)
    record: dict[str, Any] = {
        "started_at": _now(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "commit": _commit(report_dir),
        "train_utterances": len(split.train),
        "test_utterances": len(split.test),
        "pipeline": components,
    }
    logger.info(
        "==> %s / %s: training on %d utterances", split.name, pipeline, len(split.train)
    )
    started = time.perf_counter()
    with fresh_training_cache(workdir / f"cache-{split.name}-{pipeline}"):
        model = train_nlu(
            str(config),
            str(data),
            str(workdir),
            fixed_model_name=f"{split.name}-{pipeline}",
        )
    train_seconds = time.perf_counter() - started
    if model is None:
        raise RuntimeError(
            f"rasa train_nlu produced no model for {split.name}/{pipeline}"
        )
    agent = Agent.load(model)
    texts = [text for text, _ in split.test]
    gold = [label for _, label in split.test]
    predicted, confidences, _ = asyncio.run(_predict(agent, texts))
    # Latency: one message at a time, after the evaluation pass warmed everything up.
    sample = texts[:LATENCY_SAMPLES]
    _, _, latencies = asyncio.run(_predict(agent, sample))
    correct = [p == g for p, g in zip(predicted, gold, strict=False)]
    result = {
        "accuracy": accuracy(gold, predicted),
        "macro_f1": macro_f1(gold, predicted),
        "ece": expected_calibration_error(confidences, correct),
        "train_seconds": round(train_seconds, 1),
        **summarise_latency(latencies),
        "trainable_params": trainable_parameters(agent, pipeline),
    }
    record["finished_at"] = _now()
    record["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    logger.info("<== %s / %s: %s", split.name, pipeline, json.dumps(result))
    return result, record


@contextmanager
def fresh_training_cache(folder: Path) -> Iterator[None]:
    """Point Rasa's training cache at an empty ``folder`` for the duration.

    Rasa reuses components trained earlier with the same config and data from its
    cache (``.rasa/cache``), which would report a training time of seconds.

    Raises:
        ValueError: ``folder`` exists and is not empty.
    """
    previous = os.environ.get(CACHE_ENV)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"training cache folder {folder} is not empty")
    os.environ[CACHE_ENV] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = previous


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, check=True
    ).stdout


def commit_label(head: str, changed_paths: Sequence[str], report_dir: str) -> str:
    """``head``, plus ``+dirty`` when a tracked file outside ``report_dir`` changed.

    The report folder is left out: the benchmark rewrites its own reports.
    """
    prefix = report_dir.rstrip("/") + "/"
    dirty = [path for path in changed_paths if not path.startswith(prefix)]
    return head + ("+dirty" if dirty else "")


def _commit(report_dir: str) -> str:
    """The checked-out commit (see :func:`commit_label`), or ``unknown``."""
    try:
        head = _git("rev-parse", "--short", "HEAD").strip()
        status = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit_label(head, [line[3:] for line in status.splitlines()], report_dir)


def _read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object from ``path``; ``{}`` when the file does not exist."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}); fix or delete it") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def _meta_path(results_path: Path) -> Path:
    return results_path.with_name(results_path.stem + "_meta.json")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--datasets", nargs="+", default=list(DATASETS), choices=DATASETS
    )
    parser.add_argument(
        "--pipelines", nargs="+", default=list(PIPELINES), choices=PIPELINES
    )
    parser.add_argument("--out", default="reports", help="report folder")
    parser.add_argument(
        "--merge",
        type=Path,
        help="add the results of another run's nlu_benchmark.json (and its "
        "_meta.json) to the report instead of training",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    root = Path.cwd()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "nlu_benchmark.json"
    meta_path = _meta_path(json_path)
    try:
        # Keep figures of splits/pipelines not re-run this time.
        results = _read_json(json_path)
        meta = _read_json(meta_path)
        if args.merge is not None:
            if not args.merge.is_file():
                raise ValueError(f"--merge file {args.merge} does not exist")
            results = merge_results(results, _read_json(args.merge))
            meta = merge_results(meta, _read_json(_meta_path(args.merge)))
    except ValueError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    if args.merge is None:
        with tempfile.TemporaryDirectory(prefix="shopbot-bench-") as tmp:
            for split in load_splits(args.datasets, root):
                for pipeline in args.pipelines:
                    result, record = run_one(split, pipeline, Path(tmp), str(out))
                    results.setdefault(split.name, {})[pipeline] = result
                    meta.setdefault(split.name, {})[pipeline] = record
                    _write_json(json_path, results)
                    _write_json(meta_path, meta)
    else:
        _write_json(json_path, results)
        _write_json(meta_path, meta)
    (out / "nlu_benchmark.md").write_text(render_markdown(results, meta))
    sys.stdout.write((out / "nlu_benchmark.md").read_text())
    return 0


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.exit(main())
