"""Save and load an index directory: FAISS index, QA records, config, calibration.

Layout of ``DIR``::

    manifest.json     format, model name and fingerprint, dim, count, index spec,
                      SHA-256 of every other file (written last)
    index.faiss       serialised CPU FAISS index
    qa.jsonl          the QA records, one per vector id
    config.json       RetrievalConfig used to build it
    calibration.json  confidence map and answer threshold (optional)

:func:`save_bundle` writes everything into ``DIR.tmp-XXXX`` and renames it over
``DIR``, so readers see the old or the new directory, never a mix. :func:`load_bundle`
refuses a directory whose manifest is missing or whose checksums, counts or ids
disagree (a half-written or tampered directory).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.calibration import Calibration
from retrieval.config import RetrievalConfig
from retrieval.errors import CorruptIndexError, IndexNotFoundError
from retrieval.index import deserialize_index, index_ids, index_kind, serialize_index
from retrieval.qa_store import (
    QARecord,
    check_unique_ids,
    read_records,
    records_to_lines,
)

logger = logging.getLogger(__name__)

FORMAT = "shopbot-retrieval"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
INDEX_FILE = "index.faiss"
QA_FILE = "qa.jsonl"
CONFIG_FILE = "config.json"
CALIBRATION_FILE = "calibration.json"


@dataclass
class Bundle:
    """An index directory in memory.

    Attributes:
        index: CPU FAISS index whose ids are the record ids.
        records: Records by id.
        config: Build configuration.
        model_name: Name of the encoder that made the vectors.
        model_fingerprint: Fingerprint of that encoder's checkpoint.
        dim: Vector dimension.
        calibration: Answer calibration, or None when not calibrated yet.
    """

    index: Any
    records: dict[int, QARecord]
    config: RetrievalConfig
    model_name: str
    model_fingerprint: str
    dim: int
    calibration: Calibration | None = None


def save_bundle(bundle: Bundle, directory: Path) -> None:
    """Write a bundle to ``directory`` atomically.

    Args:
        bundle: What to write; index ids must equal the record ids.
        directory: Target folder; replaced if it exists.

    Raises:
        CorruptIndexError: When the index and the records disagree (nothing is
            written).
    """
    _check_consistent(bundle.index, bundle.records, bundle.dim)
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{directory.name}.tmp-", dir=directory.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes 0700; the index is not a secret
        files = {
            INDEX_FILE: serialize_index(bundle.index),
            QA_FILE: "".join(
                records_to_lines(bundle.records[i] for i in sorted(bundle.records))
            ).encode("utf-8"),
            CONFIG_FILE: _json_bytes(bundle.config.to_dict()),
        }
        if bundle.calibration is not None:
            files[CALIBRATION_FILE] = _json_bytes(bundle.calibration.to_dict())
        for name, data in files.items():
            _write_synced(tmp / name, data)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model_name": bundle.model_name,
            "model_fingerprint": bundle.model_fingerprint,
            "dim": bundle.dim,
            "count": len(bundle.records),
            "index_type": index_kind(bundle.index),
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "files": {
                name: hashlib.sha256(data).hexdigest() for name, data in files.items()
            },
        }
        _write_synced(tmp / MANIFEST, _json_bytes(manifest))
        _replace_directory(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info(
        "Saved %d records to index directory %s", len(bundle.records), directory
    )


def read_manifest(directory: Path) -> dict[str, Any]:
    """Read and check the manifest of an index directory.

    Raises:
        IndexNotFoundError: When the directory does not exist.
        CorruptIndexError: When the manifest is missing or malformed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise IndexNotFoundError(
            f"Index directory {directory} does not exist; build it with "
            "`python -m retrieval build --qa data/qa/qa_pairs.jsonl "
            f"--out {directory}`."
        )
    path = directory / MANIFEST
    if not path.is_file():
        raise CorruptIndexError(
            f"{directory} has no {MANIFEST}: it is half-written or not an index "
            "directory. Rebuild it with `python -m retrieval build`."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise CorruptIndexError(
            f"{path} is unreadable ({err}); rebuild the index."
        ) from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CorruptIndexError(f"{path} is not a {FORMAT} manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CorruptIndexError(
            f"{path} has format_version {manifest.get('format_version')}, this code "
            f"reads {FORMAT_VERSION}; rebuild the index."
        )
    for key in ("model_name", "model_fingerprint", "dim", "count", "files"):
        if key not in manifest:
            raise CorruptIndexError(f"{path} lacks {key!r}; rebuild the index.")
    return manifest


def load_bundle(directory: Path) -> Bundle:
    """Load and verify an index directory written by :func:`save_bundle`.

    Args:
        directory: The index directory.

    Returns:
        The bundle.

    Raises:
        IndexNotFoundError: When the directory is missing.
        CorruptIndexError: When a file is missing, its checksum differs from the
            manifest, or the index, records and manifest disagree.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    contents: dict[str, bytes] = {}
    for name, digest in manifest["files"].items():
        path = directory / name
        if not path.is_file():
            raise CorruptIndexError(
                f"{directory} lacks {name} listed in its manifest; rebuild the index."
            )
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise CorruptIndexError(
                f"{path} does not match its checksum in {MANIFEST} (half-written or "
                "edited); rebuild the index."
            )
        contents[name] = data
    for required in (INDEX_FILE, QA_FILE, CONFIG_FILE):
        if required not in contents:
            raise CorruptIndexError(f"{directory} manifest does not list {required}.")
    records = read_records(directory / QA_FILE)
    check_unique_ids(records)
    index = deserialize_index(contents[INDEX_FILE])
    by_id = {record.id: record for record in records}
    dim = int(manifest["dim"])
    if int(manifest["count"]) != len(by_id):
        raise CorruptIndexError(
            f"{directory}: manifest count {manifest['count']} but {len(by_id)} records."
        )
    _check_consistent(index, by_id, dim)
    calibration = (
        Calibration.from_dict(json.loads(contents[CALIBRATION_FILE]))
        if CALIBRATION_FILE in contents
        else None
    )
    return Bundle(
        index=index,
        records=by_id,
        config=RetrievalConfig.from_dict(json.loads(contents[CONFIG_FILE])),
        model_name=str(manifest["model_name"]),
        model_fingerprint=str(manifest["model_fingerprint"]),
        dim=dim,
        calibration=calibration,
    )


def _check_consistent(index: Any, records: dict[int, QARecord], dim: int) -> None:
    if index.d != dim:
        raise CorruptIndexError(
            f"Index dimension {index.d} differs from manifest {dim}."
        )
    ids = np.sort(index_ids(index))
    expected = np.array(sorted(records), dtype=np.int64)
    if ids.shape != expected.shape or not np.array_equal(ids, expected):
        raise CorruptIndexError(
            f"Index holds {ids.size} ids but there are {expected.size} records, or "
            "their ids differ; rebuild the index."
        )


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _replace_directory(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target``; an existing target is moved aside first."""
    if not target.exists():
        os.rename(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f"{target.name}.old-", dir=target.parent))
    old.rmdir()
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
