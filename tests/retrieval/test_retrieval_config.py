from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from retrieval.config import RetrievalConfig
from retrieval.errors import RetrievalConfigError


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"index_type": "annoy"}, "index_type='annoy'"),
        ({"device": "tpu"}, "device='tpu'"),
        ({"gpu": "maybe"}, "gpu='maybe'"),
        ({"batch_size": 0}, "batch_size=0"),
        ({"top_k": -1}, "top_k=-1"),
        ({"ivf_nlist": -3}, "ivf_nlist=-3"),
        ({"ivf_nlist": 8, "ivf_nprobe": 16}, "exceeds ivf_nlist=8"),
        ({"max_query_chars": True}, "max_query_chars=True"),
    ],
)
def test_invalid_values_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(RetrievalConfigError, match=message) as info:
        RetrievalConfig(**kwargs)
    assert isinstance(info.value, ValueError)


def test_normalises_case() -> None:
    assert RetrievalConfig(index_type=" IVF ", device="CPU").index_type == "ivf"


def test_save_load_roundtrip(tmp_path: Path) -> None:
    config = RetrievalConfig(index_type="hnsw", hnsw_m=16, model_path="/m")
    config.save(tmp_path / "config.json")
    assert RetrievalConfig.load(tmp_path / "config.json") == config


def test_unknown_keys_rejected() -> None:
    with pytest.raises(RetrievalConfigError, match="Unknown retrieval config keys"):
        RetrievalConfig.from_dict({"index_typo": "flat"})


def test_load_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(RetrievalConfigError, match="Cannot read retrieval config"):
        RetrievalConfig.load(path)


def test_fields_have_help() -> None:
    import dataclasses

    assert all(f.metadata.get("help") for f in dataclasses.fields(RetrievalConfig))
