"""actions/shop.py: loading, validating and caching shop.yml."""

from __future__ import annotations

import copy
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from actions import constants as c
from actions import shop
from actions.errors import ShopConfigError, ShopConfigNotFoundError

REPO_SHOP = Path(__file__).resolve().parents[2] / "shop.yml"


@pytest.fixture
def valid_data() -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load(REPO_SHOP.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "shop.yml"
    with path.open("w", encoding="utf-8") as handle:
        YAML(typ="safe", pure=True).dump(data, handle)
    return path


def test_repository_shop_yml_loads() -> None:
    config = shop.load_shop_config(REPO_SHOP)
    assert config.name == "Northwind Outfitters"
    assert config.policies.refund_window == "30 days"
    assert config.policies.refund_window_days == 30
    assert "PayPal" in config.policies.payment_methods
    assert config.pages.order_history == "My Orders"


def test_slot_values_cover_every_shop_slot() -> None:
    values = shop.shop_slot_values(shop.load_shop_config(REPO_SHOP))
    assert set(values) == set(c.SHOP_SLOTS)
    assert all(isinstance(v, str) and v for v in values.values())
    assert values[c.SLOT_PAYMENT_METHODS].endswith("bank transfer and gift cards")


def test_neutral_shop_fills_every_slot() -> None:
    values = shop.shop_slot_values(shop.NEUTRAL_SHOP)
    assert set(values) == set(c.SHOP_SLOTS)
    assert values[c.SLOT_PAYMENT_METHODS] == "the payment methods shown at checkout"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("name"), "missing key 'name'"),
        (lambda d: d.update(name="   "), "'name' is empty"),
        (lambda d: d.update(name="{{Company Name}}"), "placeholder"),
        (lambda d: d.update(support_email="nobody"), "not an e-mail address"),
        (
            lambda d: d.update(website_url="shop.example.com"),
            "must start with https://",
        ),
        (lambda d: d.update(pages="My Orders"), "'pages' must be a mapping"),
        (lambda d: d["pages"].pop("returns"), "missing key 'returns'"),
        (lambda d: d["policies"].update(refund_window_days=0), "above 0"),
        (lambda d: d["policies"].update(refund_window_days="30"), "whole number"),
        (lambda d: d["policies"].update(payment_methods=[]), "non-empty list"),
        (lambda d: d["policies"].update(payment_methods=["PayPal", {"a": 1}]), "text"),
        (lambda d: d["policies"].update(standard_delivery=None), "must be text"),
    ],
)
def test_malformed_values_are_rejected_with_the_key(
    tmp_path: Path, valid_data: dict[str, Any], mutate: Any, message: str
) -> None:
    data = copy.deepcopy(valid_data)
    mutate(data)
    with pytest.raises(ShopConfigError, match=message):
        shop.load_shop_config(_write(tmp_path, data))


def test_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ShopConfigError, match="expected a mapping"):
        shop.load_shop_config(path)


def test_invalid_yaml_is_a_config_error_and_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid UTF-8 YAML"):
        shop.load_shop_config(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    path.write_text(REPO_SHOP.read_text(encoding="utf-8"), encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ShopConfigError, match="cannot be read"):
        shop.load_shop_config(path)


def test_missing_file_is_a_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(ShopConfigNotFoundError, match=c.ENV_SHOP_CONFIG) as info:
        shop.load_shop_config(tmp_path / "nope.yml")
    assert isinstance(info.value, FileNotFoundError)


def test_unknown_keys_are_ignored_with_a_warning(
    tmp_path: Path, valid_data: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    valid_data["loyalty_programme"] = "gold"
    with caplog.at_level(logging.WARNING, logger="actions.shop"):
        config = shop.load_shop_config(_write(tmp_path, valid_data))
    assert config.name == "Northwind Outfitters"
    assert "loyalty_programme" in caplog.text


def test_env_variable_overrides_the_path(
    tmp_path: Path, valid_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    valid_data["name"] = "Test Shop"
    monkeypatch.setenv(c.ENV_SHOP_CONFIG, str(_write(tmp_path, valid_data)))
    assert shop.get_shop_config().name == "Test Shop"


def test_get_shop_config_is_cached_until_the_file_changes(
    tmp_path: Path, valid_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, valid_data)
    monkeypatch.setenv(c.ENV_SHOP_CONFIG, str(path))
    first = shop.get_shop_config()
    assert shop.get_shop_config() is first
    valid_data["name"] = "Renamed Shop"
    _write(tmp_path, valid_data)
    assert shop.get_shop_config().name == "Renamed Shop"


def test_shop_or_neutral_logs_and_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(c.ENV_SHOP_CONFIG, str(tmp_path / "missing.yml"))
    with caplog.at_level(logging.ERROR, logger="actions.shop"):
        assert shop.shop_or_neutral() is shop.NEUTRAL_SHOP
    assert "missing.yml" in caplog.text
    assert caplog.records[0].exc_info is not None
