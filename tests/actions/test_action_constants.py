"""actions/constants.py names exactly what domain.yml declares, and vice versa."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from actions import constants as c

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"


@pytest.fixture(scope="module")
def raw_domain() -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load(DOMAIN_FILE.read_text(encoding="utf-8"))


def _assert_same(declared: tuple[str, ...], in_domain: set[str]) -> None:
    assert len(set(declared)) == len(declared), "a constant is listed twice"
    assert set(declared) - in_domain == set(), "in constants.py but not in domain.yml"
    assert in_domain - set(declared) == set(), "in domain.yml but not in constants.py"


def test_intents_match_domain(raw_domain: dict[str, Any]) -> None:
    _assert_same(c.ALL_INTENTS, set(raw_domain["intents"]))


def test_bitext_intents_are_the_27_labels() -> None:
    assert len(c.BITEXT_INTENTS) == 27


def test_entities_match_domain(raw_domain: dict[str, Any]) -> None:
    _assert_same(c.ALL_ENTITIES, set(raw_domain["entities"]))


def test_slots_match_domain(raw_domain: dict[str, Any]) -> None:
    # requested_slot is added by Rasa, not declared in domain.yml.
    declared = tuple(name for name in c.ALL_SLOTS if name != c.SLOT_REQUESTED)
    _assert_same(declared, set(raw_domain["slots"]))


def test_forms_match_domain(raw_domain: dict[str, Any]) -> None:
    _assert_same(c.ALL_FORMS, set(raw_domain["forms"]))


def test_custom_actions_match_domain(raw_domain: dict[str, Any]) -> None:
    _assert_same(c.ALL_CUSTOM_ACTIONS, set(raw_domain["actions"]))


def test_responses_match_domain(raw_domain: dict[str, Any]) -> None:
    _assert_same(c.ALL_RESPONSES, set(raw_domain["responses"]))


def test_shop_slots_are_filled_by_a_custom_action(raw_domain: dict[str, Any]) -> None:
    for name in c.SHOP_SLOTS:
        mappings = raw_domain["slots"][name]["mappings"]
        assert mappings == [{"type": "custom"}], name


def test_every_custom_action_is_registered_by_rasa_sdk() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(c.ALL_CUSTOM_ACTIONS) <= set(executor.actions)


def test_abstract_bases_are_not_registered() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    registered = {type(action).__name__ for action in executor.actions.values()}
    assert "AskSlotAction" not in registered
