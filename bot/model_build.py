"""Train the Rasa model only when its inputs changed.

The inputs are config.yml, domain.yml and the training data folders. Their content
hash is stored next to the model (``<model>.fingerprint``), so a fresh clone that
ships an up-to-date model starts without retraining, and any edit to the data or
config retrains on the next ``make run``/``make test``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

CONFIG = "config.yml"
DOMAIN = "domain.yml"
DATA_DIRS = ("data/nlu", "data/rules", "data/stories")


def training_inputs(root: Path) -> list[Path]:
    """Return the files whose content defines the model, in a stable order."""
    files = [root / CONFIG, root / DOMAIN]
    for folder in DATA_DIRS:
        files.extend(sorted(p for p in (root / folder).rglob("*") if p.is_file()))
    return files


def fingerprint(root: Path, files: Iterable[Path]) -> str:
    """Hash file paths (relative to ``root``) and contents into one hex digest."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def archive_is_readable(model: Path) -> bool:
    """True when ``model`` is a complete, readable Rasa model archive."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            names = [member.name.lstrip("/") for member in archive]
    except (tarfile.TarError, OSError, EOFError):
        return False
    return any(name.startswith("components/") for name in names)


def is_up_to_date(model: Path, expected: str) -> bool:
    """True when ``model`` exists, is readable and its stored fingerprint equals
    ``expected``.
    """
    stamp = model.with_suffix("").with_suffix(".fingerprint")
    if not (
        model.is_file() and stamp.is_file() and stamp.read_text().strip() == expected
    ):
        return False
    if not archive_is_readable(model):
        logger.warning(
            "==> model archive %s is corrupt or incomplete; retraining it", model
        )
        return False
    return True


def train(root: Path, model: Path, rasa: str) -> None:
    """Run ``rasa train`` into ``model``; raises CalledProcessError on failure."""
    command = [
        rasa,
        "train",
        "--config",
        CONFIG,
        "--domain",
        DOMAIN,
        "--data",
        *DATA_DIRS,
        "--out",
        str(model.parent),
        "--fixed-model-name",
        model.name.removesuffix(".tar.gz"),
        "--force",
    ]
    logger.info("training the model: %s", " ".join(command))
    subprocess.run(command, cwd=root, check=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m bot.model_build --out models/shopbot.tar.gz``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out", default="models/shopbot.tar.gz", help="model archive path"
    )
    parser.add_argument(
        "--force", action="store_true", help="retrain even when up to date"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    root = Path.cwd()
    missing = [f for f in (root / CONFIG, root / DOMAIN) if not f.is_file()]
    if missing:
        logger.error("cannot train: %s missing (run from the repository root)", missing)
        return 2
    model = Path(args.out)
    expected = fingerprint(root, training_inputs(root))
    if not args.force and is_up_to_date(model, expected):
        logger.info("==> model %s is up to date (data and config unchanged)", model)
        return 0
    logger.info("==> training %s (data or config changed, or no model yet) ...", model)
    rasa = str(Path(sys.executable).with_name("rasa"))
    started = time.monotonic()
    try:
        train(root, model, rasa)
    except subprocess.CalledProcessError as exc:
        logger.error(
            "rasa train failed with exit code %s; the previous model is kept",
            exc.returncode,
        )
        return 1
    stamp = model.with_suffix("").with_suffix(".fingerprint")
    tmp = stamp.with_name(stamp.name + f".tmp{os.getpid()}")
    tmp.write_text(expected + "\n")
    tmp.replace(stamp)
    logger.info("==> model trained in %.0fs: %s", time.monotonic() - started, model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
