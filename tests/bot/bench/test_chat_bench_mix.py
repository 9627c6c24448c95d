"""The chat benchmark's message mix: it stays inside what the bot answers itself
(checked against domain.yml and the rules), draws by weight, and its parse check
catches messages the model would not answer as meant."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.bench.errors import MixMismatchError
from bot.bench.mix import (
    HANDOFF_ACTIONS,
    HANDOFF_INTENTS,
    MIN_CONFIDENCE,
    MIX,
    Line,
    Persona,
    Topic,
    check_parse,
    draw_lines,
    every_line,
    fill,
    first_lines,
    raise_on_mismatch,
    topics_for,
)

REPO = Path(__file__).resolve().parents[3]
SIGNED_IN = Persona(42, "7906761")
ANONYMOUS = Persona(None, "6895318", "ann.lee@example.com")


def _turns() -> list[tuple[str, list[str]]]:
    """Every shopper turn of every rule and story: the intent and the actions
    it causes before the next shopper message."""
    turns: list[tuple[str, list[str]]] = []
    for folder in ("rules", "stories"):
        for path in sorted((REPO / "data" / folder).glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for flow in data.get("rules", []) + data.get("stories", []):
                for step in flow["steps"]:
                    if "intent" in step:
                        turns.append((step["intent"], []))
                    elif "action" in step and turns:
                        turns[-1][1].append(step["action"])
    return turns


def test_every_mix_intent_is_in_the_domain_and_none_hands_over() -> None:
    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    intents = set(domain["intents"])
    for topic in MIX:
        assert topic.intent in intents
        assert topic.intent not in HANDOFF_INTENTS
    assert HANDOFF_INTENTS - {"nlu_fallback"} <= intents


def test_no_rule_or_story_answers_a_mix_intent_with_a_handoff_action() -> None:
    mix = {topic.intent for topic in MIX}
    answered = set()
    for intent, actions in _turns():
        if intent in mix:
            answered.add(intent)
            assert not set(actions) & HANDOFF_ACTIONS, (intent, actions)
    assert answered == mix


def test_every_intent_a_flow_hands_over_on_is_a_handoff_intent() -> None:
    handing = {intent for intent, actions in _turns() if set(actions) & HANDOFF_ACTIONS}
    assert handing, "no rule runs a handoff action: HANDOFF_ACTIONS is stale"
    assert handing <= HANDOFF_INTENTS


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"intent": "greet", "weight": 1, "wordings": ()}, "at least one wording"),
        ({"intent": "greet", "weight": 0, "wordings": ("hi",)}, "positive weight"),
        ({"intent": "complaint", "weight": 1, "wordings": ("bad",)}, "hand the"),
    ],
)
def test_a_bad_topic_is_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Topic(**kwargs)


def test_an_anonymous_persona_needs_an_order_and_its_email() -> None:
    with pytest.raises(ValueError, match="e-mail address"):
        Persona(None, "1234567")


def test_fill_puts_in_the_order_and_email() -> None:
    assert fill("track order {number} for {email}", ANONYMOUS) == (
        "track order 6895318 for ann.lee@example.com"
    )
    with pytest.raises(ValueError, match="needs an e-mail"):
        fill("{email}", SIGNED_IN)
    with pytest.raises(ValueError, match="needs an order number"):
        fill("{number}", Persona(42))


def test_anonymous_shoppers_give_the_email_with_the_number() -> None:
    lines = [line for line in every_line(ANONYMOUS) if line.intent == "track_order"]
    assert lines and all("ann.lee@example.com" in line.text for line in lines)
    signed = [line for line in every_line(SIGNED_IN) if line.intent == "track_order"]
    assert signed and all("@" not in line.text for line in signed)
    assert all("7906761" in line.text for line in signed)


def test_a_shopper_without_orders_never_asks_about_one() -> None:
    persona = Persona(42)
    assert "track_order" not in {topic.intent for topic in topics_for(persona)}
    lines = draw_lines(persona, 200, random.Random(1))
    assert all("{" not in line.text and line.intent != "track_order" for line in lines)


def test_draws_repeat_with_the_seed_and_follow_the_weights() -> None:
    first = draw_lines(SIGNED_IN, 50, random.Random(3))
    assert first == draw_lines(SIGNED_IN, 50, random.Random(3))
    counts = Counter(
        line.intent for line in draw_lines(SIGNED_IN, 20000, random.Random(5))
    )
    total = sum(topic.weight for topic in MIX)
    for topic in MIX:
        assert counts[topic.intent] / 20000 == pytest.approx(
            topic.weight / total, abs=0.015
        )
    with pytest.raises(ValueError, match="count is -1"):
        draw_lines(SIGNED_IN, -1, random.Random(0))


def test_priming_runs_each_topic_once() -> None:
    lines = first_lines(ANONYMOUS)
    assert [line.intent for line in lines] == [topic.intent for topic in MIX]


def _parsed(name: str, confidence: float, *entities: str) -> dict[str, Any]:
    return {
        "intent": {"name": name, "confidence": confidence},
        "entities": [{"entity": entity, "value": "x"} for entity in entities],
    }


def test_check_parse_accepts_the_meant_intent_with_its_entities() -> None:
    line = Line("track order 1234567", "track_order", ("order_number",))
    assert check_parse(line, _parsed("track_order", 0.99, "order_number")) is None


@pytest.mark.parametrize(
    ("parsed", "problem"),
    [
        (_parsed("complaint", 0.99, "order_number"), "parses as 'complaint'"),
        (_parsed("track_order", MIN_CONFIDENCE - 0.01, "order_number"), "below"),
        (_parsed("track_order", 0.99), "no order_number entity"),
        ({}, "parses as 'None'"),
    ],
)
def test_check_parse_names_what_is_wrong(parsed: dict[str, Any], problem: str) -> None:
    line = Line("track order 1234567", "track_order", ("order_number",))
    found = check_parse(line, parsed)
    assert found is not None and problem in found and "track order 1234567" in found


def test_a_mismatch_stops_the_run_naming_the_fix() -> None:
    raise_on_mismatch([])
    with pytest.raises(MixMismatchError, match="bot/bench/mix.py") as error:
        raise_on_mismatch(["'hi' parses as 'deny' (0.90), not 'greet'"])
    assert "'hi' parses as 'deny'" in str(error.value)
