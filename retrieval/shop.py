"""The shop's details (``shop.yml``) that fill placeholders in answers.

A thin adapter: :mod:`actions.shop` is the one loader and validator of shop.yml
(it imports neither rasa nor rasa-sdk); this module only turns its errors into
:class:`~retrieval.errors.ContentError` for the content pipeline.
"""

from __future__ import annotations

from pathlib import Path

from actions.errors import ShopConfigError, ShopConfigNotFoundError
from actions.shop import ShopConfig, load_shop_config, shop_config_path
from retrieval.errors import ContentError


def load_shop_info(path: Path | None = None) -> ShopConfig:
    """Read and validate ``shop.yml`` for building answers.

    Args:
        path: The YAML file; None uses ``$SHOPBOT_SHOP_CONFIG`` or the
            repository's ``shop.yml``.

    Returns:
        The shop configuration.

    Raises:
        ContentError: The file is missing, unreadable, not YAML or incomplete;
            raised from the :mod:`actions.errors` exception that says why.
    """
    source = path if path is not None else shop_config_path()
    try:
        return load_shop_config(source)
    except ShopConfigNotFoundError as err:
        raise ContentError(f"Cannot read shop config {source}: {err}") from err
    except ShopConfigError as err:
        raise ContentError(f"Shop config {source} is invalid: {err}") from err
