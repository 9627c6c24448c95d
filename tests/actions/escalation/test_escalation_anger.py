"""The anger lexicon, shouting and exclamation scores."""

from __future__ import annotations

import pytest

from actions.escalation.anger import CUES, Cue, read_anger, shouting

ANGRY = (
    "This is the WORST service ever!!! Absolutely ridiculous, "
    "I'm switching to another shop."
)
NEUTRAL = "Hi, where is my order ORD-10042? It said three to five days."
POLITE_ONE_CAPS = (
    "Hello, could you please check my order? It was supposed to arrive TODAY. "
    "Thank you so much!"
)


def test_clear_anger_scores_high_with_its_cues() -> None:
    reading = read_anger(ANGRY)
    assert reading.score > 0.75
    assert {"worst", "ridiculous", "switching to", "!!!"} <= set(reading.cues)


def test_neutral_question_scores_zero() -> None:
    assert read_anger(NEUTRAL).score == 0.0
    assert read_anger(NEUTRAL).cues == ()


def test_one_stressed_word_in_a_polite_message_is_not_shouting() -> None:
    reading = read_anger(POLITE_ONE_CAPS)
    assert reading.score == 0.0
    assert "shouting" not in reading.cues


def test_order_is_angry_then_neutral_then_polite() -> None:
    assert read_anger(ANGRY).score > read_anger(POLITE_ONE_CAPS).score
    assert read_anger(ANGRY).score > read_anger(NEUTRAL).score


def test_shouting_counts_capitals_but_not_acronyms_or_order_numbers() -> None:
    assert read_anger("WHERE IS MY ORDER").cues == ("shouting",)
    assert read_anger("WHERE IS MY ORDER").score == pytest.approx(0.5)
    assert read_anger("where is my order").score == 0.0
    assert shouting("My UPS tracking for ORD12345 says DHL in the USA") == 0.0
    assert shouting("THANK YOU") == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "It's not the worst, just a bit slow.",
        "I'm not switching to another shop, I just need the invoice.",
        "I'm not angry, only confused about the refund.",
        "That isn't ridiculous at all.",
    ],
)
def test_negated_cues_do_not_count(text: str) -> None:
    assert read_anger(text).score == 0.0


def test_negation_stops_at_the_clause_and_never_covers_swearing() -> None:
    assert read_anger("Not great. This is ridiculous").cues == ("ridiculous",)
    assert "swearing" in read_anger("I'm not fucking happy").cues


@pytest.mark.parametrize(
    "text",
    [
        "I want to switch to my other account",
        "How do I cancel my order?",
        "Tell me a joke",
        "Hello, hell of a week, can you help with delivery?",
    ],
)
def test_everyday_requests_are_not_angry(text: str) -> None:
    # "hell of a week" is mild swearing: it may count, but only a little.
    assert read_anger(text).score <= 0.25


SAMPLES = {
    "worst": "worst shop ever",
    "ridiculous": "this is absurd",
    "unacceptable": "totally unacceptable",
    "terrible": "awful service",
    "useless": "you are useless",
    "disgusting": "disgraceful treatment",
    "furious": "I am furious",
    "fed up": "I'm sick and tired of this",
    "scam": "what a rip off",
    "a joke": "this is a joke",
    "not happy": "I am not happy with this",
    "cancel my account": "please close my account",
    "never again": "never ordering from you again, never again",
    "switching to": "I'm switching to amazon",
    "shop elsewhere": "I will shop elsewhere",
    "lost a customer": "you just lost a customer",
    "chargeback": "I'll file a chargeback",
    "swearing": "wtf is this",
    "swearing (mild)": "damn it",
}


@pytest.mark.parametrize("cue", CUES, ids=lambda cue: cue.label)
def test_every_cue_matches_its_sample(cue: Cue) -> None:
    assert 0.0 < cue.weight < 1.0
    assert cue.label in read_anger(SAMPLES[cue.label]).cues


def test_repeated_exclamations_add_up_to_a_cap() -> None:
    one = read_anger("where is it!!").score
    two = read_anger("where is it!! answer me?!").score
    many = read_anger("!! " * 20).score
    assert 0.0 < one < two <= many
    assert many == pytest.approx(read_anger("!! " * 3).score)
    assert read_anger("Thanks!").score == 0.0


@pytest.mark.parametrize(
    "text", ["", "   ", "!" * 500, "FUCK " * 200, ANGRY * 20, "\u2028\u2029"]
)
def test_score_stays_in_bounds(text: str) -> None:
    assert 0.0 <= read_anger(text).score <= 1.0
