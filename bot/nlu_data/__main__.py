"""CLI: ``python -m bot.nlu_data build [--check]``.

``build`` reads the Bitext CSVs and (re)writes ``data/nlu/bitext_*.yml`` and
``data/test/nlu_bitext_test.yml``; with ``--check`` it writes nothing and exits
with status 1 when a committed file differs from a fresh build.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.nlu_data.build import (
    DEFAULT_SOURCES_DIR,
    build_outputs,
    check_outputs,
    write_outputs,
)
from bot.nlu_data.errors import NluDataError
from bot.nlu_data.sources import load_bitext

logger = logging.getLogger("bot.nlu_data")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.nlu_data",
        description="Build Rasa NLU data from the Bitext customer-support sets.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write data/nlu and data/test files")
    build.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="project root the output paths are relative to (default: .)",
    )
    build.add_argument(
        "--sources",
        type=Path,
        default=None,
        help=f"folder with the Bitext CSVs (default: <root>/{DEFAULT_SOURCES_DIR})",
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a committed file differs from a fresh build",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI.

    Args:
        argv: arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 when ``--check`` finds stale files, 2 on bad input.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    root: Path = args.root
    sources = args.sources if args.sources is not None else root / DEFAULT_SOURCES_DIR
    try:
        outputs, summary = build_outputs(load_bitext(sources))
    except NluDataError as exc:
        logger.error("%s", exc)
        return 2
    sys.stdout.write(
        f"rows read: {summary.rows_read}, unique: {summary.unique}, "
        f"duplicates merged: {summary.duplicates_merged}, "
        f"conflicting utterances dropped: {summary.conflicts_dropped}, "
        f"train: {summary.train}, test: {summary.test}\n"
    )
    if args.check:
        stale = check_outputs(outputs, root)
        for path in stale:
            sys.stdout.write(f"stale: {path}\n")
        return 1 if stale else 0
    write_outputs(outputs, root)
    for path in summary.files:
        sys.stdout.write(f"wrote: {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
