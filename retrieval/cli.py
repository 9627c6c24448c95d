"""Command line: ``python -m retrieval {content,build,search,evaluate,add,remove}``.

Results go to stdout; logs and errors to stderr. A retrieval error (bad input,
missing or corrupt index...) exits with status 2 and a one-line message.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from retrieval.errors import RetrievalError

logger = logging.getLogger(__name__)

DEFAULT_QA = Path("data/qa/qa_pairs.jsonl")
DEFAULT_HELDOUT = Path("data/qa/heldout_queries.jsonl")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m retrieval", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    content = sub.add_parser(
        "content", help="Bitext CSV -> QA JSONL + held-out queries"
    )
    content.add_argument("--out", type=Path, default=DEFAULT_QA)
    content.add_argument("--heldout-out", type=Path, default=DEFAULT_HELDOUT)
    content.add_argument("--bitext-qa", type=Path, default=None)
    content.add_argument("--intents", type=Path, default=None)
    content.add_argument("--shop", type=Path, default=None, help="shop.yml")

    build = sub.add_parser("build", help="QA JSONL -> index directory")
    build.add_argument("--qa", type=Path, required=True)
    build.add_argument("--out", type=Path, required=True)
    build.add_argument(
        "--heldout",
        type=Path,
        default=None,
        help="held-out queries; their validation half calibrates the threshold",
    )
    build.add_argument("--model", default=None, help="local BERT checkpoint folder")
    build.add_argument(
        "--index-type", default="auto", choices=["auto", "flat", "ivf", "hnsw"]
    )
    build.add_argument("--target-precision", type=float, default=None)

    search = sub.add_parser("search", help="answer questions from an index")
    search.add_argument("--index", type=Path, required=True)
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--json", action="store_true", help="one JSON line per query")
    group = search.add_mutually_exclusive_group(required=True)
    group.add_argument("text", nargs="?", help="the question")
    group.add_argument("--queries", type=Path, help="file with one question per line")

    evaluate = sub.add_parser("evaluate", help="quality on held-out queries")
    evaluate.add_argument("--index", type=Path, required=True)
    evaluate.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT)
    evaluate.add_argument(
        "--recalibrate",
        action="store_true",
        help="refit the threshold on the validation half and save it in the index",
    )
    evaluate.add_argument("--target-precision", type=float, default=None)
    evaluate.add_argument(
        "--report", action="store_true", help="update reports/retrieval.json and .md"
    )

    add = sub.add_parser("add", help="add QA records to an index (no rebuild)")
    add.add_argument("--index", type=Path, required=True)
    add.add_argument("--qa", type=Path, required=True)

    remove = sub.add_parser("remove", help="remove QA records by id (erasure)")
    remove.add_argument("--index", type=Path, required=True)
    remove.add_argument("--id", type=int, action="append", required=True, dest="ids")
    return parser


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")


def _content(args: argparse.Namespace) -> None:
    from retrieval.content import build_bitext_records, split_heldout
    from retrieval.qa_store import write_records
    from retrieval.shop import load_shop_info
    from retrieval.sources import (
        BITEXT_INTENT_CSV,
        BITEXT_QA_CSV,
        read_csv_rows,
        write_heldout,
    )

    shop = load_shop_info(args.shop)
    rows = read_csv_rows(
        args.bitext_qa or BITEXT_QA_CSV, ("instruction", "response", "intent")
    )
    records, report = build_bitext_records(rows, shop)
    intents = read_csv_rows(args.intents or BITEXT_INTENT_CSV, ("utterance", "intent"))
    heldout = split_heldout(intents, [record.question for record in records])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.heldout_out.parent.mkdir(parents=True, exist_ok=True)
    write_records(records, args.out)
    write_heldout(heldout, args.heldout_out)
    _write(
        json.dumps(
            {
                "rows": report.rows,
                "kept": report.kept,
                "dropped": dict(report.dropped),
                "qa_file": str(args.out),
                "heldout_file": str(args.heldout_out),
                "heldout": len(heldout),
            }
        )
    )


def _build(args: argparse.Namespace) -> None:
    from retrieval.calibration import DEFAULT_TARGET_PRECISION
    from retrieval.config import RetrievalConfig
    from retrieval.evaluate import split_queries
    from retrieval.qa_store import read_records
    from retrieval.service import Retriever
    from retrieval.sources import read_heldout

    records = read_records(args.qa)
    config = RetrievalConfig(model_path=args.model, index_type=args.index_type)
    heldout = read_heldout(args.heldout) if args.heldout else None
    retriever = Retriever.build(records, config=config)
    summary: dict[str, Any] = {"records": len(records), "out": str(args.out)}
    if heldout is not None:
        calibration = retriever.calibrate(
            split_queries(heldout, "validation"),
            target_precision=args.target_precision or DEFAULT_TARGET_PRECISION,
        )
        summary["threshold"] = calibration.threshold
        summary["min_cosine"] = calibration.min_cosine
    else:
        logger.warning("No --heldout given: the index answers only unanimous votes")
    retriever.save(args.out)
    _write(json.dumps(summary))


def _hit_json(hit: Any) -> dict[str, Any]:
    record = hit.record
    return {
        "id": record.id,
        "answer": record.answer,
        "score": round(hit.score, 6),
        "source": record.source,
        "intent": record.intent,
        "question": record.question,
    }


def _search(args: argparse.Namespace) -> None:
    from retrieval.decision import decide
    from retrieval.errors import InvalidQueryError
    from retrieval.service import Retriever, prepare_query

    if args.k <= 0:
        raise InvalidQueryError(f"--k {args.k} must be positive.")
    if args.queries is not None:
        if not args.queries.is_file():
            raise InvalidQueryError(f"Query file {args.queries} does not exist.")
        texts = [
            line.rstrip("\n")
            for line in args.queries.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        if not texts:
            raise InvalidQueryError(f"Query file {args.queries} has no questions.")
    else:
        texts = [args.text]
    for text in texts:  # reject bad input before the slow model load
        prepare_query(text, max_chars=len(text) + 1)
    retriever = Retriever.load(args.index)
    k = max(args.k, 10)
    for text, hits in zip(texts, retriever.search(texts, k), strict=False):
        decision = decide(hits, retriever.calibration)
        if args.json:
            _write(
                json.dumps(
                    {
                        "query": text,
                        "answered": decision.answered,
                        "reason": decision.reason,
                        "probability": round(decision.probability, 6),
                        "source": decision.source,
                        "hits": [_hit_json(hit) for hit in hits[: args.k]],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            verdict = "ANSWER" if decision.answered else f"ABSTAIN ({decision.reason})"
            _write(
                f"Q: {text}\n{verdict} p={decision.probability:.3f} {decision.source}"
            )
            for hit in hits[: args.k]:
                _write(
                    f"  {hit.score:.3f} {hit.record.intent:<26} "
                    f"{hit.record.source:<14} "
                    f"{hit.record.question}"
                )


def _evaluate(args: argparse.Namespace) -> None:
    from retrieval.calibration import DEFAULT_TARGET_PRECISION
    from retrieval.evaluate import evaluate_retriever, split_queries
    from retrieval.report import update_report
    from retrieval.service import Retriever
    from retrieval.sources import read_heldout

    heldout = read_heldout(args.heldout)
    retriever = Retriever.load(args.index)
    validation = split_queries(heldout, "validation")
    if args.recalibrate or retriever.bundle.calibration is None:
        retriever.calibrate(
            validation,
            target_precision=args.target_precision or DEFAULT_TARGET_PRECISION,
        )
        retriever.save(args.index)
    validation_metrics = evaluate_retriever(retriever, validation)
    metrics = evaluate_retriever(retriever, split_queries(heldout, "test"))
    if args.report:
        update_report("quality", metrics)
        update_report(
            "quality_notes",
            {
                "index": f"{args.index} ({len(retriever.records)} records)",
                "model": retriever.bundle.model_name,
                "queries": f"{args.heldout}: {len(validation)} validation, "
                f"{int(metrics['queries'])} test",
                "method": "intent vote over the 10 best hits (exp(cos/0.05) weights); "
                "isotonic calibration of the vote share on the validation half; "
                f"threshold = lowest probability with answered precision >= "
                f"{retriever.calibration.target_precision} on validation",
                "validation": ", ".join(
                    f"{key} {value:.4f}"
                    for key, value in validation_metrics.items()
                    if key in ("top1", "answered_precision", "answered_share")
                ),
            },
        )
    _write(json.dumps({"test": metrics, "validation": validation_metrics}))


def _add(args: argparse.Namespace) -> None:
    from retrieval.qa_store import read_records
    from retrieval.service import Retriever

    records = read_records(args.qa)
    retriever = Retriever.load(args.index)
    retriever.add(records)
    retriever.save(args.index)
    _write(json.dumps({"added": len(records), "count": len(retriever.records)}))


def _remove(args: argparse.Namespace) -> None:
    from retrieval.service import Retriever

    retriever = Retriever.load(args.index)
    removed = retriever.remove(args.ids)
    retriever.save(args.index)
    _write(
        json.dumps(
            {
                "removed": [record.id for record in removed],
                "count": len(retriever.records),
            }
        )
    )


_COMMANDS = {
    "content": _content,
    "build": _build,
    "search": _search,
    "evaluate": _evaluate,
    "add": _add,
    "remove": _remove,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns:
        0 on success, 2 on a retrieval error (bad input, missing or corrupt index).
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        _COMMANDS[args.command](args)
    except RetrievalError as err:
        logger.error("%s", err)
        return 2
    return 0
