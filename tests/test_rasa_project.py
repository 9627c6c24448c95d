"""The Rasa project as a whole: data validation, entity regexes, test stories."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from actions import constants as c
from bot.nlu_data.normalise import dedup_key

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIRS = ("data/nlu", "data/rules", "data/stories")
HAND_WRITTEN = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "out_of_scope",
)


def _yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def training_data() -> Any:
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(REPO_ROOT / "data" / "nlu"))


@pytest.fixture(scope="module")
def heldout_data() -> Any:
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(REPO_ROOT / "data" / "test" / "nlu_bitext_test.yml"))


def test_rasa_data_validate_passes_with_fail_on_warnings() -> None:
    config = REPO_ROOT / "config.yml"
    if not config.is_file():
        pytest.skip("config.yml does not exist yet; rasa would write a default one")
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [
            str(rasa),
            "data",
            "validate",
            "--fail-on-warnings",
            "--config",
            str(config),
            "--domain",
            "domain.yml",
            "--data",
            *DATA_DIRS,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_regexes_extract_exactly_the_annotated_entities(
    training_data: Any, heldout_data: Any, tmp_path: Path
) -> None:
    """RegexEntityExtractor, trained on data/nlu, reproduces every annotation.

    Unannotated examples must yield no entity, so an order number is never
    missed in training data, nor invented where there is none.
    """
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
    from rasa.shared.nlu.training_data.message import Message

    extractor = RegexEntityExtractor.create(
        {
            **RegexEntityExtractor.get_default_config(),
            "use_lookup_tables": True,
            "use_regexes": True,
        },
        LocalModelStorage(tmp_path),
        Resource("regex_entity_extractor"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    extractor.train(training_data)
    examples = training_data.intent_examples + heldout_data.intent_examples
    processed = extractor.process(
        [Message(data={"text": m.get("text")}) for m in examples]
    )
    mismatches = []
    for example, message in zip(examples, processed, strict=False):
        want = {
            (e["start"], e["end"], e["entity"]) for e in example.get("entities", [])
        }
        got = {(e["start"], e["end"], e["entity"]) for e in message.get("entities", [])}
        if want != got:
            mismatches.append((example.get("text"), sorted(want), sorted(got)))
    assert mismatches == [], f"{len(mismatches)} mismatches, e.g. {mismatches[:5]}"
    counts = Counter(e["entity"] for m in examples for e in m.get("entities", []))
    assert set(counts) == set(c.ALL_ENTITIES)


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("where is my order 12345?", [("12345", "order_number")]),
        ("order #37777 invoice", [("#37777", "invoice_number")]),
        (
            "refund $49.90 for 00123842",
            [("$49.90", "amount"), ("00123842", "order_number")],
        ),
        ("I paid 1200 dollars", [("1200 dollars", "amount")]),
        (
            "mail me at jo.ann+shop@example.co.uk please",
            [("jo.ann+shop@example.co.uk", "email")],
        ),
        ("call +1 555 0100 on 2024-05-01", []),
        ("12345 dollars", [("12345 dollars", "amount")]),
    ],
)
def test_regexes_on_typical_messages(
    text: str, entities: list[tuple[str, str]]
) -> None:
    patterns = {
        item["regex"]: [line[2:] for line in item["examples"].splitlines() if line]
        for item in _yaml(REPO_ROOT / "data" / "nlu" / "regex.yml")["nlu"]
    }
    found = sorted(
        (match.group(0), name)
        for name, regexes in patterns.items()
        for regex in regexes
        for match in re.finditer(regex, text, flags=re.IGNORECASE)
    )
    assert found == sorted(entities)


def test_heldout_test_set_is_disjoint_from_training(
    training_data: Any, heldout_data: Any
) -> None:
    train_keys = {dedup_key(m.get("text")) for m in training_data.intent_examples}
    test_keys = {dedup_key(m.get("text")) for m in heldout_data.intent_examples}
    assert len(test_keys) > 1000
    assert train_keys & test_keys == set()
    test_intents = {m.get("intent") for m in heldout_data.intent_examples}
    assert test_intents == set(c.BITEXT_INTENTS)


def test_hand_written_intents_have_30_to_80_varied_examples(training_data: Any) -> None:
    counts = Counter(m.get("intent") for m in training_data.intent_examples)
    for intent in HAND_WRITTEN:
        assert 30 <= counts[intent] <= 80, (intent, counts[intent])
    for intent in (*c.BITEXT_INTENTS, *c.CONVERSATION_INTENTS):
        assert counts[intent] > 0, intent


def test_no_example_has_two_intents(training_data: Any) -> None:
    intents: dict[str, set[str]] = {}
    for message in training_data.intent_examples:
        intents.setdefault(dedup_key(message.get("text")), set()).add(
            message.get("intent")
        )
    assert {k: v for k, v in intents.items() if len(v) > 1} == {}


def test_response_placeholders_are_slots() -> None:
    domain = _yaml(REPO_ROOT / "domain.yml")
    slots = set(domain["slots"])
    for name, variations in domain["responses"].items():
        for variation in variations:
            text = variation["text"]
            assert "{{" not in text, name
            assert set(re.findall(r"{(\w+)}", text)) <= slots, name
            assert "TODO" not in text and "{{" not in text, name


def test_test_stories_cover_every_intent_and_use_domain_actions() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import (
        YAMLStoryReader,
    )

    domain = Domain.load(str(REPO_ROOT / "domain.yml"))
    steps = YAMLStoryReader(domain).read_from_file(
        str(REPO_ROOT / "tests" / "test_stories.yml")
    )
    events = [event for step in steps for event in step.events]
    intents = {e.intent_name for e in events if isinstance(e, UserUttered)}
    actions = {e.action_name for e in events if isinstance(e, ActionExecuted)}
    assert set(c.ALL_INTENTS) - {c.INTENT_NLU_FALLBACK} - intents == set()
    assert actions - set(domain.action_names_or_texts) == set()
    texts = [e.text for e in events if isinstance(e, UserUttered)]
    assert all(texts), "every test-story step needs the user's text"


def test_bitext_sources_ship_with_their_licence() -> None:
    folder = REPO_ROOT / "data" / "sources" / "bitext"
    assert "Community Data License Agreement" in (folder / "LICENSE.txt").read_text()
    assert "CDLA-Sharing-1.0" in (folder / "SOURCE.md").read_text()
